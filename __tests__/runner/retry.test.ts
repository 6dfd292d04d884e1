import { describe, it, expect } from '@jest/globals';
import type { AttemptOutcome, AttemptResult, RetryPolicy } from '../../checks/types.js';
import { ExplainedCut, IN_FLIGHT_GRACE_MS, isRetryable, retryDelay, runWithRetry, type AttemptInfo } from '../../runner/retry.js';

type Script = (AttemptOutcome | 'retryable-error')[];

/** An attempt function that answers from a script (the last entry repeats) and records each call. */
function scripted(script: Script, workMs = 0) {
  const calls: (AttemptInfo & { at: number })[] = [];
  const fn = async (info: AttemptInfo): Promise<AttemptResult> => {
    calls.push({ ...info, at: performance.now() });
    if (workMs) await new Promise((resolve) => setTimeout(resolve, workMs));
    const step = script[Math.min(info.attempt, script.length) - 1]!;
    if (step === 'retryable-error') return { outcome: 'error', retryable: true, message: `attempt ${info.attempt}` };
    return { outcome: step, message: `attempt ${info.attempt}` };
  };
  return { fn, calls };
}

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({ attempts: 3, intervalMs: 10, backoff: 1, maxIntervalMs: 1000, ...overrides });
const never = () => new AbortController().signal;

describe('retryDelay', () => {
  it.each([
    { intervalMs: 100, backoff: 2, maxIntervalMs: 10_000, consumed: 0, delay: 100 },
    { intervalMs: 100, backoff: 2, maxIntervalMs: 10_000, consumed: 1, delay: 200 },
    { intervalMs: 100, backoff: 2, maxIntervalMs: 10_000, consumed: 3, delay: 800 },
    { intervalMs: 100, backoff: 2, maxIntervalMs: 500, consumed: 3, delay: 500 },
    { intervalMs: 100, backoff: 2, maxIntervalMs: 500, consumed: 30, delay: 500 },
    { intervalMs: 1000, backoff: 1, maxIntervalMs: 30_000, consumed: 5, delay: 1000 },
    { intervalMs: 1000, backoff: 1.5, maxIntervalMs: 30_000, consumed: 2, delay: 2250 },
    { intervalMs: 5000, backoff: 2, maxIntervalMs: 2000, consumed: 0, delay: 2000 },
  ])('interval $intervalMs × $backoff^$consumed capped at $maxIntervalMs = $delay', ({ intervalMs, backoff, maxIntervalMs, consumed, delay }) => {
    expect(retryDelay({ intervalMs, backoff, maxIntervalMs }, consumed)).toBe(delay);
  });
});

describe('isRetryable', () => {
  it.each<[AttemptResult, boolean]>([
    [{ outcome: 'retry', message: '' }, true],
    [{ outcome: 'error', retryable: true, message: '' }, true],
    [{ outcome: 'error', message: '' }, false],
    [{ outcome: 'error', retryable: false, message: '' }, false],
    [{ outcome: 'fail', message: '' }, false],
    [{ outcome: 'pass', message: '' }, false],
  ])('%o → %s', (result, expected) => {
    expect(isRetryable(result)).toBe(expected);
  });
});

