/**
 * Timeouts and retry policies: the built-in defaults and how the layers merge (check type
 * defaults, then the scenario's `defaults:`, then the check's own keys).
 */
import type { z } from 'zod';
import type { RetryPolicy } from '../checks/types.js';
import type { retrySchema } from './schema.js';

type RetryInput = z.output<typeof retrySchema>;

export const BUILTIN_DEFAULTS = {
  timeoutMs: 10_000,
  retry: { attempts: 1, intervalMs: 1000, backoff: 2, maxIntervalMs: 30_000 } satisfies RetryPolicy,
};

/** The retry policy of one check: later layers win key by key (see the `within` rule inside). */
export function mergeRetry(...layers: (Partial<RetryPolicy> | undefined)[]): RetryPolicy {
  const merged: Partial<RetryPolicy> = { ...BUILTIN_DEFAULTS.retry };
  let attemptsSet = false;
  for (const layer of layers) {
    if (!layer) continue;
    // A layer that sets a deadline but no attempt count means "retry until the deadline": the
    // attempt counts of the layers below it no longer apply.
    if (layer.withinMs !== undefined && layer.attempts === undefined) {
      delete merged.attempts;
      attemptsSet = false;
    }
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      (merged as Record<string, unknown>)[key] = value;
      if (key === 'attempts') attemptsSet = true;
    }
  }
  if (!attemptsSet && merged.withinMs === undefined) merged.attempts = BUILTIN_DEFAULTS.retry.attempts;
  if (!attemptsSet && merged.withinMs !== undefined) delete merged.attempts;
  return merged as RetryPolicy;
}

/** A YAML `retry:` block (durations already in ms) as a policy layer. */
export function retryPolicyOf(input: RetryInput | undefined): Partial<RetryPolicy> | undefined {
  if (!input) return undefined;
  return { attempts: input.attempts, intervalMs: input.interval, backoff: input.backoff, maxIntervalMs: input.maxInterval, withinMs: input.within };
}
