/** `verify-deployment run`: load, run and report one scenario. */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReporterName } from '../../runner/reporters/index.js';
import { UsageError, type RunArgs } from './args.js';
import { EXIT } from './exit-codes.js';

export interface RunIo {
  signal?: AbortSignal;
  /** Where reporters write (default process.stdout). */
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where progress goes (default process.stderr). */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: Record<string, string | undefined>;
  /** Receives the final (masked) report, e.g. for the demo's narration. */
  onReport?(report: import('../../runner/result.js').RunReport): void;
}

/** Loads, runs and reports one scenario; the summary and --out files are written even when interrupted. */
export async function runCommand(args: RunArgs, io: RunIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const [{ loadScenario, parseScenario }, { ScenarioError, formatProblem }, { checkTypes }, { runScenario }, reporters, { createProgress }, { parseDuration, MAX_DURATION_MS }] =
    await Promise.all([
      import('../../runner/load.js'),
      import('../../runner/problems.js'),
      import('../../checks/index.js'),
      import('../../runner/run.js'),
      import('../../runner/reporters/index.js'),
      import('../../runner/progress.js'),
      import('../../runner/duration.js'),
    ]);

  const stdoutReporters = args.reporters.length > 0 ? args.reporters : ['pretty'];
  for (const name of [...stdoutReporters, ...args.outs.map((o) => o.reporter)]) {
    if (!reporters.isReporterName(name)) throw new UsageError(`unknown reporter "${name}" (reporters: ${reporters.reporterNames.join(', ')})`);
  }
  const machine = stdoutReporters.filter((r) => r === 'json' || r === 'junit');
  if (machine.length > 0 && stdoutReporters.length > 1) {
    throw new UsageError(`--reporter ${machine[0]} must be the only reporter on stdout; write the others with --out NAME=PATH`);
  }
  const timeoutMs = args.timeout === undefined ? undefined : parseDuration(args.timeout);
  // 0 (or a value that rounds to 0 ms) would silently mean "no deadline" in runScenario.
  // Above MAX_DURATION_MS a timer fires after 1 ms: "--timeout 1000h" would end the run at once.
  if (args.timeout !== undefined && (timeoutMs === undefined || timeoutMs <= 0 || timeoutMs > MAX_DURATION_MS)) {
    throw new UsageError(`--timeout expects a duration greater than zero and at most 596h like "90s" or "5m", got "${args.timeout}"`);
  }

  const intervalMs = args.interval === undefined ? 5_000 : parseDuration(args.interval);
  if (intervalMs === undefined || intervalMs < 100 || intervalMs > MAX_DURATION_MS) {
    throw new UsageError(`--interval expects a duration of at least 100ms and at most 596h like "5s", got "${args.interval}"`);
  }

  let scenario;
  try {
    if (args.target) {
      const { discover, scenarioText, DiscoveryError } = await import('../discovery.js');
      const found = await discover(args.target).catch((error: unknown) => {
        if (error instanceof DiscoveryError) throw new UsageError(error.message);
        throw error;
      });
      const displayName = `discovered:${args.target.cluster}/${args.target.service}`;
      scenario = parseScenario(scenarioText(args.target, found), { checkTypes, vars: args.vars, env, displayName, dir: process.cwd() });
    } else {
      scenario = await loadScenario(args.file!, { checkTypes, vars: args.vars, env });
    }
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    for (const problem of error.problems) stderr.write(`${formatProblem(problem)}\n`);
    return EXIT.usage;
  }
  const fromIndex = args.from === undefined ? -1 : scenario.checks.findIndex((c) => c.name === args.from);
  if (args.from !== undefined && fromIndex === -1) {
    throw new UsageError(scenario.masker.mask(`--from names unknown check "${args.from}" (checks: ${scenario.checks.map((c) => c.name).join(', ')})`));
  }
  const only = fromIndex >= 0 ? scenario.checks.slice(fromIndex).map((c) => c.name) : args.only;
  const unknownOnly = (args.only ?? []).filter((name) => !scenario.checks.some((c) => c.name === name));
  if (unknownOnly.length > 0) {
    // Check names may interpolate a declared secret.
    throw new UsageError(scenario.masker.mask(`--only names unknown check(s): ${unknownOnly.join(', ')} (checks: ${scenario.checks.map((c) => c.name).join(', ')})`));
  }

  const progress = createProgress({
    stream: stderr,
    tty: Boolean(stderr.isTTY) && !env.CI,
    color: reporters.shouldUseColor({ env, isTTY: Boolean(stderr.isTTY), flag: args.color }),
  });
  const runOptions = { signal: io.signal, concurrency: args.concurrency, failFast: args.failFast, timeoutMs, only, onEvent: progress.listener };
  let report;
  if (args.watch) {
    const { watchScenario } = await import('../../runner/watch.js');
    const { watchDisplay } = await import('./watch-display.js');
    const display = watchDisplay({ stream: stderr, tty: Boolean(stderr.isTTY) && !env.CI, color: reporters.shouldUseColor({ env, isTTY: Boolean(stderr.isTTY), flag: args.color }) });
    report = await watchScenario(scenario, { ...runOptions, timeoutMs: undefined, intervalMs, deadlineMs: timeoutMs ?? 15 * 60_000, onRound: display });
  } else {
    report = await runScenario(scenario, runOptions);
  }
  progress.stop();
  io.onReport?.(report);

  const stdoutColor = reporters.shouldUseColor({ env, isTTY: Boolean(stdout.isTTY), flag: args.color });
  let stepSummary: string | undefined;
  for (const name of stdoutReporters) {
    const output = reporters.render(name as ReporterName, report, { color: stdoutColor, cwd: process.cwd(), width: stdout.columns });
    stdout.write(output.text);
    stepSummary ??= output.stepSummary;
  }
  // Every output is attempted even when one fails: one unwritable path must not lose the others.
  const writeFailures: string[] = [];
  const attempt = async (what: string, write: () => Promise<void>) => {
    try {
      await write();
    } catch (error) {
      writeFailures.push(`cannot write ${what}: ${(error as Error).message}`);
    }
  };
  for (const out of args.outs) {
    const output = reporters.render(out.reporter as ReporterName, report, { color: false, cwd: process.cwd() });
    stepSummary ??= output.stepSummary;
    await attempt(`${out.reporter} report to ${out.path}`, async () => {
      await mkdir(path.dirname(path.resolve(out.path)), { recursive: true });
      await writeFile(out.path, output.text);
    });
  }
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (stepSummary && summaryFile) await attempt(`the step summary to ${summaryFile}`, () => appendFile(summaryFile, stepSummary));
  for (const failure of writeFailures) stderr.write(`verify-deployment: ${failure}\n`);
  if (report.interrupted === 'SIGINT' || report.interrupted === 'SIGTERM') return EXIT[report.interrupted];
  // A gate that passed but lost its report files has not done its job.
  return report.status === 'passed' && writeFailures.length === 0 ? EXIT.passed : EXIT.failed;
}

