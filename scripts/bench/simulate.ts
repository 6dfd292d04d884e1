/**
 * Polling schedules as models (no I/O): when would a poller that started at 0 first see a state that
 * turned healthy at time T? Used for what is simulated rather than measured (stated as such in the
 * report): the fixed 15 s poll of `aws ... wait`, the SDK v3 waiter's randomized backoff at later T,
 * and the runner's own schedule. Attempt durations are ignored (polls are instants).
 */

/** Delays between polls, ms; called with the number of polls made so far (1, 2, …). */
export type DelayFn = (pollsMade: number, random: () => number) => number;

/** Time from `flipAtMs` to the first poll at or after it, for a poller starting at 0. */
export function detectionDelay(flipAtMs: number, delay: DelayFn, random: () => number = Math.random, maxPolls = 100_000): number {
  let t = 0;
  for (let polls = 1; polls <= maxPolls; polls++) {
    if (t >= flipAtMs) return t - flipAtMs;
    t += delay(polls, random);
  }
  return Number.POSITIVE_INFINITY;
}

/** `aws ecs wait services-stable` / `aws elbv2 wait target-in-service`: every 15 s (botocore waiter model, 40 attempts). */
export const fixedPoll = (intervalMs: number): DelayFn => () => intervalMs;

/**
 * @smithy/util-waiter (SDK v3 `waitUntil…`): attempt n waits uniform(min, min(min·2^(n-1), max)),
 * and `max` once n exceeds log2(max/min)+1. Mirrors poller.js's exponentialBackoffWithJitter.
 */
export const sdkWaiter = (minDelayS: number, maxDelayS: number): DelayFn => (attempt, random) => {
  const minMs = minDelayS * 1000;
  const maxMs = maxDelayS * 1000;
  const ceiling = Math.log(maxMs / minMs) / Math.log(2) + 1;
  if (attempt > ceiling) return maxMs;
  const capped = Math.min(minMs * 2 ** (attempt - 1), maxMs);
  return minMs + random() * (capped - minMs);
};

/** The runner's retry policy (p-retry, no jitter): interval · backoff^(n-1), capped. */
export const runnerPolicy = (intervalMs: number, backoff: number, maxIntervalMs: number): DelayFn => (attempt) =>
  Math.min(intervalMs * backoff ** (attempt - 1), maxIntervalMs);

/** The delay in force at `atMs` (the wait that straddles it), for a poller starting at 0. */
export function delayInForce(atMs: number, delay: DelayFn, maxPolls = 100_000): number {
  let t = 0;
  for (let polls = 1; polls <= maxPolls; polls++) {
    const d = delay(polls, () => 0.5);
    if (atMs < t + d) return d;
    t += d;
  }
  return Number.POSITIVE_INFINITY;
}

/** A small seeded PRNG (mulberry32) so simulated figures are reproducible run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
