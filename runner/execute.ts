/** Runs one check through its retry policy, turning every way an attempt can end into a result. */
import { AttemptResultError, type AttemptResult, type CheckContext, type ClientProvider } from '../checks/types.js';
import { formatDuration } from './duration.js';
import type { RunEventListener } from './events.js';
import type { ExplanationRegistry } from './explained.js';
import type { Masker } from './mask.js';
import type { CheckReport, SkipInfo } from './result.js';
import { ExplainedCut, runWithRetry, type ExplainedRetries } from './retry.js';
import type { PlannedCheck } from './scenario.js';
import { abortPromise } from '../checks/support/abort.js';

export interface ExecuteOptions {
  signal: AbortSignal;
  clients: ClientProvider;
  scenarioDir: string;
  masker: Masker;
  onEvent: RunEventListener;
  /** When set, the check stops retrying once a definitive failure there explains its latest attempt. */
  explanations?: ExplanationRegistry;
}

/** Thrown when the run (not the attempt) was aborted: the caller decides how to report it. */
export class RunAborted extends Error {
  constructor(
    readonly reason: unknown,
    readonly attempts: number,
    readonly lastResult: AttemptResult | undefined,
    /** The number of the attempt `lastResult` came from (0: none answered). */
    readonly answered = 0,
  ) {
    super('run aborted');
  }
}

export async function attemptOnce(check: PlannedCheck, context: CheckContext, runSignal: AbortSignal, timeoutMs: number): Promise<AttemptResult> {
  const aborted = abortPromise(context.signal);
  try {
    // The race guarantees a check that ignores its signal still cannot outlive its attempt.
    return await Promise.race([check.checkType.run(check.spec, context), aborted.promise]);
  } catch (error) {
    if (runSignal.aborted) throw error;
    if (context.signal.reason instanceof ExplainedCut) return context.signal.reason.result;
    if (context.signal.aborted) {
      // A fact, not only a sentence: root-cause relations read `attemptTimedOut`, never the message.
      return { outcome: 'retry', message: `no answer within the ${formatDuration(timeoutMs)} attempt timeout`, facts: { attemptTimedOut: true } };
    }
    if (error instanceof AttemptResultError) return error.result;
    const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
    return { outcome: 'error', message: `check crashed: ${message}`, details: { stack: error instanceof Error ? error.stack?.split('\n').slice(0, 6).join('\n') : undefined } };
  } finally {
    aborted.dispose();
  }
}

/**
 * Runs one check through its retry policy and reports it. Throws RunAborted when the run (not the
 * attempt) was aborted, so the caller reports the check per the run's stop.
 */
export async function executeCheck(check: PlannedCheck, options: ExecuteOptions): Promise<CheckReport> {
  const started = performance.now();
  const maxAttempts = check.retry.attempts;
  let lastResult: AttemptResult | undefined;
  let lastAnswered = 0;
  let attempts = 0;
  let announced = 0;
  options.onEvent({ kind: 'check-start', name: check.name, type: check.type });
  try {
    const outcome = await runWithRetry(
      async ({ attempt, timeoutMs, cut }) => {
        attempts = attempt;
        options.onEvent({ kind: 'attempt-start', name: check.name, attempt, maxAttempts });
        // A ref'd timer (AbortSignal.timeout's is unref'd): a check that waits on nothing else must
        // still keep the process alive until its verdict.
        const attemptTimeout = new AbortController();
        const timer = setTimeout(() => attemptTimeout.abort(new DOMException('attempt timed out', 'TimeoutError')), timeoutMs);
        const context: CheckContext = {
          // `cut`: a definitive cause explains the attempt while it still waits; its work stops too.
          signal: AbortSignal.any([options.signal, attemptTimeout.signal, ...(cut ? [cut] : [])]),
          attempt,
          timeoutMs,
          clients: options.clients,
          scenarioDir: options.scenarioDir,
          log: { debug: (message) => emitLog(options.onEvent, check.name, message) },
          addSecret: (value) => options.masker.add(value),
          mask: (text) => options.masker.mask(text),
        };
        try {
          const result = await attemptOnce(check, context, options.signal, timeoutMs);
          lastResult = result;
          lastAnswered = attempt;
          return result;
        } finally {
          clearTimeout(timer);
        }
      },
      check.retry,
      check.timeoutMs,
      options.signal,
      {
        onRetry: (result, attempt, nextDelayMs) => {
          announced = attempt;
          options.onEvent({ kind: 'attempt-end', name: check.name, attempt, maxAttempts, outcome: result.outcome, message: result.message, nextDelayMs });
        },
        explained: options.explanations && explainedRetries(check, options.explanations),
      },
    );
    const { result } = outcome;
    attempts = outcome.attempts;
    // The final attempt's end; earlier ones were announced through onRetry (so was the last one
    // when a cause cut the wait after it short).
    if (announced !== attempts) options.onEvent({ kind: 'attempt-end', name: check.name, attempt: attempts, maxAttempts, outcome: result.outcome, message: result.message });
    return toReport(check, result, attempts, performance.now() - started, result.outcome, outcome.explainedBy);
  } catch (error) {
    if (options.signal.aborted) throw new RunAborted(options.signal.reason, attempts, lastResult, lastAnswered);
    // Not an interruption but a fault in the runner itself: report it, never as "interrupted".
    const message = error instanceof Error ? error.message : String(error);
    return toReport(check, { outcome: 'error', message: `runner error: ${message}` }, attempts, performance.now() - started);
  }
}

