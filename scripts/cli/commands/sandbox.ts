/** `verify-deployment sandbox up|break|fix|status|down`: the demo's local environment, by hand. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { UsageError } from '../usage-error.js';

const ACTIONS = ['up', 'break', 'fix', 'rollout', 'status', 'down'];
const BREAKABLE = ['sg-rule', 'secret', 'both'] as const;

type SandboxArgs =
  | { action: 'up'; state: string }
  | { action: 'break'; what: (typeof BREAKABLE)[number] }
  | { action: 'rollout'; stage?: string }
  | { action: 'fix' | 'status' | 'down' };

function parseSandbox(state: string | undefined, stage: string | undefined, [action, what]: string[]): SandboxArgs {
  if (state && action !== 'up') throw new UsageError('--state only applies to up');
  if (stage && action !== 'rollout') throw new UsageError('--stage only applies to rollout');
  switch (action) {
    case 'up':
      if (what) throw new UsageError('up takes --state, not an argument');
      return { action, state: state ?? 'missing-sg-rule' };
    case 'break':
      if (what !== undefined && !(BREAKABLE as readonly string[]).includes(what)) throw new UsageError(`break takes ${BREAKABLE.join(', ')} or nothing, got "${what}"`);
      return { action, what: (what as (typeof BREAKABLE)[number] | undefined) ?? 'sg-rule' };
    case 'rollout':
      if (what) throw new UsageError('rollout takes --stage, not an argument');
      return { action, stage };
    case 'fix':
    case 'status':
    case 'down':
      if (what) throw new UsageError(`${action} takes no argument`);
      return { action };
    default:
      if (action === undefined) throw new UsageError(`needs an action: ${ACTIONS.join(', ')}`);
      throw new UsageError(`unknown action "${action}" (actions: ${ACTIONS.join(', ')})`, { unknown: { word: action, candidates: ACTIONS, prefix: '' } });
  }
}

/** `up` in the foreground until SIGINT/SIGTERM (it stops its children itself). */
async function up(state: string): Promise<number> {
  const [control, { isSandboxState, SANDBOX_STATES }, { INSTALL_HINTS, motoAvailable, redisAvailable }] = await Promise.all([
    import('../../sandbox/control.js'),
    import('../../sandbox/states.js'),
    import('../../sandbox/services.js'),
  ]);
  if (!isSandboxState(state)) throw new UsageError(`--state expects one of ${SANDBOX_STATES.join(', ')}, got "${state}"`);
  const missing = [!motoAvailable() && INSTALL_HINTS.moto, !redisAvailable() && INSTALL_HINTS.redis].filter(Boolean);
  if (missing.length > 0) throw new UsageError(missing.join('; '));
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await control.sandboxUp(state, process.stdout, stop.signal);
  return EXIT.passed;
}

async function control(args: SandboxArgs): Promise<number> {
  const control = await import('../../sandbox/control.js');
  try {
    switch (args.action) {
      case 'up':
        return await up(args.state);
      case 'break':
        process.stdout.write(`sandbox state: ${await control.sandboxSetState({ break: args.what })}\n`);
        return EXIT.passed;
      case 'fix':
        process.stdout.write(`sandbox state: ${await control.sandboxSetState('healthy')}\n`);
        return EXIT.passed;
      case 'rollout': {
        const { HOOK_STAGES } = await import('../../../runner/index.js');
        if (args.stage !== undefined && !(HOOK_STAGES as readonly string[]).includes(args.stage)) {
          throw new UsageError(`--stage expects a stage a lifecycle hook can pause (${HOOK_STAGES.join(', ')}), got "${args.stage}"`);
        }
        const rollout = await control.sandboxRollout(args.stage);
        process.stdout.write(
          `rollout of ${rollout.taskDefinition.split('/').pop()} paused at a PAUSE hook awaiting action at ${rollout.stage}\n` +
            `release it (with the exports "sandbox up" printed): ${rollout.gateCommand}\n`,
        );
        return EXIT.passed;
      }
      case 'status': {
        const { state, record } = await control.sandboxStatus();
        process.stdout.write(`sandbox state: ${state}\nAWS_ENDPOINT_URL=${record.motoEndpoint}\nmodel API: ${record.apiUrl}\n`);
        return EXIT.passed;
      }
      case 'down':
        try {
          await control.sandboxDown();
        } catch (error) {
          if (!(error instanceof control.NothingToStop)) throw error;
          // Idempotent: nothing running is the state `down` asks for (a note, not a usage error).
          process.stderr.write(`${error.message}\n`);
          return EXIT.passed;
        }
        process.stdout.write('sandbox stopped\n');
        return EXIT.passed;
    }
  } catch (error) {
    if (error instanceof control.SandboxNotRunning) throw new UsageError(error.message);
    throw error;
  }
}

export const sandbox = defineCommand({
  name: 'sandbox',
  summary: "the demo's local environment (AWS emulator, redis-server, model API), by hand",
  usage: [{ lines: ['sandbox up [--state S] | break [sg-rule|secret|both] | fix', '| rollout [--stage STAGE] | status | down'], note: "the demo's local environment, by hand" }],
  flags: { state: { type: 'string' }, stage: { type: 'string' } },
  flagHelp: {
    state: { arg: 'S', text: 'with up: healthy, missing-sg-rule (default), missing-secret or both' },
    stage: { arg: 'STAGE', text: 'with rollout: where the PAUSE hook waits (default POST_TEST_TRAFFIC_SHIFT)' },
  },
  positionals: { min: 0, max: 2, extra: (count) => `takes an action and at most one argument, got ${count}` },
  details: `up        start it in the foreground; prints the exports and the run command (Ctrl-C stops it)
break     from another shell: remove the Redis ingress rule (sg-rule, default), the secret, or both
fix       everything back to healthy (what the fixes do in AWS)
rollout   a blue/green rollout of a new revision, paused at a PAUSE hook for "verify-deployment gate"
status    which state the emulated resources are in
down      stop it (exits 0 when none is running: says so on stderr)`,
  parse: (values, positionals) => parseSandbox(values.state, values.stage, positionals),
  run: control,
});
