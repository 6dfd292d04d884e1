/**
 * Runs a scenario: file order (adjusted so needs run first), needs/skip, concurrency, fail-fast,
 * the run deadline and interruption. Reports always list checks in file order.
 */
import type { ClientProvider } from '../checks/types.js';
import { ClientPool } from './clients.js';
import type { RunEventListener } from './events.js';
import { executeCheck, RunAborted, skippedReport, toReport } from './execute.js';
import { ExplanationRegistry } from './explained.js';
import { checkTypesOf, finalizeReport } from './finalize.js';
import type { CheckReport, RunReport, SkipInfo } from './result.js';
import { orderByNeeds } from './needs.js';
import type { PlannedCheck, Scenario } from './scenario.js';
import { interruptedField, needsSkipText, skipForStop, stopFromReason, timeoutMessage, type RunStop } from './stop.js';

export { RunTimeout, type RunStop } from './stop.js';
/** Re-exported from needs.ts, where the needs graph lives. */
export { orderByNeeds } from './needs.js';

/** Checks running at once when neither the options nor the scenario's `concurrency:` say. */
export const DEFAULT_CONCURRENCY = 4;

export interface RunOptions {
  /**
   * Abort to interrupt the run. `signal.reason` "SIGINT"/"SIGTERM" (or a RunStop) is reported as
   * such; any other reason counts as SIGINT.
   */
  signal?: AbortSignal;
  /**
   * At most this many checks run at once (checks wait for their `needs` regardless; reports keep
   * file order). Default: the scenario's `concurrency:`, else DEFAULT_CONCURRENCY. 1 runs them one
   * after the other.
   */
  concurrency?: number;
  /**
   * Whether a check stops retrying once a definitive failure explains it (`consequenceOf`); default
   * true. Off only to measure what it saves (the bench's "before").
   * @internal
   */
  cutExplainedRetries?: boolean;
  failFast?: boolean;
  /** Deadline for the whole run, ms. */
  timeoutMs?: number;
  /** Run only these checks; the others are reported as skipped ("not selected"). */
  only?: string[];
  /**
   * Set when `only` comes from `--from NAME` (the check it starts at): the checks left out are then
   * skipped with `{ reason: 'not-selected', because: '--from' }`, "not evaluated (--from)".
   */
  from?: string;
  onEvent?: RunEventListener;
  /** Inject clients (tests); by default one pool per run, destroyed at the end. */
  clients?: ClientProvider;
  now?: () => Date;
}

/** A check's state before it can start: ready, waiting on a need, or skipped (and why). */
type Readiness = { ready: true } | { ready: false } | { skip: SkipInfo; text: string };

/** One run's moving parts: what is pending, running and done, and why it stopped (if it did). */
class ScenarioRun {
  readonly controller = new AbortController();
  readonly reports = new Map<string, CheckReport>();
  private readonly pending: PlannedCheck[];
  private readonly running = new Map<string, Promise<void>>();
  private readonly byName: Map<string, PlannedCheck>;
  private readonly only: Set<string> | undefined;
  private readonly concurrency: number;
  private readonly explanations: ExplanationRegistry | undefined;
  /** Whether the stop cut a check short (a signal after the last verdict changes nothing). */
  cutShort = false;

  constructor(
    private readonly scenario: Scenario,
    private readonly options: RunOptions,
    private readonly clients: ClientProvider,
    private readonly onEvent: RunEventListener,
  ) {
    this.pending = orderByNeeds(scenario.checks);
    this.byName = new Map(scenario.checks.map((c) => [c.name, c]));
    this.only = options.only ? new Set(options.only) : undefined;
    this.concurrency = Math.max(1, options.concurrency ?? scenario.concurrency ?? DEFAULT_CONCURRENCY);
    this.explanations = options.cutExplainedRetries === false ? undefined : new ExplanationRegistry();
  }

