/** The run's rate limiter: token buckets per AWS API and region, their defaults, overrides, aborts, and the wrapper around send. */
import { describe, expect, it } from '@jest/globals';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { logsClient } from '../../../checks/support/aws.js';
import { burstOf, DEFAULT_RATE_LIMITS, limitRate, operationOf, RateLimiter, type Clock } from '../../../checks/support/rate-limit.js';
import { ClientPool } from '../../../runner/clients.js';
import { SharedClients } from '../../../runner/fleet/shared-clients.js';
import { scenarioTopSchema } from '../../../runner/schema.js';
import { timeoutSignal } from '../../../checks/support/abort.js';

/** A clock that only moves when a sleeper is woken by advance(). */
function fakeClock() {
  let now = 0;
  const sleepers: { until: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const clock: Clock & { advance(ms: number): void; waits: number[] } = {
    waits: [],
    now: () => now,
    sleep(ms, signal) {
      clock.waits.push(ms);
      return new Promise<void>((resolve, reject) => {
        const sleeper = { until: now + ms, resolve, reject };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
    advance(ms) {
      now += ms;
      for (const s of sleepers.filter((s) => s.until <= now)) s.resolve();
    },
  };
  return clock;
}

describe('RateLimiter', () => {
  it.each([
    ['FilterLogEvents', 5],
    ['StartQuery', 10],
    ['GetQueryResults', 10],
    ['GetMetricData', 50],
    ['DescribeServices', 20],
    ['DescribeTargetHealth', 20],
    ['ListTasks', 20],
    ['PutMetricData', 10],
  ])('allows %s %d calls per second by default', (operation, rate) => {
    expect(new RateLimiter().rateOf(operation)).toBe(rate);
  });

  it('takes overrides over the defaults: an exact name, then the longest prefix, then *', () => {
    const limiter = new RateLimiter({ FilterLogEvents: 2, 'DescribeTarget*': 3, '*': 7 });
    expect(limiter.rateOf('FilterLogEvents')).toBe(2);
    expect(limiter.rateOf('DescribeTargetHealth')).toBe(3);
    expect(limiter.rateOf('DescribeServices')).toBe(DEFAULT_RATE_LIMITS['Describe*']);
    expect(limiter.rateOf('PutMetricData')).toBe(7);
  });

  it('spaces the calls of one API and region 1/rate apart, and lets other APIs and regions through at once', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ FilterLogEvents: 4 }, clock);
    await limiter.take('FilterLogEvents', 'us-east-1');
    const second = limiter.take('FilterLogEvents', 'us-east-1');
    const third = limiter.take('FilterLogEvents', 'us-east-1');
    await limiter.take('FilterLogEvents', 'eu-west-1');
    await limiter.take('DescribeServices', 'us-east-1');
    expect(clock.waits).toEqual([250, 500]);
    let done = 0;
    void second.then(() => done++);
    void third.then(() => done++);
    clock.advance(250);
    await Promise.resolve();
    await Promise.resolve();
    expect(done).toBe(1);
    clock.advance(250);
    await Promise.all([second, third]);
    expect(limiter.stats).toMatchObject({ calls: 5, delayed: 2, waitedMs: 750 });
  });

  it("ends a wait with the attempt's abort, and gives its slot back", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ StartQuery: 1 }, clock);
    await limiter.take('StartQuery', 'r');
    const controller = new AbortController();
    const waiting = limiter.take('StartQuery', 'r', controller.signal);
    controller.abort(new Error('attempt timed out'));
    await expect(waiting).rejects.toThrow('attempt timed out');
    // The next call waits for the aborted one's slot, not one after it.
    void limiter.take('StartQuery', 'r');
    expect(clock.waits).toEqual([1000, 1000]);
  });

  it('refuses at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(new RateLimiter().take('ListTasks', 'r', controller.signal)).rejects.toThrow('gone');
  });

  it.each([
    [1, 1],
    [5, 1],
    [20, 4],
    [50, 10],
  ])('a bucket of %d calls/s lets %d through at once', (rate, burst) => {
    expect(burstOf(rate)).toBe(burst);
  });

  it.each<[string, Record<string, number>[], Record<string, number>]>([
    ['one scenario replaces the defaults', [{ FilterLogEvents: 2, 'Describe*': 4 }], { FilterLogEvents: 2, DescribeServices: 4, GetMetricData: 50 }],
    ['a scenario may raise a default', [{ FilterLogEvents: 100 }], { FilterLogEvents: 100, StartQuery: 10 }],
    ['the same overrides twice (one file for every service) change nothing more', [{ FilterLogEvents: 2 }, { FilterLogEvents: 2 }], { FilterLogEvents: 2 }],
    ['scenarios that disagree: the lowest rate stands, whatever the order', [{ FilterLogEvents: 3 }, { FilterLogEvents: 1 }, { FilterLogEvents: 8 }], { FilterLogEvents: 1 }],
    ['no overrides: the defaults', [{}], { FilterLogEvents: 5, '*': 10 }],
  ])('adopt(): %s', (_label, adopted, expected) => {
    const limiter = new RateLimiter();
    for (const overrides of adopted) limiter.adopt(overrides);
    for (const [operation, rate] of Object.entries(expected)) expect(limiter.rateOf(operation === '*' ? 'PutMetricData' : operation)).toBe(rate);
  });

  it('adopt() spaces the next calls at the new rate', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({}, clock);
    limiter.adopt({ FilterLogEvents: 1 });
    await limiter.take('FilterLogEvents', 'us-east-1');
    void limiter.take('FilterLogEvents', 'us-east-1');
    expect(clock.waits).toEqual([1000]);
  });

  it('lets a burst of a fifth of a second through at once, then spaces the rest (20/s: 4 at once, then 50 ms apart)', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({}, clock);
    const waits = Array.from({ length: 6 }, () => void limiter.take('DescribeTargetHealth', 'r'));
    expect(waits).toHaveLength(6);
    expect(clock.waits).toEqual([50, 100]);
  });

  it('holds a real crowd to the rate (real clock, 20/s)', async () => {
    const limiter = new RateLimiter({ FilterLogEvents: 20 });
    const started = performance.now();
    const at: number[] = [];
    await Promise.all(Array.from({ length: 8 }, () => limiter.take('FilterLogEvents', 'r').then(() => at.push(performance.now() - started))));
    // 8 calls at 20/s with a burst of 4: the last one starts 4 x 50 ms after the first.
    expect(Math.max(...at)).toBeGreaterThanOrEqual(190);
    expect(Math.max(...at)).toBeLessThan(1_000);
  });
});

