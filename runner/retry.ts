/** The retry/deadline policy, applied the same way to every check type. The only p-retry import. */
import pRetry, { AbortError } from 'p-retry';
import type { AttemptResult, RetryPolicy } from '../checks/types.js';
import { formatDuration } from './duration.js';

export interface AttemptInfo {
  attempt: number;
  /** Per-attempt time budget: the check's timeout, cut to what the deadline leaves. */
  timeoutMs: number;
  /**
   * Aborted (reason: an ExplainedCut) when a definitive cause explains this attempt while it is
   * still waiting for an answer: the attempt should stop its work. runWithRetry does not wait for
   * it; it ends the attempt with the cut's result at once.
   */
  cut?: AbortSignal;
}

/**
 * The abort reason of an attempt cut short because a definitive cause explains it: `result` is
 * what the attempt is reported as (no answer yet, `attemptTimedOut`), `cause` the check named.
 */
export class ExplainedCut {
  constructor(
    readonly cause: string,
    readonly result: AttemptResult,
  ) {}
}

export interface RetryHooks {
  /** Called after every attempt that is followed by another, with the wait before it. */
  onRetry?(result: AttemptResult, attempt: number, nextDelayMs: number): void;
  /** Ends the retries early when another check's definitive failure explains this one's. */
  explained?: ExplainedRetries;
}

/**
 * How a check learns that its failure is explained (the runner's ExplanationRegistry, bound to one
 * check). Consulted after each retryable attempt, before its wait; `onCause` wakes a wait in
 * progress, which then ends if `explainedBy` now names a cause. An attempt in flight is given
 * IN_FLIGHT_GRACE_MS from its start to answer: one that answers keeps its answer (a pass stays a
 * pass); one still waiting after it (at once, when the cause fails later) is consulted as "no
 * answer yet" (`attemptTimedOut`, what a hang looks like) and cut when a cause explains that.
 */
export interface ExplainedRetries {
  /** The check whose definitive failure explains this attempt's result, or undefined to retry. */
  explainedBy(result: AttemptResult): string | undefined;
  /** Calls `listener` whenever a new definitive cause appears; returns the unsubscribe. */
  onCause(listener: () => void): () => void;
}

export interface RetryOutcome {
  result: AttemptResult;
  attempts: number;
  /** Set when the retries ended because this check explains the result: no further attempt was made. */
  explainedBy?: string;
}

class RetryableAttempt extends Error {
  constructor(readonly result: AttemptResult) {
    super(result.message);
  }
}

/** Smallest slice of time worth starting another attempt with before the deadline. */
const MIN_ATTEMPT_MS = 100;

/**
 * How long an attempt may wait for its answer before a cause that explains "no answer yet" cuts it,
 * ms from the attempt's start: a healthy answer (kept, even a pass) comes well within it, so a
 * check that merely started just before or after the cause is not failed for being in flight. An
 * attempt already waiting longer than this when the cause fails is cut at once.
 */
export const IN_FLIGHT_GRACE_MS = 1_000;

/** An attempt in flight as the explanation sees it: no answer yet, like an attempt cut at its timeout. */
function unanswered(attempt: number, elapsedMs: number, previous: AttemptResult | undefined): AttemptResult {
  const waited = formatDuration(Math.round(elapsedMs));
  const stopped = `attempt ${attempt} stopped after ${waited} without an answer`;
  return {
    outcome: 'retry',
    message: previous ? `${previous.message}; ${stopped}` : stopped,
    // The previous attempt's observations (its message leads), then what this one saw: nothing yet.
    observations: [...(previous?.observations ?? []), { what: `attempt ${attempt}`, expected: 'an answer', actual: `none after ${waited}`, ok: false }],
    facts: { ...previous?.facts, attemptTimedOut: true },
  };
}

/** `retry`, `inconclusive` (data may still be published) and a retryable `error` are tried again. */
export function isRetryable(result: AttemptResult): boolean {
  return result.outcome === 'retry' || result.outcome === 'inconclusive' || (result.outcome === 'error' && result.retryable === true);
}

/** Delay before retry number `retriesConsumed + 1`, as p-retry computes it (no jitter). */
export function retryDelay(policy: RetryPolicy, retriesConsumed: number): number {
  return Math.min(policy.intervalMs * policy.backoff ** retriesConsumed, policy.maxIntervalMs);
}

/** The attempt in flight: when it started, how to cut it, the pending grace timer. */
interface Flight {
  attempt: number;
  started: number;
  cut: AbortController;
  grace?: NodeJS.Timeout;
}

/**
 * The explained-retries state of one runWithRetry call: the last result, the cause once one
 * explains it, the wait to interrupt and the attempt in flight to cut. `cut` (p-retry's signal) is
 * aborted only during a wait; an attempt in flight is ended through its Flight's own `cut`
 * instead, with a result, so p-retry never drops an answer (a pass) it gets.
 */
class ExplainedState {
  last: AttemptResult | undefined;
  cause: string | undefined;
  private waiting = false;
  private readonly cut = new AbortController();
  private readonly unsubscribe: (() => void) | undefined;
  private flight: Flight | undefined;

  constructor(private readonly hooks: ExplainedRetries | undefined) {
    this.unsubscribe = hooks?.onCause(() => {
      if (this.waiting && this.consult()) this.cut.abort(new Error(`explained by ${this.cause}`));
      else if (this.flight) this.graceThenCut();
    });
  }

