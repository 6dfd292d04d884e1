/** `verify-deployment run` (and the demo's runs): load, run and report one scenario. */
import { appendFile } from 'node:fs/promises';
import type { ReporterName, RolloutContext, RunReport, Scenario } from '../../runner/index.js';
import { EXIT } from './exit-codes.js';
import type { FleetSelection } from './fleet-flags.js';
import type { ServiceTarget } from './flags.js';
import { fsReason, prepareOutputPath, writeFileAtomic } from './outputs.js';
import { discoveryFailure, UsageError } from './usage-error.js';

type Library = typeof import('../../runner/index.js');

export interface RunArgs {
  command: 'run';
  /** The scenario file, or undefined when the chain is discovered from `target`. */
  file?: string;
  target?: ServiceTarget;
  /** `--all-services`: every selected service of the cluster (`file`, when given, is run for each). */
  fleet?: FleetSelection;
  from?: string;
  watch: boolean;
  interval?: string;
  vars: Record<string, string>;
  /**
   * Vars a program derived (a deployment event's cluster, service, taskDefinition, stage): set
   * whether or not the scenario declares them, never an "unknown var" (`--var` is checked).
   */
  optionalVars?: Record<string, string>;
  reporters: string[];
  outs: { reporter: string; path: string }[];
  only?: string[];
  failFast: boolean;
  timeout?: string;
  /** --concurrency: checks at once (unset: the scenario's `concurrency:`, else the runner's default); with `fleet`, services at once. */
  concurrency?: number;
  /** What inconclusive checks make of the run: `fail` (default, exit 1) or `pass`. */
  inconclusive?: 'pass' | 'fail';
  /** `--publish-metrics NAMESPACE`: put the verdict into CloudWatch after the run (overrides the scenario's `publishMetrics`). */
  publishMetrics?: string;
  color?: boolean;
  /** Show the checks' debug lines on stderr. */
  verbose?: boolean;
  /** `--event FILE|-`: a deployment event naming the rollout to verify (see run-event.ts). */
  event?: string;
  /** The rollout's stage and target task definition, for a discovered chain (set from --event, or by gate). */
  rollout?: RolloutContext;
}

export interface RunIo {
  signal?: AbortSignal;
  /** Where reporters write (default process.stdout). */
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where progress goes (default process.stderr). */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: Record<string, string | undefined>;
  /** Receives the final (masked) report, e.g. for the demo's narration. */
  onReport?(report: RunReport): void;
}

export type Streams = Required<Pick<RunIo, 'stdout' | 'stderr' | 'env'>>;

/** The flag values that need the library to check: reporters and durations. Throws UsageError. */
export interface RunPlan {
  stdoutReporters: ReporterName[];
  timeoutMs?: number;
  intervalMs: number;
}

/** Checks reporters, --timeout and --interval before anything runs (gate calls it before it waits). */
export function planRun(args: RunArgs, lib: Library): RunPlan {
  const stdoutReporters = args.reporters.length > 0 ? args.reporters : ['pretty'];
  for (const name of [...stdoutReporters, ...args.outs.map((o) => o.reporter)]) {
    if (!lib.isReporterName(name)) throw new UsageError(`unknown reporter "${name}" (reporters: ${lib.reporterNames.join(', ')})`);
  }
  const machine = stdoutReporters.filter((r) => lib.isMachineReporter(r));
  if (machine.length > 0 && stdoutReporters.length > 1) {
    throw new UsageError(`--reporter ${machine[0]} must be the only reporter on stdout; write the others with --out NAME=PATH`);
  }
  const timeoutMs = args.timeout === undefined ? undefined : lib.parseDuration(args.timeout);
  // 0 (or a value that rounds to 0 ms) would silently mean "no deadline" in runScenario.
  // Above MAX_DURATION_MS a timer fires after 1 ms: "--timeout 1000h" would end the run at once.
  if (args.timeout !== undefined && (timeoutMs === undefined || timeoutMs <= 0 || timeoutMs > lib.MAX_DURATION_MS)) {
    throw new UsageError(`--timeout expects a duration greater than zero and at most 596h like "90s" or "5m", got "${args.timeout}"`);
  }
  const intervalMs = args.interval === undefined ? 5_000 : lib.parseDuration(args.interval);
  if (intervalMs === undefined || intervalMs < 100 || intervalMs > lib.MAX_DURATION_MS) {
    throw new UsageError(`--interval expects a duration of at least 100ms and at most 596h like "5s", got "${args.interval}"`);
  }
  return { stdoutReporters: stdoutReporters as ReporterName[], timeoutMs, intervalMs };
}

