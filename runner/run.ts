/**
 * Runs a scenario: file order (adjusted so needs run first), needs/skip, concurrency, fail-fast,
 * the run deadline and interruption. Reports always list checks in file order.
 */
import type { ClientProvider } from '../checks/types.js';
import { ClientPool } from './clients.js';
import { formatDuration } from './duration.js';
import type { RunEventListener } from './events.js';
import { executeCheck, RunAborted, skippedReport, toReport } from './execute.js';
import { analyzeRootCause } from './root-cause.js';
import type { CheckReport, RunReport } from './result.js';
import type { PlannedCheck, Scenario } from './scenario.js';

export interface RunOptions {
  /** Abort to interrupt the run; `signal.reason` of "SIGINT"/"SIGTERM" is reported as such. */
  signal?: AbortSignal;
  concurrency?: number;
  failFast?: boolean;
  /** Deadline for the whole run, ms. */
  timeoutMs?: number;
  /** Run only these checks; the others are reported as skipped ("not selected"). */
  only?: string[];
  onEvent?: RunEventListener;
  /** Inject clients (tests); by default one pool per run, destroyed at the end. */
  clients?: ClientProvider;
  now?: () => Date;
}

export class RunTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`run timeout of ${formatDuration(timeoutMs)} reached`);
    this.name = 'RunTimeout';
  }
}