  /** Why the run stopped, once it has. */
  get stop(): RunStop | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as RunStop) : undefined;
  }

  private finish(check: PlannedCheck, report: CheckReport): void {
    this.reports.set(check.name, report);
    this.explanations?.add(report, check.checkType);
    this.onEvent({ kind: 'check-end', report });
    if (this.options.failFast && (report.status === 'failed' || report.status === 'error') && !this.stop) {
      this.controller.abort({ kind: 'fail-fast', check: check.name, status: report.status } satisfies RunStop);
    }
  }

  private readiness(check: PlannedCheck): Readiness {
    if (this.only && !this.only.has(check.name)) {
      return this.options.from === undefined ? { skip: { reason: 'not-selected' }, text: 'not selected (--only)' } : { skip: { reason: 'not-selected', because: '--from' }, text: 'not evaluated (--from)' };
    }
    for (const need of check.needs) {
      if (this.only && !this.only.has(need)) continue;
      const report = this.reports.get(need);
      if (!report) {
        if (this.byName.has(need)) return { ready: false };
        continue;
      }
      if (report.status !== 'passed') return { skip: { reason: 'needs', because: need }, text: needsSkipText(need, report.status) };
    }
    return { ready: true };
  }

  private start(check: PlannedCheck): void {
    const checkStarted = performance.now();
    const { signal } = this.controller;
    const options = { signal, clients: this.clients, scenarioDir: this.scenario.dir, masker: this.scenario.masker, onEvent: this.onEvent, explanations: this.explanations };
    const task = executeCheck(check, options)
      .then((report) => this.finish(check, report))
      .catch((error: unknown) => {
        if (!(error instanceof RunAborted)) throw error;
        this.cutShort = true;
        this.finish(check, this.abortedReport(check, error, performance.now() - checkStarted));
      })
      .finally(() => this.running.delete(check.name));
    this.running.set(check.name, task);
  }

  /**
   * A check the stop caught mid-flight: the deadline fails it (with what it last saw); fail-fast
   * keeps the outcome of an attempt it had finished (failed with its message, not retried) and
   * skips one that had none; a signal skips it.
   */
  private abortedReport(check: PlannedCheck, aborted: RunAborted, durationMs: number): CheckReport {
    const stop = this.stop!;
    const last = aborted.lastResult;
    if (stop.kind === 'timeout') {
      const lastText = last ? `; last attempt: ${last.message}` : '';
      const result = { outcome: 'fail' as const, message: `${timeoutMessage(stop.timeoutMs)} before a verdict${lastText}`, observations: last?.observations };
      return toReport(check, result, aborted.attempts, durationMs, last?.outcome ?? 'retry');
    }
    const { skip, text } = skipForStop(stop);
    // `attempts` would also count an attempt the stop cut before it answered: report the ones that did.
    if (stop.kind === 'fail-fast' && last) return toReport(check, last, aborted.answered, durationMs, last.outcome, undefined, text);
    return skippedReport(check, skip, text, aborted.attempts, durationMs);
  }

  /** Starts what can start now; returns whether anything changed. */
  private schedule(): boolean {
    let changed = false;
    for (let i = 0; i < this.pending.length && this.running.size < this.concurrency; i++) {
      const check = this.pending[i]!;
      const state = this.readiness(check);
      if ('ready' in state && !state.ready) continue;
      this.pending.splice(i--, 1);
      changed = true;
      if ('skip' in state) this.finish(check, skippedReport(check, state.skip, state.text));
      else this.start(check);
    }
    return changed;
  }

  /**
   * Skips every pending check once the run stopped: for its failed need when it already has one
   * (that is the real reason, and makes it that check's consequence), otherwise for the stop.
   */
  private skipPending(stop: RunStop): void {
    const forStop = skipForStop(stop);
    for (const check of this.pending.splice(0)) {
      const state = this.readiness(check);
      if ('skip' in state) this.finish(check, skippedReport(check, state.skip, state.text));
      else {
        this.cutShort = true;
        this.finish(check, skippedReport(check, forStop.skip, forStop.text));
      }
    }
  }

  /** Runs until every check has its report or the run stops. */
  async loop(): Promise<void> {
    const stopped = abortedPromise(this.controller.signal);
    while (this.pending.length > 0 || this.running.size > 0) {
      const stop = this.stop;
      if (stop) {
        this.skipPending(stop);
        await Promise.allSettled(this.running.values());
        return;
      }
      const changed = this.schedule();
      if (this.running.size > 0) await Promise.race([...this.running.values(), stopped]);
      else if (!changed && this.pending.length > 0) {
        // Unreachable after validation (needs are known and acyclic); guard against a hang anyway.
        for (const check of this.pending.splice(0)) this.finish(check, skippedReport(check, { reason: 'needs' }, 'needs could not be satisfied'));
      }
    }
  }

  /** JSON `interrupted`: set only when a signal or the deadline cut a check short. */
  interrupted(): RunReport['interrupted'] {
    const stop = this.stop;
    return stop && this.cutShort ? interruptedField(stop) : undefined;
  }
}

/**
 * Runs every check of the scenario and returns the finished (secret-masked) report. Never throws
 * for a check's failure; events (masked) go to `options.onEvent` while it runs.
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunReport> {
  const startedAt = (options.now ?? (() => new Date()))();
  const started = performance.now();
  const listener = options.onEvent;
  // Events carry what checks saw: mask them here so no library user ever gets a raw secret.
  const onEvent: RunEventListener = listener ? (event) => listener(scenario.masker.maskDeep(event)) : () => {};
  const ownPool = options.clients ? undefined : new ClientPool(scenario.aws);
  const run = new ScenarioRun(scenario, options, options.clients ?? ownPool!, onEvent);
  const forwardAbort = () => run.controller.abort(stopFromReason(options.signal?.reason));
  if (options.signal?.aborted) forwardAbort();
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  const timeoutMs = options.timeoutMs;
  const deadline = timeoutMs ? setTimeout(() => run.controller.abort({ kind: 'timeout', timeoutMs } satisfies RunStop), timeoutMs) : undefined;
  deadline?.unref();

  onEvent({ kind: 'run-start', scenario: scenario.name, checks: scenario.checks.map((c) => ({ name: c.name, type: c.type })) });
  try {
    await run.loop();
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener('abort', forwardAbort);
    await ownPool?.destroy();
  }
  const report = finalizeReport({
    scenario,
    checkTypes: checkTypesOf(scenario),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    checks: scenario.checks.map((c) => run.reports.get(c.name)!),
    interrupted: run.interrupted(),
  });
  listener?.({ kind: 'run-end', report });
  return report;
}

function abortedPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