describe('limitRate and the pool', () => {
  it('names the operation of a command: from its schema, else its class name', () => {
    expect(operationOf(new FilterLogEventsCommand({ logGroupName: 'g' }))).toBe('FilterLogEvents');
    class ListThingsCommand {}
    expect(operationOf(new ListThingsCommand())).toBe('ListThings');
    expect(operationOf({ schema: [9, 'com.amazonaws.ecs', 'DescribeTasks'] })).toBe('DescribeTasks');
  });

  it('a fleet run shares one budget: every scenario scoped over SharedClients draws from the same limiter', async () => {
    const pool = new ClientPool();
    const shared = new SharedClients(pool);
    const mock = mockClient(CloudWatchLogsClient);
    mock.on(FilterLogEventsCommand).resolves({ events: [] });
    try {
      const a = await shared.scoped({ region: 'us-east-1' }).get(logsClient);
      const b = await shared.scoped({ region: 'us-east-1', profile: 'other' }).get(logsClient);
      await Promise.all([a.send(new FilterLogEventsCommand({ logGroupName: 'a' })), b.send(new FilterLogEventsCommand({ logGroupName: 'b' }))]);
      expect(pool.rateLimiter.stats).toMatchObject({ calls: 2, delayed: 1 });
    } finally {
      mock.restore();
      await shared.destroy();
    }
  });

  it("a fleet run applies the scenario's aws.rateLimits to its one shared limiter (scoped)", async () => {
    const pool = new ClientPool({ region: 'us-east-1' });
    const shared = new SharedClients(pool);
    const mock = mockClient(CloudWatchLogsClient);
    mock.on(FilterLogEventsCommand).resolves({ events: [] });
    try {
      expect(pool.rateLimiter.rateOf('FilterLogEvents')).toBe(5);
      const a = await shared.scoped({ region: 'us-east-1', rateLimits: { FilterLogEvents: 2 } }).get(logsClient);
      const b = await shared.scoped({ region: 'us-east-1', rateLimits: { FilterLogEvents: 2 } }).get(logsClient);
      expect(pool.rateLimiter.rateOf('FilterLogEvents')).toBe(2);
      const started = performance.now();
      await Promise.all([a, b, a].map((client, i) => client.send(new FilterLogEventsCommand({ logGroupName: `g${i}` }))));
      // 2/s with a burst of 1: the third call starts 1 s after the first (5/s would take 400 ms).
      expect(performance.now() - started).toBeGreaterThanOrEqual(950);
      expect(pool.rateLimiter.stats).toMatchObject({ calls: 3, delayed: 2 });
    } finally {
      mock.restore();
      await shared.destroy();
    }
  });

  it('makes a client wait for a token before each send, and answers with the SDK (mocked)', async () => {
    const mock = mockClient(CloudWatchLogsClient);
    mock.on(FilterLogEventsCommand).resolves({ events: [] });
    try {
      const clock = fakeClock();
      const limiter = new RateLimiter({ FilterLogEvents: 2 }, clock);
      const client = limitRate(new CloudWatchLogsClient({ region: 'us-east-1' }), limiter, 'us-east-1');
      await expect(client.send(new FilterLogEventsCommand({ logGroupName: 'g' }))).resolves.toEqual({ events: [] });
      const second = client.send(new FilterLogEventsCommand({ logGroupName: 'g' }));
      await Promise.resolve();
      expect(mock.commandCalls(FilterLogEventsCommand)).toHaveLength(1);
      clock.advance(500);
      await second;
      expect(mock.commandCalls(FilterLogEventsCommand)).toHaveLength(2);
    } finally {
      mock.restore();
    }
  });

  it('the abort signal of send ends the wait; the SDK is never called', async () => {
    const mock = mockClient(CloudWatchLogsClient);
    mock.on(FilterLogEventsCommand).resolves({ events: [] });
    try {
      const limiter = new RateLimiter({ FilterLogEvents: 0.5 });
      const client = limitRate(new CloudWatchLogsClient({ region: 'us-east-1' }), limiter, 'us-east-1');
      await client.send(new FilterLogEventsCommand({ logGroupName: 'g' }));
      const waiting = client.send(new FilterLogEventsCommand({ logGroupName: 'g' }), { abortSignal: timeoutSignal(30) });
      await expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(mock.commandCalls(FilterLogEventsCommand)).toHaveLength(1);
    } finally {
      mock.restore();
    }
  });

  it("shares one budget between the pool's clients of a region (one per run), from the scenario's rateLimits", async () => {
    const pool = new ClientPool({ region: 'us-east-1', rateLimits: { FilterLogEvents: 3 } });
    try {
      expect(pool.rateLimiter.rateOf('FilterLogEvents')).toBe(3);
      const a = await pool.get(logsClient);
      const b = await pool.get(logsClient, { profile: 'other' });
      expect(a).not.toBe(b);
      const mock = mockClient(CloudWatchLogsClient);
      mock.on(FilterLogEventsCommand).resolves({ events: [] });
      try {
        await Promise.all([a.send(new FilterLogEventsCommand({ logGroupName: 'g' })), b.send(new FilterLogEventsCommand({ logGroupName: 'g' }))]);
      } finally {
        mock.restore();
      }
      expect(pool.rateLimiter.stats).toMatchObject({ calls: 2, delayed: 1 });
    } finally {
      await pool.destroy();
    }
  });
});

describe('aws.rateLimits in the scenario', () => {
  const parse = (rateLimits: unknown) => scenarioTopSchema.safeParse({ name: 's', checks: [{}], aws: { rateLimits } });
  it.each([[{ FilterLogEvents: 2 }], [{ 'Describe*': 5, '*': 1 }], [{ GetMetricData: 0.5 }]])('accepts %j', (limits) => {
    expect(parse(limits).success).toBe(true);
  });
  it.each([
    [{ filterLogEvents: 2 }, 'expected an AWS API name'],
    [{ 'logs:FilterLogEvents': 2 }, 'expected an AWS API name'],
    [{ FilterLogEvents: 0 }, ''],
    [{ FilterLogEvents: -1 }, ''],
    [{ FilterLogEvents: 5000 }, ''],
    [{ FilterLogEvents: 'fast' }, ''],
  ])('refuses %j', (limits, message) => {
    const result = parse(limits);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});