describe('runWithRetry', () => {
  it.each<{ script: Script; attempts: number; calls: number; outcome: AttemptOutcome }>([
    { script: ['pass'], attempts: 3, calls: 1, outcome: 'pass' },
    { script: ['retry', 'pass'], attempts: 3, calls: 2, outcome: 'pass' },
    { script: ['retry', 'retry', 'pass'], attempts: 3, calls: 3, outcome: 'pass' },
    { script: ['retry'], attempts: 3, calls: 3, outcome: 'retry' },
    { script: ['retry'], attempts: 1, calls: 1, outcome: 'retry' },
    { script: ['retryable-error'], attempts: 4, calls: 4, outcome: 'error' },
    { script: ['retry', 'retryable-error', 'pass'], attempts: 4, calls: 3, outcome: 'pass' },
    { script: ['fail'], attempts: 5, calls: 1, outcome: 'fail' },
    { script: ['retry', 'fail', 'pass'], attempts: 5, calls: 2, outcome: 'fail' },
    { script: ['error'], attempts: 5, calls: 1, outcome: 'error' },
  ])('$script with attempts $attempts → $outcome after $calls call(s)', async ({ script, attempts, calls, outcome }) => {
    const attempt = scripted(script);
    const result = await runWithRetry(attempt.fn, policy({ attempts }), 1000, never());
    expect(result.result.outcome).toBe(outcome);
    expect(result.attempts).toBe(calls);
    expect(result.result.message).toBe(`attempt ${calls}`);
    expect(attempt.calls.map((c) => c.attempt)).toEqual(Array.from({ length: calls }, (_, i) => i + 1));
  });

  it.each([
    { intervalMs: 10, backoff: 2, maxIntervalMs: 1000, delays: [10, 20, 40, 80] },
    { intervalMs: 10, backoff: 2, maxIntervalMs: 30, delays: [10, 20, 30, 30] },
    { intervalMs: 15, backoff: 1, maxIntervalMs: 1000, delays: [15, 15, 15, 15] },
  ])('waits $delays between 5 attempts (interval $intervalMs, backoff $backoff, max $maxIntervalMs)', async ({ intervalMs, backoff, maxIntervalMs, delays }) => {
    const attempt = scripted(['retry']);
    const announced: { attempt: number; delay: number }[] = [];
    const result = await runWithRetry(attempt.fn, { attempts: 5, intervalMs, backoff, maxIntervalMs }, 1000, never(), {
      onRetry: (_, n, delay) => announced.push({ attempt: n, delay }),
    });
    expect(result.attempts).toBe(5);
    // Announced after every attempt that is followed by another, never after the last.
    expect(announced).toEqual(delays.map((delay, i) => ({ attempt: i + 1, delay })));
    // The real gaps are at least the announced waits (timers never fire early; 2 ms of clock slack).
    const gaps = attempt.calls.slice(1).map((c, i) => c.at - attempt.calls[i]!.at);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(delays[i]! - 2));
  });

  it('passes the attempt timeout to every attempt when there is no deadline', async () => {
    const attempt = scripted(['retry']);
    await runWithRetry(attempt.fn, policy({ attempts: 3 }), 1234, never());
    expect(attempt.calls.map((c) => c.timeoutMs)).toEqual([1234, 1234, 1234]);
  });

  it('with only a deadline, retries until it and no further', async () => {
    const attempt = scripted(['retry']);
    const started = performance.now();
    const result = await runWithRetry(attempt.fn, { intervalMs: 20, backoff: 1, maxIntervalMs: 20, withinMs: 400 }, 1000, never());
    const elapsed = performance.now() - started;
    expect(result.result.outcome).toBe('retry');
    expect(result.attempts).toBeGreaterThan(3);
    expect(result.attempts).toBe(attempt.calls.length);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
    // No attempt starts with less than the minimum useful slice left before the deadline.
    for (const call of attempt.calls) expect(call.at - started).toBeLessThan(400);
  });

  it('cuts the attempt timeout to what the deadline leaves', async () => {
    const attempt = scripted(['retry'], 5);
    await runWithRetry(attempt.fn, { intervalMs: 50, backoff: 1, maxIntervalMs: 50, withinMs: 300 }, 10_000, never());
    expect(attempt.calls.length).toBeGreaterThanOrEqual(2);
    for (const call of attempt.calls) {
      expect(call.timeoutMs).toBeLessThanOrEqual(300);
      // Whole milliseconds: AbortSignal.timeout() rejects fractions.
      expect(Number.isInteger(call.timeoutMs)).toBe(true);
    }
    expect(attempt.calls[1]!.timeoutMs).toBeLessThan(attempt.calls[0]!.timeoutMs);
  });

  it('does not start a useless last attempt when the wait would end too close to the deadline', async () => {
    const attempt = scripted(['retry']);
    const announced: number[] = [];
    const started = performance.now();
    // After attempt 1 the wait is 150 ms, leaving < 100 ms of a 200 ms deadline: stop now.
    const result = await runWithRetry(attempt.fn, { attempts: 10, intervalMs: 150, backoff: 1, maxIntervalMs: 150, withinMs: 200 }, 1000, never(), {
      onRetry: (_, __, delay) => announced.push(delay),
    });
    expect(result.attempts).toBe(1);
    expect(announced).toEqual([]);
    // It did not wait the 150 ms.
    expect(performance.now() - started).toBeLessThan(140);
  });

  it('the deadline wins over a larger attempt budget, and attempts over a longer deadline', async () => {
    const deadlineFirst = scripted(['retry']);
    const a = await runWithRetry(deadlineFirst.fn, { attempts: 1000, intervalMs: 20, backoff: 1, maxIntervalMs: 20, withinMs: 200 }, 1000, never());
    expect(a.attempts).toBeLessThan(20);
    const attemptsFirst = scripted(['retry']);
    const b = await runWithRetry(attemptsFirst.fn, { attempts: 2, intervalMs: 10, backoff: 1, maxIntervalMs: 10, withinMs: 60_000 }, 1000, never());
    expect(b.attempts).toBe(2);
  });

  it('rejects with the abort reason when the signal aborts during the wait, and stops attempting', async () => {
    const attempt = scripted(['retry']);
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 50);
    const started = performance.now();
    const outcome = runWithRetry(attempt.fn, { attempts: 10, intervalMs: 5_000, backoff: 1, maxIntervalMs: 5_000 }, 1000, controller.signal);
    await expect(outcome).rejects.toBe('SIGINT');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(attempt.calls).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(attempt.calls).toHaveLength(1);
  });

  it('rejects without attempting when the signal is already aborted', async () => {
    const attempt = scripted(['pass']);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(runWithRetry(attempt.fn, policy(), 1000, controller.signal)).rejects.toThrow('stop');
    expect(attempt.calls).toHaveLength(0);
  });

  it('rejects when the signal aborts while an attempt is in flight, even if the attempt then passes', async () => {
    const controller = new AbortController();
    const fn = async (): Promise<AttemptResult> => {
      controller.abort('SIGTERM');
      return { outcome: 'pass', message: 'too late' };
    };
    await expect(runWithRetry(fn, policy(), 1000, controller.signal)).rejects.toBeDefined();
  });
});

