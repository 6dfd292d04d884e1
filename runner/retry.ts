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
}

export interface RetryOutcome {
  result: AttemptResult;
  attempts: number;
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
 * Runs `attempt` until it passes, fails definitively, or the policy (attempts and/or `within`
 * deadline) is spent. Resolves with the last attempt's result; rejects only when `signal` aborts.
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
  try {
    const result = await pRetry(
      async (attemptNumber) => {
        attempts = attemptNumber;
        // Whole ms: AbortSignal.timeout() throws a RangeError on a fraction (and remaining() has them).
        const timeoutMs = Math.max(1, Math.floor(Math.min(attemptTimeoutMs, remaining())));
        const result = await attempt({ attempt: attemptNumber, timeoutMs });
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
        signal,
        shouldRetry: ({ retriesConsumed }) => remaining() - retryDelay(policy, retriesConsumed) >= MIN_ATTEMPT_MS,
        onFailedAttempt: ({ error, attemptNumber, retriesConsumed, retriesLeft }) => {
          if (!(error instanceof RetryableAttempt) || retriesLeft <= 0) return;
          const delay = retryDelay(policy, retriesConsumed);
          if (remaining() - delay >= MIN_ATTEMPT_MS) hooks.onRetry?.(error.result, attemptNumber, delay);
        },
      },
    );
    return { result, attempts };
  } catch (error) {
    if (error instanceof RetryableAttempt) return { result: error.result, attempts };
    throw error;
  }
}