/** The run's explanation registry as one check's retry loop consults it. */
function explainedRetries(check: PlannedCheck, registry: ExplanationRegistry): ExplainedRetries {
  return { explainedBy: (result) => registry.explainedBy(check, result), onCause: (listener) => registry.subscribe(listener) };
}

/**
 * A check's debug line is a run event like any other (masked by the runner before it leaves). A
 * listener that cannot take it (a display that predates the `log` event) must not fail the check.
 */
function emitLog(onEvent: RunEventListener, name: string, message: string): void {
  try {
    onEvent({ kind: 'log', name, message });
  } catch {
    // Debug output is best effort; the verdict is not.
  }
}

/** An `inconclusive` last attempt ends as its `noData` policy says (default `inconclusive`). */
const NO_DATA_STATUS = { pass: 'passed', fail: 'failed', inconclusive: 'inconclusive' } as const;

function statusOf(result: AttemptResult): CheckReport['status'] {
  if (result.outcome === 'pass') return 'passed';
  if (result.outcome === 'error') return 'error';
  if (result.outcome === 'inconclusive') return NO_DATA_STATUS[result.noData ?? 'inconclusive'];
  return 'failed';
}

function gaveUpSuffix(result: AttemptResult, attempts: number): string | undefined {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (result.outcome === 'inconclusive') return result.noData && result.noData !== 'inconclusive' ? `no data after ${tries}; noData: ${result.noData}` : `no data after ${tries}`;
  if (result.outcome === 'retry' || (result.outcome === 'error' && result.retryable)) return `gave up after ${tries}`;
  return undefined;
}

/**
 * The report of a check that ran. `lastOutcome` is how its last attempt really ended; it differs
 * from `result.outcome` only when the run deadline turned an unfinished check into a failure.
 * `consequenceOf` names the definitive failure that explains it when that stopped its retries: it
 * is then `failed` (whatever its last outcome), and its message says it was not retried.
 * `stoppedBy` says why a check stopped after this attempt when the run stopped (fail-fast): its
 * status is then its last attempt's own, and its message says it was not retried.
 */
export function toReport(
  check: PlannedCheck,
  result: AttemptResult,
  attempts: number,
  durationMs: number,
  lastOutcome = result.outcome,
  consequenceOf?: string,
  stoppedBy?: string,
): CheckReport {
  const status = consequenceOf ? 'failed' : statusOf(result);
  const suffix = consequenceOf ? `not retried: explained by ${consequenceOf}` : stoppedBy ? `not retried: ${stoppedBy}` : gaveUpSuffix(result, attempts);
  const message = suffix ? `${result.message} (${suffix})` : result.message;
  return {
    name: check.name,
    type: check.type,
    status,
    attempts,
    durationMs: Math.round(durationMs),
    message,
    observations: result.observations ?? [],
    details: result.details ?? {},
    // A pass by the noData policy is no evidence that retries were needed to get through.
    flaky: status === 'passed' && attempts > 1 && result.outcome === 'pass',
    description: check.description ?? check.checkType.describe(check.spec),
    location: check.location,
    ...(result.fix ? { fix: result.fix } : {}),
    ...(result.nextSteps?.length ? { nextSteps: result.nextSteps } : {}),
    ...(result.facts ? { facts: result.facts } : {}),
    ...(result.warnings?.length ? { warnings: result.warnings } : {}),
    lastOutcome,
    ...(consequenceOf ? { consequenceOf } : {}),
  };
}

/** The report of a skipped check: `skip` as data, `text` as the JSON `skipReason` and message. */
export function skippedReport(check: PlannedCheck, skip: SkipInfo, text: string, attempts = 0, durationMs = 0): CheckReport {
  return {
    name: check.name,
    type: check.type,
    status: 'skipped',
    attempts,
    durationMs: Math.round(durationMs),
    message: `skipped: ${text}`,
    observations: [],
    details: {},
    flaky: false,
    description: check.description ?? check.checkType.describe(check.spec),
    location: check.location,
    skipReason: text,
    skip,
  };
}
