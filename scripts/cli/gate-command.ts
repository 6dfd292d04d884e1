/**
 * `verify-deployment gate`: find the service's rollout paused at a PAUSE lifecycle hook, run the
 * scenario (or the zero-config chain) with the rollout's vars, and release the hook with
 * ContinueServiceDeployment: CONTINUE on a pass, ROLLBACK on anything else. The AWS side lives in
 * the library (runner/gate/); the run and its reports are `run`'s own (run-command.ts).
 */
import type { GateDecision, PausedHook, RunReport } from '../../runner/index.js';
import { EXIT } from './exit-codes.js';
import type { ServiceTarget } from './flags.js';
import { planRun, runCommand, type RunArgs, type RunIo } from './run-command.js';
import { UsageError } from './usage-error.js';
import { timeoutSignal } from '../../checks/support/abort.js';

type Library = typeof import('../../runner/index.js');

/** Exit codes of `gate` beyond run's: no hook awaiting action within --wait. */
export const GATE_EXIT = { continued: EXIT.passed, rolledBack: EXIT.failed, usage: EXIT.usage, noHook: 3 } as const;

/** Time kept back from the hook's expiry when it bounds the run (no --timeout): room to act. */
const EXPIRY_MARGIN_MS = 30_000;
/** Default pause between looks while --wait lasts. */
const DEFAULT_POLL_MS = 10_000;

export interface GateArgs {
  command: 'gate';
  target: ServiceTarget;
  /** The scenario file; undefined runs the zero-config chain for the service. */
  file?: string;
  stage?: string;
  /** How long to wait for a hook to await action ("0": look once). */
  wait?: string;
  /** Pause between looks while waiting. */
  interval?: string;
  dryRun: boolean;
  vars: Record<string, string>;
  reporters: string[];
  outs: { reporter: string; path: string }[];
  timeout?: string;
  /** `--publish-metrics NAMESPACE`: the run's verdict into CloudWatch (overrides the scenario's `publishMetrics`). */
  publishMetrics?: string;
  color?: boolean;
  verbose?: boolean;
}

type Streams = Required<Pick<RunIo, 'stdout' | 'stderr' | 'env'>>;

function durationFlag(lib: Library, flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const ms = text.trim() === '0' ? 0 : lib.parseDuration(text);
  if (ms === undefined || ms < min || ms > lib.MAX_DURATION_MS) {
    throw new UsageError(`${flag} expects a duration${min > 0 ? ` of at least ${lib.formatDuration(min)}` : ' (0 looks once)'} like "10m", got "${text}"`);
  }
  return ms;
}

function runArgsOf(args: GateArgs): RunArgs {
  return {
    command: 'run',
    ...(args.file ? { file: args.file } : { target: args.target }),
    watch: false,
    vars: args.vars,
    reporters: args.reporters,
    outs: args.outs,
    failFast: false,
    timeout: args.timeout,
    concurrency: 1,
    color: args.color,
    verbose: args.verbose,
    ...(args.publishMetrics !== undefined ? { publishMetrics: args.publishMetrics } : {}),
  };
}

/**
 * Validates the scenario file before waiting (a typo found after a 30-minute wait helps nobody):
 * with the vars the gate will set, the ones not known yet stood in for by valid placeholders.
 */
async function prevalidate(args: GateArgs, lib: Library, streams: Streams): Promise<boolean> {
  const placeholders = { cluster: args.target.cluster, service: args.target.service, stage: args.stage ?? 'POST_SCALE_UP', taskDefinition: `${args.target.service}:1` };
  try {
    await lib.loadScenario(args.file!, { checkTypes: lib.checkTypes, vars: args.vars, optionalVars: lib.rolloutVars({}, placeholders), env: streams.env });
    return true;
  } catch (error) {
    if (!(error instanceof lib.ScenarioError)) throw error;
    for (const problem of error.problems) streams.stderr.write(`${lib.neutralize(lib.formatProblem(problem))}\n`);
    return false;
  }
}

function hookText(lib: Library, hook: PausedHook): string {
  const expiry = hook.expiresAt ? `; ECS takes its timeout action ${hook.timeoutAction ?? 'ROLLBACK'} at ${hook.expiresAt.toISOString()}` : '';
  return `PAUSE hook ${lib.oneLine(hook.hookId)} of service deployment ${lib.oneLine(hook.serviceDeploymentArn)} awaiting action at ${hook.stage}${expiry}`;
}

/** The run's --timeout: the user's, else the time left before the hook expires (minus a margin to act in). */
function boundedByExpiry(args: GateArgs, hook: PausedHook, now: number): string | undefined {
  if (args.timeout !== undefined || !hook.expiresAt) return args.timeout;
  const left = hook.expiresAt.getTime() - now - EXPIRY_MARGIN_MS;
  return `${Math.max(1000, Math.floor(left))}ms`;
}

/** Where the decision line goes: after the report on stdout, unless stdout carries a machine report. */
function decisionStream(args: GateArgs, lib: Library, streams: Streams): NodeJS.WritableStream {
  const stdoutReporters = args.reporters.length > 0 ? args.reporters : ['pretty'];
  return stdoutReporters.some((r) => lib.isMachineReporter(r)) ? streams.stderr : streams.stdout;
}

/**
 * Tells the hook the decision (ContinueServiceDeployment), or with --dry-run only says what it would
 * do. Returns the exit code: 0 continued, 1 rolled back or the call failed.
 */