/** The scenario from the file, or discovered from --cluster/--service. Throws ScenarioError, UsageError. */
async function loadRunScenario(args: RunArgs, lib: Library, streams: Streams, signal?: AbortSignal): Promise<Scenario> {
  const { env } = streams;
  const { checkTypes } = lib;
  if (!args.target) return lib.loadScenario(args.file!, { checkTypes, vars: args.vars, optionalVars: args.optionalVars, env });
  const { discover, scenarioText, DiscoveryError } = lib;
  const found = await discover(args.target, { signal }).catch((error: unknown) => {
    if (error instanceof DiscoveryError) throw discoveryFailure(error);
    throw error;
  });
  // What discovery followed (variable → resource → security groups → port), already neutralised.
  for (const line of lib.discoveryLines(found)) streams.stderr.write(`verify-deployment: ${line}\n`);
  const displayName = `discovered:${args.target.cluster}/${args.target.service}`;
  return lib.parseScenario(scenarioText({ ...args.target, ...args.rollout }, found), { checkTypes, vars: args.vars, optionalVars: args.optionalVars, env, displayName, dir: process.cwd() });
}

/** The checks to run (--from NAME, --only a,b), or undefined for all. Throws UsageError. */
function selectChecks(args: RunArgs, scenario: Scenario): string[] | undefined {
  const names = scenario.checks.map((c) => c.name);
  // Check names may interpolate a declared secret: every message here is masked.
  const fromIndex = args.from === undefined ? -1 : names.indexOf(args.from);
  if (args.from !== undefined && fromIndex === -1) {
    throw new UsageError(scenario.masker.mask(`--from names unknown check "${args.from}" (checks: ${names.join(', ')})`));
  }
  const unknownOnly = (args.only ?? []).filter((name) => !names.includes(name));
  if (unknownOnly.length > 0) {
    throw new UsageError(scenario.masker.mask(`--only names unknown check(s): ${unknownOnly.join(', ')} (checks: ${names.join(', ')})`));
  }
  return fromIndex >= 0 ? names.slice(fromIndex) : args.only;
}

/** Runs the scenario once, or in rounds with --watch, showing progress on stderr. */
async function execute(args: RunArgs, lib: Library, scenario: Scenario, plan: RunPlan, only: string[] | undefined, io: RunIo & Streams): Promise<RunReport> {
  const { stderr, env } = io;
  const [{ createProgress }, { watchDisplay }] = await Promise.all([import('./progress.js'), import('./watch-display.js')]);
  const tty = Boolean(stderr.isTTY) && !env.CI;
  const color = lib.shouldUseColor({ env, isTTY: Boolean(stderr.isTTY), flag: args.color });
  const progress = createProgress({ stream: stderr, tty, color, verbose: args.verbose });
  const runOptions = { signal: io.signal, concurrency: args.concurrency, failFast: args.failFast, timeoutMs: plan.timeoutMs, only, from: args.from, onEvent: progress.listener };
  try {
    const inconclusive = args.inconclusive ?? 'fail';
    if (!args.watch) return lib.withInconclusivePolicy(await lib.runScenario(scenario, runOptions), inconclusive);
    // Round 1's progress is shown in full; the later rounds are one line (or one redrawn table) each.
    const display = watchDisplay({ stream: stderr, tty, color });
    const onRound: typeof display = (round, report, nextInMs) => {
      progress.quiet();
      display(round, report, nextInMs);
    };
    const watchOptions = { ...runOptions, timeoutMs: undefined, intervalMs: plan.intervalMs, deadlineMs: plan.timeoutMs ?? 15 * 60_000, onRound, inconclusive };
    return await lib.watchScenario(scenario, watchOptions);
  } finally {
    progress.stop();
  }
}

/**
 * Writes the report: the stdout reporters, each --out file (atomically; `refused` ones were found
 * unwritable before the run), the GitHub step summary. Every output is attempted even when one
 * fails; returns the failures.
 */