describe('runWithRetry: explained retries', () => {
  /** A stand-in for the runner's registry: a cause that can appear, explaining results that match. */
  function registry(explains: (result: AttemptResult) => boolean = () => true) {
    const listeners = new Set<() => void>();
    let cause: string | undefined;
    return {
      hooks: {
        explainedBy: (result: AttemptResult) => (cause && explains(result) ? cause : undefined),
        onCause: (listener: () => void) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      appear(name: string) {
        cause = name;
        for (const listener of [...listeners]) listener();
      },
      listeners,
    };
  }

  it('stops after the attempt a cause already explains: no wait, no retry announced', async () => {
    const causes = registry();
    causes.appear('sg rule');
    const { fn, calls } = scripted(['retry']);
    const retries: number[] = [];
    const outcome = await runWithRetry(fn, policy({ attempts: 10, intervalMs: 5_000 }), 1000, never(), { explained: causes.hooks, onRetry: (_, attempt) => retries.push(attempt) });
    expect(outcome).toMatchObject({ attempts: 1, explainedBy: 'sg rule', result: { outcome: 'retry', message: 'attempt 1' } });
    expect(calls).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('interrupts a wait in progress when a cause appears, at once', async () => {
    const causes = registry();
    const { fn, calls } = scripted(['retry']);
    setTimeout(() => causes.appear('sg rule'), 50);
    const started = performance.now();
    const outcome = await runWithRetry(fn, policy({ attempts: 10, intervalMs: 10_000 }), 1000, never(), { explained: causes.hooks });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(outcome).toMatchObject({ attempts: 1, explainedBy: 'sg rule' });
    expect(calls).toHaveLength(1);
    expect(causes.listeners.size).toBe(0);
  });

  it('lets an attempt in flight finish: its pass is kept', async () => {
    const causes = registry();
    const { fn, calls } = scripted(['retry', 'pass'], 300);
    // Attempt 1 ends at ~300 ms, attempt 2 runs ~310–610 ms: the cause appears mid-attempt 2.
    const started = performance.now();
    let appearedAt = 0;
    setTimeout(() => {
      appearedAt = performance.now();
      causes.appear('sg rule');
    }, 450);
    const outcome = await runWithRetry(fn, policy({ attempts: 5, intervalMs: 10 }), 1000, never(), { explained: causes.hooks });
    expect(started).toBeLessThan(calls[1]!.at);
    expect(calls[1]!.at).toBeLessThan(appearedAt);
    expect(outcome).toEqual({ attempts: 2, result: { outcome: 'pass', message: 'attempt 2' } });
  });

  it('lets an attempt in flight finish, then stops if it still fails', async () => {
    const causes = registry();
    const { fn, calls } = scripted(['retry'], 100);
    setTimeout(() => causes.appear('sg rule'), 50);
    const outcome = await runWithRetry(fn, policy({ attempts: 5, intervalMs: 10 }), 1000, never(), { explained: causes.hooks });
    expect(outcome).toMatchObject({ attempts: 1, explainedBy: 'sg rule' });
    expect(calls).toHaveLength(1);
  });

  /** An attempt that answers only after `answerAfterMs` (never by default) or when cut; records the cut's reason. */
  function hangingUntilCut(answerAfterMs?: number) {
    const cuts: unknown[] = [];
    const fn = (info: AttemptInfo) =>
      new Promise<AttemptResult>((resolve) => {
        info.cut?.addEventListener('abort', () => cuts.push(info.cut!.reason), { once: true });
        if (answerAfterMs !== undefined) setTimeout(() => resolve({ outcome: 'retry', message: 'its own timeout' }), answerAfterMs);
      });
    return { fn, cuts };
  }

  it('cuts an attempt that has waited past the grace at once when a cause appears: explained, "no answer", its signal aborted', async () => {
    const causes = registry((result) => result.facts?.attemptTimedOut === true);
    const { fn, cuts } = hangingUntilCut();
    let appeared = false;
    setTimeout(() => {
      appeared = true;
      causes.appear('sg rule');
    }, IN_FLIGHT_GRACE_MS + 100);
    const outcome = await runWithRetry(fn, policy({ attempts: 5 }), 60_000, never(), { explained: causes.hooks });
    expect(appeared).toBe(true);
    expect(outcome).toMatchObject({ attempts: 1, explainedBy: 'sg rule', result: { outcome: 'retry', facts: { attemptTimedOut: true } } });
    expect(outcome.result.message).toMatch(/^attempt 1 stopped after \S+ without an answer$/);
    expect(cuts).toHaveLength(1);
    expect(cuts[0]).toBeInstanceOf(ExplainedCut);
    expect(causes.listeners.size).toBe(0);
  });

  it.each<{ label: string; explains: (result: AttemptResult) => boolean }>([
    { label: 'the cause does not explain "no answer"', explains: () => false },
    { label: 'the cause explains only answered attempts', explains: (result) => result.facts?.attemptTimedOut !== true },
  ])('never cuts an attempt in flight when $label: it ends at its own timeout', async ({ explains }) => {
    const causes = registry(explains);
    causes.appear('sg rule');
    const { fn, cuts } = hangingUntilCut(IN_FLIGHT_GRACE_MS + 200);
    const outcome = await runWithRetry(fn, policy({ attempts: 1 }), 60_000, never(), { explained: causes.hooks });
    expect(outcome.result.message).toBe('its own timeout');
    expect(cuts).toEqual([]);
  });

  it('keeps retrying when the cause that appears does not explain the result', async () => {
    const causes = registry(() => false);
    const { fn, calls } = scripted(['retry']);
    setTimeout(() => causes.appear('unrelated'), 5);
    const outcome = await runWithRetry(fn, policy({ attempts: 4, intervalMs: 20 }), 1000, never(), { explained: causes.hooks });
    expect(outcome.explainedBy).toBeUndefined();
    expect(calls).toHaveLength(4);
  });

  it('a definitive fail ends as before, never "explained"', async () => {
    const causes = registry();
    causes.appear('sg rule');
    const outcome = await runWithRetry(scripted(['fail']).fn, policy(), 1000, never(), { explained: causes.hooks });
    expect(outcome).toEqual({ attempts: 1, result: { outcome: 'fail', message: 'attempt 1' } });
  });

  it('the run signal still wins: aborting during the wait rejects with its reason', async () => {
    const causes = registry(() => false);
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 30);
    await expect(runWithRetry(scripted(['retry']).fn, policy({ attempts: 5, intervalMs: 10_000 }), 1000, controller.signal, { explained: causes.hooks })).rejects.toBe('SIGINT');
  });
});
