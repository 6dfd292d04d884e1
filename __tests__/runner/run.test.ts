import { describe, it, expect, beforeEach } from '@jest/globals';
import { stringify } from 'yaml';
import type { RunEvent } from '../../runner/events.js';
import type { CheckReport, RunReport } from '../../runner/result.js';
import { render, reporterNames } from '../../runner/reporters/index.js';
import { ExplainedCut, IN_FLIGHT_GRACE_MS } from '../../runner/retry.js';
import { DEFAULT_CONCURRENCY, runScenario, type RunOptions } from '../../runner/run.js';
import type { Scenario } from '../../runner/scenario.js';
import { fakeCalls, fakeChecksWithRelations, resetFakes, scenarioFrom, type FakeOutcome } from '../support/fake-checks.js';

/** Small, fast defaults: 2 s attempts, one attempt, 10 ms between attempts when retried. */
const DEFAULTS = { timeout: '2s', retry: { interval: '10ms', backoff: 1 } };

type CheckInput = Record<string, unknown>;

/** A `fake` check whose calls are recorded under its name. */
function fake(name: string, outcomes: FakeOutcome[] = ['pass'], more: CheckInput = {}): CheckInput {
  return { name, type: 'fake', id: name, outcomes, ...more };
}

function scenario(checks: CheckInput[], top: Record<string, unknown> = {}, env: Record<string, string> = {}): Scenario {
  return scenarioFrom(stringify({ name: 'run test', defaults: DEFAULTS, ...top, checks }), { env, checkTypes: fakeChecksWithRelations });
}

/**
 * Runs the checks one after the other unless `options` (or the scenario, through `top`) sets a
 * concurrency: most tests here describe the strict order. Pass `concurrency: undefined` for the
 * runner's own default.
 */
async function run(checks: CheckInput[], options: RunOptions = {}, top: Record<string, unknown> = {}) {
  const events: RunEvent[] = [];
  const started = performance.now();
  const strict = 'concurrency' in top ? {} : { concurrency: 1 };
  const report = await runScenario(scenario(checks, top), { ...strict, onEvent: (e) => events.push(e), ...options });
  return { report, events, elapsed: performance.now() - started };
}

function byName(report: RunReport, name: string): CheckReport {
  const check = report.checks.find((c) => c.name === name);
  if (!check) throw new Error(`no check ${name} in report`);
  return check;
}

const startOrder = () => fakeCalls().filter((c) => c.attempt === 1).map((c) => c.id);

beforeEach(() => {
  resetFakes();
});