function interruptionOf(reason: unknown): RunReport['interrupted'] {
  if (reason instanceof RunTimeout) return 'timeout';
  if (reason === 'SIGTERM') return 'SIGTERM';
  return 'SIGINT';
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunReport> {
  const startedAt = (options.now ?? (() => new Date()))();
  const started = performance.now();
  const listener = options.onEvent;
  // Events carry what checks saw: mask them here so no library user ever gets a raw secret.
  const onEvent: RunEventListener = listener ? (event) => listener(scenario.masker.maskDeep(event)) : () => {};
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(options.signal?.reason ?? 'SIGINT');
  if (options.signal?.aborted) forwardAbort();
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  const deadline = options.timeoutMs ? setTimeout(() => controller.abort(new RunTimeout(options.timeoutMs!)), options.timeoutMs) : undefined;
  deadline?.unref();
  const ownPool = options.clients ? undefined : new ClientPool(scenario.aws);
  const clients = options.clients ?? ownPool!;

  const only = options.only ? new Set(options.only) : undefined;
  const reports = new Map<string, CheckReport>();
  const byName = new Map(scenario.checks.map((c) => [c.name, c]));
  const pending = orderByNeeds(scenario.checks);
  const running = new Map<string, Promise<void>>();
  const concurrency = Math.max(1, options.concurrency ?? 1);
  let stopReason: string | undefined;
  /** Whether an interruption or the run deadline cut a check short (a late signal changes nothing). */
  let cutShort = false;

  onEvent({ kind: 'run-start', scenario: scenario.name, checks: scenario.checks.map((c) => ({ name: c.name, type: c.type })) });

  const finish = (check: PlannedCheck, report: CheckReport) => {
    reports.set(check.name, report);
    onEvent({ kind: 'check-end', report });
    if (options.failFast && (report.status === 'failed' || report.status === 'error') && !stopReason) {
      stopReason = `fail-fast: "${check.name}" ${report.status === 'error' ? 'errored' : 'failed'}`;
      controller.abort('fail-fast');
    }
  };

  /** undefined: can run now; string: must be skipped for that reason; null: wait. */
  const readiness = (check: PlannedCheck): string | undefined | null => {
    for (const need of check.needs) {
      if (only && !only.has(need)) continue;
      const report = reports.get(need);
      if (!report) return byName.has(need) ? null : undefined;
      if (report.status !== 'passed') return `needs "${need}", which ${report.status === 'skipped' ? 'was skipped' : report.status === 'error' ? 'errored' : 'failed'}`;
    }
    return undefined;
  };

  const start = (check: PlannedCheck) => {
    const task = executeCheck(check, { signal: controller.signal, clients, scenarioDir: scenario.dir, masker: scenario.masker, onEvent })
      .then((report) => finish(check, report))
      .catch((error: unknown) => {
        if (!(error instanceof RunAborted)) throw error;
        cutShort = true;
        finish(check, abortedReport(check, error, performance.now() - checkStarted));
      })
      .finally(() => running.delete(check.name));
    const checkStarted = performance.now();
    running.set(check.name, task);
  };

  const abortedReport = (check: PlannedCheck, aborted: RunAborted, durationMs: number): CheckReport => {
    const reason = controller.signal.reason;
    if (reason instanceof RunTimeout) {
      const last = aborted.lastResult ? `; last attempt: ${aborted.lastResult.message}` : '';
      const report = toReport(check, { outcome: 'fail', message: `${reason.message} before a verdict${last}`, observations: aborted.lastResult?.observations }, aborted.attempts, durationMs);
      return report;
    }
    if (reason === 'fail-fast') return skippedReport(check, stopReason ?? 'fail-fast', aborted.attempts, durationMs);
    return skippedReport(check, 'interrupted', aborted.attempts, durationMs);
  };

  const stopped = abortedPromise(controller.signal);
  try {
    while (pending.length > 0 || running.size > 0) {
      if (controller.signal.aborted) {
        const reason = controller.signal.reason;
        const why = reason instanceof RunTimeout ? reason.message : reason === 'fail-fast' ? stopReason! : 'interrupted';
        for (const check of pending.splice(0)) {
          cutShort = true;
          finish(check, skippedReport(check, why));
        }
        await Promise.allSettled(running.values());
        break;
      }
      let started = false;
      for (let i = 0; i < pending.length && running.size < concurrency; i++) {
        const check = pending[i]!;
        if (only && !only.has(check.name)) {
          pending.splice(i--, 1);
          finish(check, skippedReport(check, 'not selected (--only)'));
          started = true;
          continue;
        }
        const ready = readiness(check);
        if (ready === null) continue;
        pending.splice(i--, 1);
        started = true;
        if (typeof ready === 'string') finish(check, skippedReport(check, ready));
        else start(check);
      }
      if (running.size > 0) await Promise.race([...running.values(), stopped]);
      else if (!started && pending.length > 0) {
        // Unreachable after validation (needs are known and acyclic); guard against a hang anyway.
        for (const check of pending.splice(0)) finish(check, skippedReport(check, 'needs could not be satisfied'));
      }
    }
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', forwardAbort);
    await ownPool?.destroy();
  }

  const checks = scenario.checks.map((c) => reports.get(c.name)!);
  const summary = {
    passed: checks.filter((c) => c.status === 'passed').length,
    failed: checks.filter((c) => c.status === 'failed').length,
    errored: checks.filter((c) => c.status === 'error').length,
    skipped: checks.filter((c) => c.status === 'skipped').length,
  };
  const wasStopped = cutShort && controller.signal.reason !== 'fail-fast';
  const report: RunReport = {
    version: 1,
    scenario: scenario.name,
    file: scenario.file,
    status: summary.failed === 0 && summary.errored === 0 && !wasStopped ? 'passed' : 'failed',
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    summary,
    checks,
    ...(wasStopped ? { interrupted: interruptionOf(controller.signal.reason) } : {}),
  };
  const rootCause = analyzeRootCause(report, [...new Set(scenario.checks.map((c) => c.checkType))]);
  if (rootCause) report.rootCause = rootCause;
  const masked = scenario.masker.maskDeep(report);
  listener?.({ kind: 'run-end', report: masked });
  return masked;
}

function abortedPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** File order, except that a check moves after the checks it needs (stable topological sort). */
export function orderByNeeds(checks: readonly PlannedCheck[]): PlannedCheck[] {
  const byName = new Map(checks.map((c) => [c.name, c]));
  const placed = new Set<string>();
  const ordered: PlannedCheck[] = [];
  // Depth-first with an explicit stack, not recursion: a needs chain thousands of checks long must
  // not overflow the call stack.
  for (const check of checks) {
    if (placed.has(check.name)) continue;
    const path = new Set([check.name]);
    const stack = [{ check, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.check.needs.length) {
        const dependency = byName.get(top.check.needs[top.next++]!);
        if (dependency && !placed.has(dependency.name) && !path.has(dependency.name)) {
          path.add(dependency.name);
          stack.push({ check: dependency, next: 0 });
        }
        continue;
      }
      stack.pop();
      placed.add(top.check.name);
      ordered.push(top.check);
    }
  }
  return ordered;
}