  /** The cause that explains the last result (sticky once found), or undefined. */
  consult(): string | undefined {
    return (this.cause ??= this.last && this.hooks?.explainedBy(this.last));
  }

  /** p-retry's signal: the run's, plus the cut when there is a registry to consult. */
  signal(runSignal: AbortSignal): AbortSignal {
    return this.hooks ? AbortSignal.any([runSignal, this.cut.signal]) : runSignal;
  }

  /** Records whether a wait follows now (true) or an attempt runs (false); returns `waits`. */
  waits(waits: boolean): boolean {
    this.waiting = waits;
    return waits;
  }

  /** Whether the wait was interrupted by a cause (not by the run's signal). */
  get interrupted(): boolean {
    return this.cut.signal.aborted;
  }

  /**
   * Runs one attempt, ended early with an `unanswered` result if a cause explains it while it is
   * still waiting after the grace. The attempt's own answer, when it comes first, always wins.
   */
  async run(attempt: (info: AttemptInfo) => Promise<AttemptResult>, info: AttemptInfo): Promise<AttemptResult> {
    if (!this.hooks) return attempt(info);
    const cut = new AbortController();
    const flight: Flight = (this.flight = { attempt: info.attempt, started: performance.now(), cut });
    const ended = new Promise<AttemptResult>((resolve) => cut.signal.addEventListener('abort', () => resolve((cut.signal.reason as ExplainedCut).result), { once: true }));
    this.graceThenCut();
    try {
      return await Promise.race([attempt({ ...info, cut: cut.signal }), ended]);
    } finally {
      clearTimeout(flight.grace);
      this.flight = undefined;
    }
  }

  /** Consults the registry about the attempt in flight once its grace is over (one timer at a time). */
  private graceThenCut(): void {
    const flight = this.flight;
    if (!flight || flight.grace) return;
    const delay = Math.max(0, flight.started + IN_FLIGHT_GRACE_MS - performance.now());
    flight.grace = setTimeout(() => {
      flight.grace = undefined;
      if (this.flight !== flight) return;
      const result = unanswered(flight.attempt, performance.now() - flight.started, this.last);
      const cause = this.hooks?.explainedBy(result);
      if (!cause) return;
      // The cut is the explanation: also for a last attempt, which no retry decision consults.
      this.cause ??= cause;
      flight.cut.abort(new ExplainedCut(cause, result));
    }, delay);
  }

  dispose(): void {
    clearTimeout(this.flight?.grace);
    this.unsubscribe?.();
  }
}

/**
 * Runs `attempt` until it passes, fails definitively, the policy (attempts and/or `within`
 * deadline) is spent, or `hooks.explained` names a cause for its latest result (then at once, even
 * mid-wait or mid-attempt; `explainedBy` says so). Resolves with the last attempt's result;
 * rejects only when `signal` aborts.
 */
export async function runWithRetry(
  attempt: (info: AttemptInfo) => Promise<AttemptResult>,
  policy: RetryPolicy,
  attemptTimeoutMs: number,
  signal: AbortSignal,
  hooks: RetryHooks = {},
): Promise<RetryOutcome> {
  const started = performance.now();
  const remaining = () => (policy.withinMs === undefined ? Infinity : policy.withinMs - (performance.now() - started));
  let attempts = 0;
  const explained = new ExplainedState(hooks.explained);
  try {
    const result = await pRetry(
      async (attemptNumber) => {
        explained.waits(false);
        attempts = attemptNumber;
        // Whole ms: AbortSignal.timeout() throws a RangeError on a fraction (and remaining() has them).
        const timeoutMs = Math.max(1, Math.floor(Math.min(attemptTimeoutMs, remaining())));
        const result = (explained.last = await explained.run(attempt, { attempt: attemptNumber, timeoutMs }));
        if (result.outcome === 'pass') return result;
        if (isRetryable(result)) throw new RetryableAttempt(result);
        throw new AbortError(new RetryableAttempt(result));
      },
      {
        retries: policy.attempts === undefined ? Infinity : Math.max(0, policy.attempts - 1),
        minTimeout: policy.intervalMs,
        factor: policy.backoff,
        maxTimeout: policy.maxIntervalMs,
        maxRetryTime: policy.withinMs ?? Infinity,
        // Never unref: a retry wait may be the only thing keeping the process (and the verdict) alive.
        signal: explained.signal(signal),
        shouldRetry: ({ retriesConsumed }) => !explained.consult() && explained.waits(remaining() - retryDelay(policy, retriesConsumed) >= MIN_ATTEMPT_MS),
        onFailedAttempt: ({ error, attemptNumber, retriesConsumed, retriesLeft }) => {
          // Explained first: an explained attempt is the last, so it announces no wait.
          if (!(error instanceof RetryableAttempt) || retriesLeft <= 0 || explained.consult()) return;
          const delay = retryDelay(policy, retriesConsumed);
          if (remaining() - delay >= MIN_ATTEMPT_MS) hooks.onRetry?.(error.result, attemptNumber, delay);
        },
      },
    );
    return { result, attempts };
  } catch (error) {
    const ended = explained.cause ? { explainedBy: explained.cause } : {};
    if (error instanceof RetryableAttempt) return { result: error.result, attempts, ...ended };
    if (explained.interrupted && !signal.aborted && explained.last) return { result: explained.last, attempts, ...ended };
    throw error;
  } finally {
    explained.dispose();
  }
}
