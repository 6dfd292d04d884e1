/**
 * `verify-deployment demo --hook`: the incident as a gated blue/green rollout. The sandbox (broken:
 * the Redis ingress rule missing) rolls out a new revision that pauses at a PAUSE lifecycle hook;
 * `verify-deployment gate` runs the shipped scenario and answers ROLLBACK with the root cause. After
 * the fix a second rollout pauses the same way and the gate answers CONTINUE. The gate is the CLI's
 * own (gate-command.ts), called in-process; the emulator records each ContinueServiceDeployment.
 */
import { EXIT } from './cli/exit-codes.js';
import { gateCommand } from './cli/gate-command.js';
import type { ExitGuard } from './sandbox/exit-guard.js';
import { exitCodeFor } from './sandbox/exit-guard.js';
import { INCIDENT, type Sandbox } from './sandbox/index.js';
import { ROLLOUT_STAGE } from './sandbox/rollout.js';

export interface HookStoryOptions {
  stdout: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  scenarioFile: string;
  /** The demo's vars for the shipped scenario (baseUrl, logWindow, albWait, metricsWindow). */
  vars: Record<string, string>;
  /** The runbook's wait for the health checks after the fix. */
  waitForHealth(): Promise<void>;
}

/**
 * Two gated rollouts on a started sandbox whose process environment already points at it: one on
 * the broken state (expected ROLLBACK, exit 1), one after the fix (expected CONTINUE, exit 0).
 * Returns the demo's exit code: 0 when both went as expected and the emulator recorded both actions.
 */
export async function gateTheRollouts(sandbox: Sandbox, guard: ExitGuard, o: HookStoryOptions): Promise<number> {
  const say = (line = '') => guard.outputOpen() && o.stdout.write(`${line}\n`);
  const stopped = () => exitCodeFor(guard.reason()!);
  const gate = async (title: string): Promise<{ code: number; recorded?: string }> => {
    const rollout = await sandbox.rollout({ stage: ROLLOUT_STAGE });
    say();
    say(`━━ ${title}: rollout of ${rollout.taskDefinition.split('/').pop()} (blue/green), paused at a PAUSE hook at ${rollout.stage} ━━`);
    say(`━━ verify-deployment gate --cluster ${INCIDENT.cluster} --service ${INCIDENT.service} ${o.scenarioFile} ━━`);
    await new Promise((resolve) => setImmediate(resolve));
    if (guard.signal.aborted) return { code: stopped() };
    const code = await gateCommand(
      {
        command: 'gate',
        target: { cluster: INCIDENT.cluster, service: INCIDENT.service },
        file: o.scenarioFile,
        stage: rollout.stage,
        dryRun: false,
        vars: o.vars,
        reporters: ['pretty'],
        outs: [],
      },
      { signal: guard.signal, stdout: o.stdout, stderr: o.stderr, env: process.env },
    );
    const recorded = await sandbox.recordedContinue(rollout.serviceArn);
    if (recorded) say(`The emulator recorded ContinueServiceDeployment ${recorded.split('|')[0]} on hook ${recorded.split('|')[1] ?? ''}.`);
    return { code, recorded };
  };

  const broken = await gate('Rollout 1, on the incident');
  if (guard.signal.aborted) return stopped();
  say();
  say('Applying the fix the root cause names (the missing ingress rule), then rolling out again:');
  await sandbox.setState('healthy');
  await o.waitForHealth();
  if (guard.signal.aborted) return stopped();
  const fixed = await gate('Rollout 2, after the fix');
  if (guard.signal.aborted) return stopped();
  say();
  const asExpected =
    broken.code === EXIT.failed && fixed.code === EXIT.passed && broken.recorded?.startsWith('ROLLBACK|') === true && fixed.recorded?.startsWith('CONTINUE|') === true;
  say(
    asExpected
      ? 'Demo complete: the gate rolled back the rollout on the broken environment and named the missing rule; after the fix it continued the next one.'
      : `Demo did not go as expected: gate 1 exited ${broken.code} (expected 1, ROLLBACK), gate 2 exited ${fixed.code} (expected 0, CONTINUE).`,
  );
  return asExpected ? EXIT.passed : EXIT.failed;
}