async function act(args: GateArgs, lib: Library, streams: Streams, pool: InstanceType<Library['ClientPool']>, hook: PausedHook, decision: GateDecision): Promise<number> {
  const out = decisionStream(args, lib, streams);
  const reason = lib.truncate(lib.oneLine(decision.reason), 2000);
  const code = decision.action === 'CONTINUE' ? GATE_EXIT.continued : GATE_EXIT.rolledBack;
  if (args.dryRun) {
    out.write(`gate: would ${decision.action} (verdict ${decision.verdict}): ${reason}\ngate: --dry-run: ContinueServiceDeployment not called; the hook still awaits action\n`);
    return code;
  }
  try {
    const request = { serviceDeploymentArn: hook.serviceDeploymentArn, hookId: hook.hookId, action: decision.action };
    await lib.continueServiceDeployment(lib.callContext(pool), request);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    streams.stderr.write(`verify-deployment gate: ecs:ContinueServiceDeployment ${decision.action} failed: ${lib.oneLine(message)}; ${hookText(lib, hook)}\n`);
    return GATE_EXIT.rolledBack;
  }
  out.write(`gate: ${decision.action} (verdict ${decision.verdict}): ${reason}\n`);
  return code;
}

/** Finds the hook, runs the scenario with the rollout's vars, and acts on the verdict. See the command's help for exit codes. */
export async function gateCommand(args: GateArgs, io: RunIo = {}): Promise<number> {
  const streams: Streams = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, env: io.env ?? process.env };
  const lib = await import('../../runner/index.js');
  planRun(runArgsOf(args), lib); // reporters and --timeout: usage errors before any wait
  if (args.stage !== undefined && !(lib.HOOK_STAGES as readonly string[]).includes(args.stage)) {
    throw new UsageError(`--stage expects a stage a lifecycle hook can pause (${lib.HOOK_STAGES.join(', ')}), got "${args.stage}"`);
  }
  const waitMs = durationFlag(lib, '--wait', args.wait, 0, 0);
  const intervalMs = durationFlag(lib, '--interval', args.interval, DEFAULT_POLL_MS, 100);
  if (args.file && !(await prevalidate(args, lib, streams))) return GATE_EXIT.usage;

  const { cluster, service, region } = args.target;
  const pool = new lib.ClientPool({ region });
  try {
    let found: Awaited<ReturnType<Library['waitForPausedHook']>>;
    try {
      const onLook = waitMs > 0 ? (seen: string) => streams.stderr.write(`gate: waiting for a PAUSE hook: ${lib.oneLine(seen)}\n`) : undefined;
      found = await lib.waitForPausedHook({ cluster, service, stage: args.stage }, { clients: pool, waitMs, intervalMs, signal: io.signal, onLook });
    } catch (error) {
      if (io.signal?.aborted) return EXIT[io.signal.reason as 'SIGINT' | 'SIGTERM'] ?? EXIT.SIGINT;
      if (!(error instanceof lib.HookLookupError)) throw error;
      streams.stderr.write(`verify-deployment gate: cannot look for a paused hook: ${lib.oneLine(error.message)}\n`);
      return GATE_EXIT.rolledBack;
    }
    if (!found.hook) {
      const within = waitMs > 0 ? `within --wait ${lib.formatDuration(waitMs)} (${found.looks} looks)` : '(looked once; --wait DURATION keeps looking)';
      streams.stderr.write(`verify-deployment gate: no PAUSE hook awaiting action for ECS service ${service} (cluster ${cluster})${args.stage ? ` at ${args.stage}` : ''} ${within}: ${lib.oneLine(found.seen)}\n`);
      return GATE_EXIT.noHook;
    }
    const hook = found.hook;
    streams.stderr.write(`gate: ${hookText(lib, hook)}\n`);
    return await verifyAndAct(args, lib, streams, io, pool, hook);
  } finally {
    await pool.destroy();
  }
}

/** Resolves the target revision, runs the scenario, decides and acts. */
async function verifyAndAct(args: GateArgs, lib: Library, streams: Streams, io: RunIo, pool: InstanceType<Library['ClientPool']>, hook: PausedHook): Promise<number> {
  const rolledBack = (reason: string, verdict: GateDecision['verdict'] = 'errored') => act(args, lib, streams, pool, hook, { action: 'ROLLBACK', verdict, reason });
  let taskDefinition: string;
  try {
    taskDefinition = await lib.describeServiceRevisionResolver(pool)(hook.targetServiceRevisionArn, { region: args.target.region, signal: timeoutSignal(15_000) });
  } catch (error) {
    return rolledBack((error as Error).message);
  }
  streams.stderr.write(`gate: target revision ${lib.oneLine(taskDefinition)}; running ${args.file ?? 'the zero-config chain'} at ${hook.stage}\n`);
  const rollout = { cluster: hook.cluster, service: hook.service, taskDefinition, stage: hook.stage };
  const runArgs: RunArgs = { ...runArgsOf(args), optionalVars: lib.rolloutVars({}, rollout), rollout: { stage: hook.stage, taskDefinition }, timeout: boundedByExpiry(args, hook, Date.now()) };
  let report: RunReport | undefined;
  let code: number;
  try {
    code = await runCommand(runArgs, { ...io, ...streams, onReport: (r) => (report = r) });
  } catch (error) {
    // Zero-config discovery that fails (AccessDenied, an unreadable answer) is a run that could not verify.
    if (error instanceof UsageError) return rolledBack(`zero-config discovery failed: ${error.message}`);
    throw error;
  }
  if (code === EXIT.SIGINT || code === EXIT.SIGTERM) {
    streams.stderr.write(`verify-deployment gate: interrupted: ContinueServiceDeployment not called; ${hookText(lib, hook)}\n`);
    return code;
  }
  if (code === EXIT.usage || !report) {
    streams.stderr.write(`verify-deployment gate: invalid scenario: ContinueServiceDeployment not called; ${hookText(lib, hook)}\n`);
    return GATE_EXIT.usage;
  }
  return act(args, lib, streams, pool, hook, lib.gateDecision(report));
}