describe('order', () => {
  it('runs checks in file order, moving a check after the checks it needs; reports in file order', async () => {
    const { report } = await run([fake('a'), fake('b', ['pass'], { needs: ['d'] }), fake('c'), fake('d')]);
    expect(startOrder()).toEqual(['a', 'd', 'b', 'c']);
    expect(report.checks.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(report.checks.every((c) => c.status === 'passed')).toBe(true);
  });

  it('keeps file order in the report when later checks finish first (concurrency)', async () => {
    const { report, events } = await run([fake('slow', ['pass'], { delay: 150 }), fake('fast', ['pass'], { delay: 10 })], { concurrency: 2 });
    const ends = events.flatMap((e) => (e.kind === 'check-end' ? [e.report.name] : []));
    expect(ends).toEqual(['fast', 'slow']);
    expect(report.checks.map((c) => c.name)).toEqual(['slow', 'fast']);
  });

  it('records where each check is in the file', async () => {
    const { report } = await run([fake('a'), fake('b')]);
    const [a, b] = report.checks;
    expect(a!.location).toMatchObject({ file: 'test.yaml' });
    expect(b!.location!.line).toBeGreaterThan(a!.location!.line);
  });
});

describe('needs', () => {
  it.each<{ dep: FakeOutcome; verb: string }>([
    { dep: 'fail', verb: 'failed' },
    { dep: 'error', verb: 'errored' },
    { dep: 'retry', verb: 'failed' },
  ])('skips a check whose need $verb, naming the need; the chain is skipped too', async ({ dep, verb }) => {
    const { report } = await run([
      fake('dep', [dep]),
      fake('child', ['pass'], { needs: ['dep'] }),
      fake('grandchild', ['pass'], { needs: ['child'] }),
      fake('independent'),
    ]);
    expect(byName(report, 'child')).toMatchObject({ status: 'skipped', skipReason: `needs "dep", which ${verb}`, attempts: 0 });
    expect(byName(report, 'child').message).toBe(`skipped: needs "dep", which ${verb}`);
    expect(byName(report, 'grandchild')).toMatchObject({ status: 'skipped', skipReason: 'needs "child", which was skipped' });
    expect(byName(report, 'independent').status).toBe('passed');
    expect(fakeCalls('child')).toEqual([]);
    expect(fakeCalls('grandchild')).toEqual([]);
  });

  it('runs a check only when every need passed', async () => {
    const { report } = await run([fake('x'), fake('y', ['fail']), fake('z', ['pass'], { needs: ['x', 'y'] })]);
    expect(byName(report, 'z')).toMatchObject({ status: 'skipped', skipReason: 'needs "y", which failed' });
  });
});

describe('attempts and outcomes', () => {
  it('a check that passes after retries is passed, flaky, with its attempt count', async () => {
    const { report } = await run([fake('a', ['retry', 'retryable-error', 'pass'], { retry: { attempts: 5 } })]);
    expect(byName(report, 'a')).toMatchObject({ status: 'passed', attempts: 3, flaky: true, message: 'pass on attempt 3' });
    expect(fakeCalls('a').map((c) => c.attempt)).toEqual([1, 2, 3]);
  });

  it('a check that passes at once is not flaky', async () => {
    const { report } = await run([fake('a', ['pass'], { retry: { attempts: 5 } })]);
    expect(byName(report, 'a')).toMatchObject({ status: 'passed', attempts: 1, flaky: false });
  });

  it('a check that exhausts its retries fails with the last observation and the attempt count', async () => {
    const { report } = await run([fake('a', ['retry'], { retry: { attempts: 3 } })]);
    const a = byName(report, 'a');
    expect(a).toMatchObject({ status: 'failed', attempts: 3, flaky: false });
    expect(a.message).toBe('retry on attempt 3 (gave up after 3 attempts)');
    expect(a.observations).toEqual([{ what: 'attempt', expected: 'pass', actual: 'attempt 3: retry', ok: false }]);
  });

  it.each<{ outcomes: FakeOutcome[]; status: string; attempts: number; message: RegExp }>([
    { outcomes: ['fail'], status: 'failed', attempts: 1, message: /^fail on attempt 1$/ },
    { outcomes: ['retry', 'fail', 'pass'], status: 'failed', attempts: 2, message: /^fail on attempt 2$/ },
    { outcomes: ['error'], status: 'error', attempts: 1, message: /^error on attempt 1$/ },
    { outcomes: ['retryable-error'], status: 'error', attempts: 4, message: /^retryable-error on attempt 4 \(gave up after 4 attempts\)$/ },
    { outcomes: ['throw'], status: 'error', attempts: 1, message: /^check crashed: TypeError: exploded on attempt 1$/ },
    { outcomes: ['retry'], status: 'failed', attempts: 1, message: /^retry on attempt 1 \(gave up after 1 attempt\)$/ },
  ])('$outcomes with 4 attempts allowed → $status after $attempts attempt(s)', async ({ outcomes, status, attempts, message }) => {
    const { report } = await run([fake('a', outcomes, { retry: { attempts: attempts === 1 && outcomes[0] === 'retry' ? 1 : 4 } })]);
    const a = byName(report, 'a');
    expect(a.status).toBe(status);
    expect(a.attempts).toBe(attempts);
    expect(a.message).toMatch(message);
    expect(fakeCalls('a')).toHaveLength(attempts);
  });

  it('a definitive failure keeps its fix', async () => {
    const { report } = await run([fake('a', ['fail'])]);
    expect(byName(report, 'a').fix).toEqual({ summary: 'make it pass' });
  });

  it('a crash is reported without a stack trace in the message', async () => {
    const { report } = await run([fake('a', ['throw'])]);
    expect(byName(report, 'a').message).not.toMatch(/\n\s+at /);
  });
});

describe('timeouts and deadlines', () => {
  it('aborts an attempt at its timeout: the check sees its signal aborted, and is retried', async () => {
    const { report, elapsed } = await run([fake('a', ['pass'], { delay: 5_000, timeout: '50ms', retry: { attempts: 2 } })]);
    const a = byName(report, 'a');
    expect(a).toMatchObject({ status: 'failed', attempts: 2 });
    expect(a.message).toBe('no answer within the 50ms attempt timeout (gave up after 2 attempts)');
    const calls = fakeCalls('a');
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.timeoutMs).toBe(50);
      expect(call.signalAborted).toBe(true);
      expect((call.abortReason as Error).name).toBe('TimeoutError');
      expect(call.endedAt! - call.startedAt).toBeLessThan(1000);
    }
    expect(elapsed).toBeLessThan(2000);
  });

  it('ends an attempt that ignores its signal (hang) at the timeout: the runner races it', async () => {
    const { report, elapsed } = await run([fake('a', ['hang', 'pass'], { timeout: '50ms', retry: { attempts: 2 } })]);
    expect(byName(report, 'a')).toMatchObject({ status: 'passed', attempts: 2, flaky: true });
    expect(fakeCalls('a')[0]!.signalAborted).toBe(true);
    expect(elapsed).toBeLessThan(2000);
  });

  it('a `within` deadline alone retries until the deadline and bounds the total time', async () => {
    const { report, elapsed } = await run([fake('a', ['retry'], { retry: { within: '300ms', interval: '20ms' } })]);
    const a = byName(report, 'a');
    expect(a.status).toBe('failed');
    expect(a.attempts).toBeGreaterThan(3);
    expect(a.message).toContain(`(gave up after ${a.attempts} attempts)`);
    // It stops when the next wait would leave less than a useful attempt before the deadline.
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1500);
    // Attempt timeouts cut by the deadline are whole milliseconds (AbortSignal.timeout needs them).
    for (const call of fakeCalls('a')) expect(Number.isInteger(call.timeoutMs)).toBe(true);
  });

  it('a `within` deadline cuts a long attempt timeout, even for a check that hangs', async () => {
    const { report, elapsed } = await run([fake('a', ['hang'], { timeout: '10s', retry: { within: '200ms' } })]);
    expect(byName(report, 'a').status).toBe('failed');
    expect(fakeCalls('a')[0]!.timeoutMs).toBeLessThanOrEqual(200);
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('runner faults', () => {
  it('a fault inside the runner is reported as an error of that check, never as an interruption', async () => {
    const events: RunEvent[] = [];
    const report = await runScenario(scenario([fake('a'), fake('b')]), {
      onEvent: (event) => {
        events.push(event);
        if (event.kind === 'attempt-start' && event.name === 'a') throw new Error('listener broke');
      },
    });
    expect(byName(report, 'a')).toMatchObject({ status: 'error', message: 'runner error: listener broke' });
    expect(byName(report, 'a').skipReason).toBeUndefined();
    expect(byName(report, 'b').status).toBe('passed');
    expect(report.status).toBe('failed');
    expect(report.interrupted).toBeUndefined();
  });
});

describe('fail-fast', () => {
  it.each<{ first: FakeOutcome; verb: string }>([
    { first: 'fail', verb: 'failed' },
    { first: 'error', verb: 'errored' },
  ])('stops at the first check that $verb and skips the rest with the reason', async ({ first, verb }) => {
    const { report } = await run([fake('ok'), fake('bad', [first]), fake('b'), fake('c')], { failFast: true });
    expect(byName(report, 'ok').status).toBe('passed');
    expect(byName(report, 'bad').status).toBe(first === 'fail' ? 'failed' : 'error');
    for (const name of ['b', 'c']) {
      expect(byName(report, name)).toMatchObject({ status: 'skipped', skipReason: `fail-fast: "bad" ${verb}` });
      expect(fakeCalls(name)).toEqual([]);
    }
    expect(report.status).toBe('failed');
    expect(report.interrupted).toBeUndefined();
  });

  it('without fail-fast the rest still run', async () => {
    const { report } = await run([fake('bad', ['fail']), fake('b')]);
    expect(byName(report, 'b').status).toBe('passed');
  });

  it('stops checks in flight too (concurrency)', async () => {
    const { report, elapsed } = await run([fake('slow', ['pass'], { delay: 5_000 }), fake('bad', ['fail'], { delay: 20 })], { failFast: true, concurrency: 2 });
    expect(byName(report, 'slow')).toMatchObject({ status: 'skipped', skipReason: 'fail-fast: "bad" failed' });
    expect(fakeCalls('slow')[0]!.signalAborted).toBe(true);
    expect(elapsed).toBeLessThan(2000);
  });
});

describe('fail-fast with checks in flight (concurrency)', () => {
  it('a check that had finished a failing attempt keeps its outcome; one mid-attempt or never started is skipped for fail-fast', async () => {
    const slowRetry = { retry: { attempts: 5, interval: '5s', backoff: 1 } };
    const { report } = await run(
      [
        fake('bad', ['fail'], { delay: 100 }),
        // Answered "not ready" at once and was waiting to retry when "bad" failed.
        fake('waiting', ['retry'], slowRetry),
        fake('retryable', ['retryable-error'], slowRetry),
        fake('in flight', ['hang']),
        fake('never started'),
      ],
      { failFast: true, concurrency: 4 },
    );
    const stopped = 'not retried: fail-fast: "bad" failed';
    expect(byName(report, 'bad')).toMatchObject({ status: 'failed', lastOutcome: 'fail' });
    expect(byName(report, 'waiting')).toMatchObject({ status: 'failed', attempts: 1, lastOutcome: 'retry', message: `retry on attempt 1 (${stopped})` });
    expect(byName(report, 'retryable')).toMatchObject({ status: 'error', attempts: 1, lastOutcome: 'error', message: `retryable-error on attempt 1 (${stopped})` });
    for (const name of ['waiting', 'retryable']) {
      expect(byName(report, name).skip).toBeUndefined();
      expect(fakeCalls(name)).toHaveLength(1);
    }
    expect(byName(report, 'in flight')).toMatchObject({ status: 'skipped', skip: { reason: 'fail-fast', because: 'bad' } });
    expect(byName(report, 'never started')).toMatchObject({ status: 'skipped', attempts: 0, skip: { reason: 'fail-fast', because: 'bad' }, skipReason: 'fail-fast: "bad" failed' });
    expect(fakeCalls('never started')).toEqual([]);
    expect(report.interrupted).toBeUndefined();
  });
});

describe('concurrency', () => {
  const overlap = () => {
    const [a] = fakeCalls('a');
    const [b] = fakeCalls('b');
    return b!.startedAt < a!.endedAt!;
  };

  it('runs independent checks at the same time with concurrency 2', async () => {
    const { report } = await run([fake('a', ['pass'], { delay: 200 }), fake('b', ['pass'], { delay: 200 })], { concurrency: 2 });
    expect(report.status).toBe('passed');
    expect(overlap()).toBe(true);
  });

  it('runs them one after the other with concurrency 1', async () => {
    const { report } = await run([fake('a', ['pass'], { delay: 100 }), fake('b', ['pass'], { delay: 100 })], { concurrency: 1 });
    expect(report.status).toBe('passed');
    expect(overlap()).toBe(false);
  });

  /** The most checks in flight at any moment, from the fake calls' start and end times. */
  const maxInFlight = () => {
    const calls = fakeCalls();
    return Math.max(...calls.map((call) => calls.filter((other) => other.startedAt <= call.startedAt && other.endedAt! > call.startedAt).length));
  };
  const sixSlowChecks = () => ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => fake(name, ['pass'], { delay: 80 }));

  it(`runs ${DEFAULT_CONCURRENCY} at once by default, and still reports (and announces) them in file order`, async () => {
    // Later checks finish first: the report and run-start keep the file's order regardless.
    const checks = ['a', 'b', 'c', 'd', 'e', 'f'].map((name, i) => fake(name, ['pass'], { delay: 160 - i * 25 }));
    const { report, events } = await run(checks, { concurrency: undefined });
    expect(DEFAULT_CONCURRENCY).toBe(4);
    expect(maxInFlight()).toBe(4);
    const ends = events.flatMap((e) => (e.kind === 'check-end' ? [e.report.name] : []));
    expect(ends).not.toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(report.checks.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const start = events[0]!;
    expect(start.kind === 'run-start' && start.checks.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it.each(reporterNames)('the %s reporter lists concurrently run checks in file order, whatever order they finished in', async (reporter) => {
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'foxtrot'];
    // Each fails (so every reporter, github included, mentions it); later ones finish first.
    const delays = [300, 240, 180, 120, 10];
    const { report, events } = await run(
      names.map((name, i) => fake(name, ['fail'], { delay: delays[i] })),
      { concurrency: undefined },
    );
    // foxtrot starts when delta (the first to finish) frees a slot, and finishes next.
    const ends = events.flatMap((e) => (e.kind === 'check-end' ? [e.report.name] : []));
    expect(ends).toEqual(['delta', 'foxtrot', 'charlie', 'bravo', 'alpha']);
    const starts = events.flatMap((e) => (e.kind === 'check-start' ? [e.name] : []));
    expect(starts.slice(0, 4)).toEqual(names.slice(0, 4));
    const text = render(reporter, report, { color: false }).text;
    const positions = names.map((name) => text.indexOf(name));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
  });

  it.each<{ label: string; top: Record<string, unknown>; options: RunOptions; expected: number }>([
    { label: 'the scenario\'s concurrency: 1 runs them one after the other', top: { concurrency: 1 }, options: {}, expected: 1 },
    { label: 'the scenario\'s concurrency: 3 runs three at once', top: { concurrency: 3 }, options: {}, expected: 3 },
    { label: 'the option (the CLI flag) wins over the scenario', top: { concurrency: 1 }, options: { concurrency: 2 }, expected: 2 },
    { label: 'the option wins over the scenario, down to 1', top: { concurrency: 4 }, options: { concurrency: 1 }, expected: 1 },
  ])('$label', async ({ top, options, expected }) => {
    const { report } = await run(sixSlowChecks(), options, top);
    expect(report.status).toBe('passed');
    expect(maxInFlight()).toBe(expected);
  });

  it.each([0, 65, 1.5, '2'])('rejects concurrency: %p in the scenario', (value) => {
    expect(() => scenario([fake('a')], { concurrency: value })).toThrow(/concurrency/);
  });

  it('with the default concurrency, a check still waits for the checks it needs', async () => {
    await run([fake('a', ['pass'], { delay: 100 }), fake('b', ['pass'], { needs: ['a'] }), fake('c', ['pass'], { delay: 50 }), fake('d', ['pass'], { needs: ['c'] })], { concurrency: undefined });
    const [a] = fakeCalls('a');
    const [b] = fakeCalls('b');
    const [c] = fakeCalls('c');
    const [d] = fakeCalls('d');
    expect(b!.startedAt).toBeGreaterThanOrEqual(a!.endedAt!);
    expect(d!.startedAt).toBeGreaterThanOrEqual(c!.endedAt!);
    expect(c!.startedAt).toBeLessThan(a!.endedAt!);
  });

  it('does not start a check before the checks it needs have finished', async () => {
    await run([fake('a', ['pass'], { delay: 100 }), fake('b', ['pass'], { needs: ['a'] }), fake('c', ['pass'], { delay: 50 })], { concurrency: 3 });
    const [a] = fakeCalls('a');
    const [b] = fakeCalls('b');
    const [c] = fakeCalls('c');
    expect(b!.startedAt).toBeGreaterThanOrEqual(a!.endedAt!);
    expect(c!.startedAt).toBeLessThan(a!.endedAt!);
  });

  it('never has more than N checks in flight', async () => {
    const checks = ['a', 'b', 'c', 'd', 'e'].map((name) => fake(name, ['pass'], { delay: 40 }));
    await run(checks, { concurrency: 2 });
    const calls = fakeCalls();
    for (const call of calls) {
      const inFlight = calls.filter((other) => other.startedAt <= call.startedAt && other.endedAt! > call.startedAt);
      expect(inFlight.length).toBeLessThanOrEqual(2);
    }
  });
});

describe('run timeout', () => {
  it('fails the checks in flight with "run timeout" and skips the rest', async () => {
    const { report, elapsed } = await run([fake('a'), fake('b', ['pass'], { delay: 5_000 }), fake('c'), fake('d')], { timeoutMs: 200 });
    expect(byName(report, 'a').status).toBe('passed');
    expect(byName(report, 'b')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(byName(report, 'b').message).toContain('run timeout of 200ms reached before a verdict');
    for (const name of ['c', 'd']) {
      expect(byName(report, name).status).toBe('skipped');
      expect(byName(report, name).skipReason).toContain('run timeout');
    }
    expect(report).toMatchObject({ status: 'failed', interrupted: 'timeout' });
    expect(fakeCalls('b')[0]!.signalAborted).toBe(true);
    expect(elapsed).toBeLessThan(1500);
  });

  it('keeps the last observation of a check that was retrying when the run timed out', async () => {
    const { report } = await run([fake('a', ['retry'], { retry: { attempts: 100, interval: '30ms' } })], { timeoutMs: 150 });
    const a = byName(report, 'a');
    expect(a.status).toBe('failed');
    expect(a.message).toMatch(/run timeout of 150ms reached before a verdict; last attempt: retry on attempt \d+/);
    expect(a.observations[0]!.actual).toMatch(/^attempt \d+: retry$/);
  });

  it('a hanging check cannot outlive the run timeout', async () => {
    const { report, elapsed } = await run([fake('a', ['hang'], { timeout: '10s' })], { timeoutMs: 100 });
    expect(byName(report, 'a').status).toBe('failed');
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('interrupt', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s mid-run: in-flight and pending checks are skipped "interrupted", promptly', async (signalName) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(signalName), 100);
    const { report, elapsed } = await run([fake('done'), fake('inflight', ['pass'], { delay: 5_000 }), fake('pending'), fake('hangs', ['hang'])], {
      signal: controller.signal,
    });
    expect(byName(report, 'done').status).toBe('passed');
    expect(byName(report, 'inflight')).toMatchObject({ status: 'skipped', skipReason: 'interrupted', attempts: 1 });
    expect(byName(report, 'pending')).toMatchObject({ status: 'skipped', skipReason: 'interrupted', attempts: 0 });
    expect(byName(report, 'hangs')).toMatchObject({ status: 'skipped', skipReason: 'interrupted' });
    expect(report.interrupted).toBe(signalName);
    expect(report.status).toBe('failed');
    expect(report.summary).toEqual({ passed: 1, failed: 0, errored: 0, skipped: 3 });
    expect(fakeCalls('inflight')[0]!.signalAborted).toBe(true);
    expect(fakeCalls('pending')).toEqual([]);
    expect(elapsed).toBeLessThan(1000);
  });

  it('ends a hanging check and a check waiting between attempts promptly', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 100);
    const { report, elapsed } = await run([fake('hangs', ['hang'], { timeout: '30s' }), fake('waits', ['retry'], { retry: { attempts: 5, interval: '30s' } })], {
      signal: controller.signal,
      concurrency: 2,
    });
    expect(report.checks.map((c) => [c.status, c.skipReason])).toEqual([
      ['skipped', 'interrupted'],
      ['skipped', 'interrupted'],
    ]);
    expect(elapsed).toBeLessThan(1000);
  });

  it('a signal aborted before the run starts skips everything', async () => {
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const { report } = await run([fake('a'), fake('b')], { signal: controller.signal });
    expect(report.checks.map((c) => c.skipReason)).toEqual(['interrupted', 'interrupted']);
    expect(report.interrupted).toBe('SIGTERM');
    expect(fakeCalls()).toEqual([]);
  });
});

describe('only', () => {
  it('skips unselected checks and ignores needs on them', async () => {
    const { report } = await run([fake('a', ['fail']), fake('b', ['pass'], { needs: ['a'] }), fake('c', ['pass'], { needs: ['b'] })], { only: ['b', 'c'] });
    expect(byName(report, 'a')).toMatchObject({ status: 'skipped', skipReason: 'not selected (--only)' });
    expect(byName(report, 'b').status).toBe('passed');
    expect(byName(report, 'c').status).toBe('passed');
    expect(fakeCalls('a')).toEqual([]);
    expect(report.status).toBe('passed');
  });

  it('still evaluates needs between selected checks', async () => {
    const { report } = await run([fake('a', ['fail']), fake('b', ['pass'], { needs: ['a'] }), fake('c')], { only: ['a', 'b'] });
    expect(byName(report, 'b')).toMatchObject({ status: 'skipped', skipReason: 'needs "a", which failed' });
    expect(byName(report, 'c').skipReason).toBe('not selected (--only)');
  });
});

describe('events', () => {
  it('announces run, checks and attempts in order, with the wait before each retry', async () => {
    const { events, report } = await run([fake('a', ['retry', 'retry', 'pass'], { retry: { attempts: 5, interval: '10ms', backoff: 2 } }), fake('b', ['pass'], { needs: ['x'] }), fake('x', ['fail'])]);
    const summary = events.map((e) => {
      switch (e.kind) {
        case 'run-start':
          return `run-start ${e.scenario} ${e.checks.map((c) => `${c.name}:${c.type}`).join(',')}`;
        case 'check-start':
          return `check-start ${e.name} ${e.type}`;
        case 'attempt-start':
          return `attempt-start ${e.name} ${e.attempt}/${e.maxAttempts}`;
        case 'attempt-end':
          return `attempt-end ${e.name} ${e.attempt} ${e.outcome} next=${e.nextDelayMs}`;
        case 'check-end':
          return `check-end ${e.report.name} ${e.report.status}`;
        case 'run-end':
          return `run-end ${e.report.status}`;
      }
    });
    expect(summary).toEqual([
      'run-start run test a:fake,b:fake,x:fake',
      'check-start a fake',
      'attempt-start a 1/5',
      'attempt-end a 1 retry next=10',
      'attempt-start a 2/5',
      'attempt-end a 2 retry next=20',
      'attempt-start a 3/5',
      'attempt-end a 3 pass next=undefined',
      'check-end a passed',
      'check-start x fake',
      'attempt-start x 1/1',
      'attempt-end x 1 fail next=undefined',
      'check-end x failed',
      'check-end b skipped',
      'run-end failed',
    ]);
    const end = events.at(-1)!;
    expect(end.kind === 'run-end' && end.report).toEqual(report);
  });

  it('announces no wait after the last attempt of an exhausted check', async () => {
    const { events } = await run([fake('a', ['retry'], { retry: { attempts: 2 } })]);
    const ends = events.filter((e) => e.kind === 'attempt-end');
    expect(ends.map((e) => e.kind === 'attempt-end' && e.nextDelayMs)).toEqual([10, undefined]);
  });
});

describe('secrets', () => {
  const SECRET = 'tok/en"1 2&x';
  const forms = { raw: SECRET, url: encodeURIComponent(SECRET), json: JSON.stringify(SECRET).slice(1, -1) };

  it('masks declared secrets (raw, URL-encoded, JSON-escaped) and discovered ones in the final report', async () => {
    const checks = [
      fake('a', ['fail'], { message: `raw=\${env.API_TOKEN} url=${forms.url} json=${forms.json} found=found-it-42` }),
      fake('b', ['pass'], { message: 'saw found-it-42 and ${env.API_TOKEN}', discoverSecret: 'found-it-42' }),
    ];
    const events: RunEvent[] = [];
    const report = await runScenario(scenario(checks, { secrets: ['API_TOKEN'] }, { API_TOKEN: SECRET }), { onEvent: (e) => events.push(e) });
    const a = byName(report, 'a');
    expect(a.message).toBe('raw=*** url=*** json=*** found=***');
    expect(byName(report, 'b').message).toBe('saw *** and ***');
    for (const text of [JSON.stringify(report), JSON.stringify(events.at(-1))]) {
      for (const form of [...Object.values(forms), 'found-it-42']) expect(text).not.toContain(form);
    }
  });
});

describe('summary', () => {
  it.each<{ outcomes: FakeOutcome[][]; summary: RunReport['summary']; status: RunReport['status'] }>([
    { outcomes: [['pass'], ['pass']], summary: { passed: 2, failed: 0, errored: 0, skipped: 0 }, status: 'passed' },
    { outcomes: [['retry', 'pass'], ['pass']], summary: { passed: 2, failed: 0, errored: 0, skipped: 0 }, status: 'passed' },
    { outcomes: [['pass'], ['fail']], summary: { passed: 1, failed: 1, errored: 0, skipped: 0 }, status: 'failed' },
    { outcomes: [['error'], ['pass']], summary: { passed: 1, failed: 0, errored: 1, skipped: 0 }, status: 'failed' },
    { outcomes: [['fail'], ['error'], ['throw'], ['retry'], ['pass']], summary: { passed: 1, failed: 2, errored: 2, skipped: 0 }, status: 'failed' },
  ])('$outcomes → $status $summary', async ({ outcomes, summary, status }) => {
    const { report } = await run(outcomes.map((o, i) => fake(`c${i}`, o, { retry: { attempts: 2 } })));
    expect(report.summary).toEqual(summary);
    expect(report.status).toBe(status);
    expect(report.checks).toHaveLength(outcomes.length);
  });

  it('counts skipped checks, and the report carries version, scenario and timing', async () => {
    const { report } = await run([fake('a', ['fail']), fake('b', ['pass'], { needs: ['a'] }), fake('c')], { now: () => new Date('2030-01-02T03:04:05Z') });
    expect(report).toMatchObject({
      version: 1,
      scenario: 'run test',
      file: 'test.yaml',
      status: 'failed',
      startedAt: '2030-01-02T03:04:05.000Z',
      summary: { passed: 1, failed: 1, errored: 0, skipped: 1 },
    });
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe('facts as data', () => {
  it.each<{ label: string; checks: CheckInput[]; options?: RunOptions; skip: CheckReport['skip']; skipReason: RegExp }>([
    { label: 'needs', checks: [fake('bad', ['fail']), fake('target', ['pass'], { needs: ['bad'] })], skip: { reason: 'needs', because: 'bad' }, skipReason: /^needs "bad", which failed$/ },
    { label: 'fail-fast', checks: [fake('bad', ['error']), fake('target')], options: { failFast: true }, skip: { reason: 'fail-fast', because: 'bad' }, skipReason: /^fail-fast: "bad" errored$/ },
    { label: 'deadline', checks: [fake('bad', ['pass'], { delay: 5_000 }), fake('target')], options: { timeoutMs: 100 }, skip: { reason: 'deadline' }, skipReason: /^run timeout of 100ms reached$/ },
    { label: 'not selected', checks: [fake('bad'), fake('target')], options: { only: ['bad'] }, skip: { reason: 'not-selected' }, skipReason: /^not selected \(--only\)$/ },
  ])('a check skipped for $label carries skip data next to the unchanged skipReason text', async ({ checks, options, skip, skipReason }) => {
    const { report } = await run(checks, options);
    const target = byName(report, 'target');
    expect(target.skip).toEqual(skip);
    expect(target.skipReason).toMatch(skipReason);
    expect(target.lastOutcome).toBeUndefined();
  });

  it.each([
    ['an interruption', { kind: 'signal', signal: 'SIGTERM' }, 'SIGTERM'],
    ['a SIGINT string', 'SIGINT', 'SIGINT'],
    ['an unknown reason (counts as SIGINT)', new Error('boom'), 'SIGINT'],
  ] as const)('a stop by %s skips with skip.reason "interrupted" and sets interrupted', async (_label, reason, interrupted) => {
    const controller = new AbortController();
    controller.abort(reason);
    const { report } = await run([fake('a')], { signal: controller.signal });
    expect(byName(report, 'a')).toMatchObject({ skip: { reason: 'interrupted' }, skipReason: 'interrupted' });
    expect(report.interrupted).toBe(interrupted);
  });

  it.each<{ outcomes: FakeOutcome[]; attempts: number; timeoutMs?: number; lastOutcome: string }>([
    { outcomes: ['fail'], attempts: 1, lastOutcome: 'fail' },
    { outcomes: ['retry', 'fail'], attempts: 3, lastOutcome: 'fail' },
    { outcomes: ['retry'], attempts: 2, lastOutcome: 'retry' },
    { outcomes: ['retryable-error'], attempts: 2, lastOutcome: 'error' },
    { outcomes: ['pass'], attempts: 1, lastOutcome: 'pass' },
    { outcomes: ['retry'], attempts: 100, timeoutMs: 100, lastOutcome: 'retry' },
  ])('records how $outcomes ended: lastOutcome $lastOutcome', async ({ outcomes, attempts, timeoutMs, lastOutcome }) => {
    const { report } = await run([fake('a', outcomes, { retry: { attempts, interval: '10ms' } })], { timeoutMs });
    expect(byName(report, 'a').lastOutcome).toBe(lastOutcome);
  });

  it('with --fail-fast, checks skipped by fail-fast are not linked to the failed check; needs-skips are, as skipped (never as consequences)', async () => {
    const { report } = await run([fake('bad', ['fail']), fake('child', ['pass'], { needs: ['bad'] }), fake('unrelated')], { failFast: true });
    expect(byName(report, 'unrelated').skip).toEqual({ reason: 'fail-fast', because: 'bad' });
    expect(report.rootCause).toMatchObject({ check: 'bad', consequences: [], skipped: ['child'] });
  });
});

describe('ctx.log.debug', () => {
  it('reaches the listener as a log event naming the check, masked like every event', async () => {
    const { events } = await run([fake('a', ['pass'], { debug: 'connecting with s3cr3t-value', discoverSecret: 's3cr3t-value' })]);
    expect(events.filter((e) => e.kind === 'log')).toEqual([{ kind: 'log', name: 'a', message: 'connecting with ***' }]);
  });

  it('a listener that throws on a log event does not fail the check', async () => {
    const onEvent = (event: RunEvent) => {
      if (event.kind === 'log') throw new TypeError('no handler for log');
    };
    const report = await runScenario(scenario([fake('a', ['pass'], { debug: 'hello' })]), { onEvent });
    expect(byName(report, 'a').status).toBe('passed');
  });
});

describe('explained retries (a definitive cause stops its consequences retrying)', () => {
  /** A `fake-cause` check: its failure explains `fake` checks that report `symptom: true`. */
  const cause = (outcomes: FakeOutcome[], more: CheckInput = {}) => ({ name: 'cause', type: 'fake-cause', id: 'cause', outcomes, ...more });
  /** A `fake` check the cause's relation covers (symptom: true), with a long budget. */
  const symptom = (name: string, outcomes: FakeOutcome[], more: CheckInput = {}) =>
    fake(name, outcomes, { facts: { symptom: true }, retry: { attempts: 20, interval: '400ms', backoff: 1 }, ...more });

  it.each<{ label: string; checks: CheckInput[]; concurrency: number; waitAnnounced: number | undefined; lastOutcome: string }>([
    { label: 'waiting between attempts when the cause fails', checks: [cause(['fail'], { delay: 60 }), symptom('effect', ['retry'])], concurrency: 2, waitAnnounced: 400, lastOutcome: 'retry' },
    {
      label: 'mid-attempt when the cause fails (that attempt finishes)',
      checks: [cause(['fail'], { delay: 20 }), symptom('effect', ['retry'], { delay: 100 })],
      concurrency: 2,
      waitAnnounced: undefined,
      lastOutcome: 'retry',
    },
    { label: 'started after the cause failed', checks: [cause(['fail']), symptom('effect', ['retry'])], concurrency: 1, waitAnnounced: undefined, lastOutcome: 'retry' },
    { label: 'with a retryable error', checks: [cause(['fail'], { delay: 60 }), symptom('effect', ['retryable-error'])], concurrency: 2, waitAnnounced: 400, lastOutcome: 'error' },
  ])('a failing check $label ends within one attempt, failed, consequenceOf the cause', async ({ checks, concurrency, waitAnnounced, lastOutcome }) => {
    const { report, events, elapsed } = await run(checks, { concurrency });
    const effect = byName(report, 'effect');
    expect(effect).toMatchObject({ status: 'failed', attempts: 1, consequenceOf: 'cause' });
    expect(effect.message).toMatch(/ on attempt 1 \(not retried: explained by cause\)$/);
    expect(effect.message).not.toContain('gave up');
    // Its last observation is kept, and how that attempt ended.
    expect(effect.observations[0]!.actual).toMatch(/^attempt 1: /);
    expect(effect.lastOutcome).toBe(lastOutcome);
    expect(fakeCalls('effect')).toHaveLength(1);
    // One end per attempt; a wait is announced only when the cause came during it (and cut it).
    const ends = events.flatMap((e) => (e.kind === 'attempt-end' && e.name === 'effect' ? [[e.attempt, e.nextDelayMs]] : []));
    expect(ends).toEqual([[1, waitAnnounced]]);
    // The cause itself: a plain definitive failure; the root cause names it, with the effect as a consequence.
    expect(byName(report, 'cause')).toMatchObject({ status: 'failed', lastOutcome: 'fail' });
    expect(byName(report, 'cause').consequenceOf).toBeUndefined();
    expect(report.rootCause).toMatchObject({ check: 'cause', consequences: ['effect'], independent: false });
    expect(elapsed).toBeLessThan(400 + 300);
  });

  it('a consequence that passes stays passed, also when its passing attempt was in flight as the cause failed', async () => {
    const { report } = await run(
      [cause(['fail'], { delay: 450 }), symptom('at once', ['pass']), symptom('second try', ['retry', 'pass'], { delay: 300, retry: { attempts: 5, interval: '10ms' } })],
      { concurrency: 3 },
    );
    expect(byName(report, 'at once')).toMatchObject({ status: 'passed', attempts: 1 });
    // Attempt 2 runs from ~310 ms to ~610 ms; the cause fails at ~450 ms, mid-attempt: never cut.
    expect(byName(report, 'second try')).toMatchObject({ status: 'passed', attempts: 2, flaky: true });
    expect(fakeCalls('second try')[1]!.startedAt).toBeLessThan(fakeCalls('cause')[0]!.endedAt!);
    for (const name of ['at once', 'second try']) expect(byName(report, name).consequenceOf).toBeUndefined();
  });

  it('a cause that failed by exhausting its budget (not definitive) does not cut its consequences short', async () => {
    const { report } = await run([cause(['retry'], { retry: { attempts: 2, interval: '10ms' } }), symptom('effect', ['retry'], { retry: { attempts: 4, interval: '40ms', backoff: 1 } })], {
      concurrency: 2,
    });
    expect(byName(report, 'cause')).toMatchObject({ status: 'failed', lastOutcome: 'retry' });
    const effect = byName(report, 'effect');
    expect(effect).toMatchObject({ status: 'failed', attempts: 4 });
    expect(effect.consequenceOf).toBeUndefined();
    expect(effect.message).toContain('(gave up after 4 attempts)');
  });

  it('a failing check the relation does not cover (its `when` is false on what it observed) keeps its budget', async () => {
    const { report } = await run([cause(['fail']), symptom('unrelated', ['retry'], { facts: { symptom: false }, retry: { attempts: 3, interval: '10ms' } })]);
    expect(byName(report, 'unrelated')).toMatchObject({ status: 'failed', attempts: 3 });
    expect(byName(report, 'unrelated').consequenceOf).toBeUndefined();
  });

  it('a check that needs the cause is skipped before it starts, as before (no consequenceOf)', async () => {
    const { report } = await run([cause(['fail']), symptom('dependent', ['retry'], { needs: ['cause'] })], { concurrency: 2 });
    expect(byName(report, 'dependent')).toMatchObject({ status: 'skipped', skip: { reason: 'needs', because: 'cause' }, attempts: 0 });
    expect(byName(report, 'dependent').consequenceOf).toBeUndefined();
    expect(fakeCalls('dependent')).toEqual([]);
  });

  it('names the most upstream definitive cause when several explain the check', async () => {
    const upstream = { name: 'upstream', type: 'fake-upstream', id: 'upstream', outcomes: ['fail'] };
    // In file order the nearer cause fails first; the upstream one explains it, so it is named.
    const { report } = await run([cause(['fail']), upstream, symptom('effect', ['retry'], { delay: 50 })], { concurrency: 3 });
    expect(byName(report, 'effect')).toMatchObject({ status: 'failed', attempts: 1, consequenceOf: 'upstream' });
    expect(report.rootCause?.check).toBe('upstream');
  });

  it('a cause that only spent its budget is never named, even upstream of a definitive one', async () => {
    // upstream explains both others but only spends its budget (not definitive): nobody is cut for it.
    const upstreamRetrying = { name: 'upstream', type: 'fake-upstream', id: 'upstream', outcomes: ['retry'], retry: { attempts: 2, interval: '10ms' } };
    const { report } = await run([upstreamRetrying, cause(['fail'], { delay: 50 }), symptom('effect', ['retry'], { delay: 80 })], { concurrency: 3 });
    expect(byName(report, 'upstream')).toMatchObject({ status: 'failed', attempts: 2, lastOutcome: 'retry' });
    expect(byName(report, 'upstream').consequenceOf).toBeUndefined();
    // effect is cut by the definitive cause, not by upstream.
    expect(byName(report, 'effect')).toMatchObject({ attempts: 1, consequenceOf: 'cause' });
  });

  describe('an attempt in flight when the cause fails', () => {
    const upstream = (delay: number) => ({ name: 'upstream', type: 'fake-upstream', id: 'upstream', outcomes: ['fail'], delay });
    // The cause fails once the effect's attempt has waited past the grace (IN_FLIGHT_GRACE_MS from its start).
    const lateCause = IN_FLIGHT_GRACE_MS + 150;

    it.each<{ label: string; checks: CheckInput[]; cut: string | undefined; attempts: number }>([
      { label: 'a hang, cause without a `when`: cut at once', checks: [upstream(lateCause), fake('effect', ['hang'], { timeout: '30s' })], cut: 'upstream', attempts: 1 },
      {
        label: 'a second attempt, its first reported the symptom: cut at once',
        checks: [cause(['fail'], { delay: lateCause }), symptom('effect', ['retry', 'hang'], { timeout: '30s', retry: { attempts: 3, interval: '10ms', backoff: 1 } })],
        cut: 'cause',
        attempts: 2,
      },
      {
        label: 'a hang the relation does not cover (its `when` needs a fact no answer gave): runs to its timeout',
        checks: [cause(['fail'], { delay: lateCause }), symptom('effect', ['hang'], { facts: { symptom: false }, timeout: '1800ms', retry: { attempts: 1 } })],
        cut: undefined,
        attempts: 1,
      },
    ])('$label', async ({ checks, cut, attempts }) => {
      const { report, events } = await run(checks, { concurrency: 2 });
      const effect = byName(report, 'effect');
      const cutCall = fakeCalls('effect').at(-1)!;
      const causeEnd = events.findIndex((e) => e.kind === 'check-end' && e.report.name !== 'effect');
      const effectEnd = events.findIndex((e) => e.kind === 'check-end' && e.report.name === 'effect');
      expect(effect).toMatchObject({ status: 'failed', attempts, lastOutcome: 'retry', facts: { attemptTimedOut: true } });
      if (cut) {
        expect(effect.consequenceOf).toBe(cut);
        expect(effect.message).toMatch(new RegExp(`attempt ${attempts} stopped after \\S+ without an answer \\(not retried: explained by ${cut}\\)$`));
        // Ended by the cause: its signal carried the cut (not the attempt timeout), nothing ran after it.
        expect(effect.observations.at(-1)).toMatchObject({ what: `attempt ${attempts}`, expected: 'an answer', ok: false });
        expect(cutCall.abortReason).toBeInstanceOf(ExplainedCut);
        expect((cutCall.abortReason as ExplainedCut).cause).toBe(cut);
        expect(cutCall.endedAt!).toBeGreaterThanOrEqual(fakeCalls(cut)[0]!.endedAt!);
        expect(fakeCalls('effect')).toHaveLength(attempts);
        // Right after its cause's end, the effect's last attempt ends, then the check (no attempt, no wait in between).
        expect(events.slice(causeEnd + 1, effectEnd + 1).map((e) => [e.kind, 'name' in e ? e.name : e.kind === 'check-end' && e.report.name])).toEqual([
          ['attempt-end', 'effect'],
          ['check-end', 'effect'],
        ]);
      } else {
        expect(effect.consequenceOf).toBeUndefined();
        expect(effect.message).toMatch(/attempt timeout/);
        expect(cutCall.abortReason).not.toBeInstanceOf(ExplainedCut);
        expect(effectEnd).toBeGreaterThan(causeEnd);
      }
    });

    it('an attempt that answers within its grace keeps its answer, even once a cause exists: a pass stays passed', async () => {
      // The cause fails first; the effect then starts and answers within the grace.
      const { report } = await run([upstream(0), fake('effect', ['pass'], { delay: 150 })], { concurrency: 1 });
      expect(byName(report, 'effect')).toMatchObject({ status: 'passed', attempts: 1 });
      expect(byName(report, 'effect').consequenceOf).toBeUndefined();
      expect(fakeCalls('effect')[0]!.signalAborted).toBe(false);
    });
  });

  it('cutExplainedRetries: false keeps every budget (what the bench compares against)', async () => {
    const { report } = await run([cause(['fail']), symptom('effect', ['retry'], { retry: { attempts: 3, interval: '10ms' } })], { cutExplainedRetries: false });
    expect(byName(report, 'effect')).toMatchObject({ status: 'failed', attempts: 3 });
    expect(byName(report, 'effect').consequenceOf).toBeUndefined();
  });
});