async function writeReports(args: RunArgs, lib: Library, report: RunReport, plan: RunPlan, refused: ReadonlyMap<string, string>, io: Streams): Promise<string[]> {
  const { stdout, env } = io;
  const stdoutColor = lib.shouldUseColor({ env, isTTY: Boolean(stdout.isTTY), flag: args.color });
  let stepSummary: string | undefined;
  for (const name of plan.stdoutReporters) {
    const output = lib.render(name, report, { color: stdoutColor, cwd: process.cwd(), width: stdout.columns });
    // A reader that stopped reading (EPIPE) is handled by the entry's stream guard.
    stdout.write(output.text);
    stepSummary ??= output.stepSummary;
  }
  const failures: string[] = [];
  const attempt = async (what: string, write: () => Promise<void>) => {
    await write().catch((error: unknown) => failures.push(`cannot write ${what}: ${fsReason(error)}`));
  };
  for (const out of args.outs) {
    const output = lib.render(out.reporter as ReporterName, report, { color: false, cwd: process.cwd() });
    stepSummary ??= output.stepSummary;
    const what = `${out.reporter} report to ${out.path}`;
    const reason = refused.get(out.path);
    if (reason) failures.push(`cannot write ${what}: ${reason}`);
    else await attempt(what, () => writeFileAtomic(out.path, output.text));
  }
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (stepSummary && summaryFile) await attempt(`the step summary to ${summaryFile}`, () => appendFile(summaryFile, stepSummary));
  return failures;
}

/**
 * Checks every --out path before the run (directories created, none is a directory itself) and
 * says at once which cannot be written; the run still goes ahead and writes the others.
 */
export async function prepareOutputs(args: RunArgs, stderr: Streams['stderr']): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  for (const out of args.outs) {
    await prepareOutputPath(out.path).catch((error: unknown) => {
      refused.set(out.path, fsReason(error));
      stderr.write(`verify-deployment: --out ${out.reporter}=${out.path} cannot be written: ${fsReason(error)} (the run goes on; it will exit 1)\n`);
    });
  }
  return refused;
}

/**
 * Puts the verdict into CloudWatch when --publish-metrics or the scenario's `publishMetrics` asks.
 * A publish that fails is a warning: the exit code stays the checks' verdict, so a gate never
 * blocks (nor passes) a rollout because CloudWatch was unreachable; the alarm then sees no datapoint.
 */
async function publishMetrics(args: RunArgs, scenario: Scenario, report: RunReport, stderr: Streams['stderr']): Promise<void> {
  const namespace = args.publishMetrics ?? scenario.publishMetrics?.namespace;
  if (!namespace || report.interrupted === 'SIGINT' || report.interrupted === 'SIGTERM') return;
  const [{ publishVerdictMetrics }, { ClientPool }] = await Promise.all([import('../../runner/publish-metrics.js'), import('../../runner/clients.js')]);
  const clients = new ClientPool(scenario.aws);
  try {
    const outcome = await publishVerdictMetrics(report, { namespace, clients });
    if (!outcome.ok) stderr.write(`verify-deployment: warning: the verdict was not published to CloudWatch namespace ${scenario.masker.mask(namespace)}: ${scenario.masker.mask(outcome.reason)} (the exit code is unchanged)\n`);
  } finally {
    await clients.destroy();
  }
}

/** Loads, runs and reports one scenario; the summary and --out files are written even when interrupted. */
export async function runCommand(args: RunArgs, io: RunIo = {}): Promise<number> {
  if (args.fleet) return (await import('./fleet-command.js')).runFleetCommand(args, args.fleet, io);
  const streams: Streams = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, env: io.env ?? process.env };
  const lib = await import('../../runner/index.js');
  const plan = planRun(args, lib);
  if (args.event) {
    const resolved = await (await import('./run-event.js')).withEvent(args, lib, streams, io.signal);
    if (typeof resolved === 'number') return resolved;
    args = resolved;
  }
  let scenario: Scenario;
  try {
    scenario = await loadRunScenario(args, lib, streams, io.signal);
  } catch (error) {
    if (!(error instanceof lib.ScenarioError)) throw error;
    // Excerpts quote the scenario, which may come from someone else's pull request.
    for (const problem of error.problems) streams.stderr.write(`${lib.neutralize(lib.formatProblem(problem))}\n`);
    return EXIT.usage;
  }
  const only = selectChecks(args, scenario);
  const refused = await prepareOutputs(args, streams.stderr);
  const report = await execute(args, lib, scenario, plan, only, { ...io, ...streams });
  io.onReport?.(report);
  const failures = await writeReports(args, lib, report, plan, refused, streams);
  for (const failure of failures) streams.stderr.write(`verify-deployment: ${lib.neutralize(failure)}\n`);
  await publishMetrics(args, scenario, report, streams.stderr);
  if (report.interrupted === 'SIGINT' || report.interrupted === 'SIGTERM') return EXIT[report.interrupted];
  // A gate that passed but lost its report files has not done its job.
  return report.status === 'passed' && failures.length === 0 ? EXIT.passed : EXIT.failed;
}
