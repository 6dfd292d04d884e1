/** The retry/deadline policy, applied the same way to every check type. The only p-retry import. */
import pRetry, { AbortError } from 'p-retry';
import type { AttemptResult, RetryPolicy } from '../checks/types.js';

export interface AttemptInfo {
  attempt: number;
  /** Per-attempt time budget: the check's timeout, cut to what the deadline leaves. */
  timeoutMs: number;
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
 * progress, which then ends if `explainedBy` now names a cause. An attempt in flight is never cut:
 * it may still pass.
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

/** `retry`, `inconclusive` (data may still be published) and a retryable `error` are tried again. */
export function isRetryable(result: AttemptResult): boolean {
  return result.outcome === 'retry' || result.outcome === 'inconclusive' || (result.outcome === 'error' && result.retryable === true);
}

/** Delay before retry number `retriesConsumed + 1`, as p-retry computes it (no jitter). */
export function retryDelay(policy: RetryPolicy, retriesConsumed: number): number {
  return Math.min(policy.intervalMs * policy.backoff ** retriesConsumed, policy.maxIntervalMs);
}

/**
 * The explained-retries state of one runWithRetry call: the last result, the cause once one
 * explains it, and the wait to interrupt. `cut` is aborted only during a wait, never mid-attempt
 * (p-retry would drop a passing result the attempt then returns).
 */
class ExplainedState {
  last: AttemptResult | undefined;
  cause: string | undefined;
  private waiting = false;
  private readonly cut = new AbortController();
  private readonly unsubscribe: (() => void) | undefined;

  constructor(private readonly hooks: ExplainedRetries | undefined) {
    this.unsubscribe = hooks?.onCause(() => {
      if (this.waiting && this.consult()) this.cut.abort(new Error(`explained by ${this.cause}`));
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

  dispose(): void {
    this.unsubscribe?.();
  }
}

/**
 * Runs `attempt` until it passes, fails definitively, the policy (attempts and/or `within`
 * deadline) is spent, or `hooks.explained` names a cause for its latest result (then at once, even
 * mid-wait; `explainedBy` says so). Resolves with the last attempt's result; rejects only when
 * `signal` aborts.
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
        const result = (explained.last = await attempt({ attempt: attemptNumber, timeoutMs }));
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
