/**
 * logs-absent / logs-present against moto's CloudWatch Logs: the incident's log lines, plain-word
 * and quoted patterns (the only ones moto evaluates: any other syntax matches every event there,
 * so those semantics are unit-tested with mocks), the since window, and nextToken pagination.
 * moto ignores logStreamNamePrefix in FilterLogEvents, so logStreamPrefix is unit-tested only.
 *
 * What moto cannot do (an empty body, empty pages that repeat their nextToken, throttling) comes
 * from a local proxy in front of it (scripts/bench/counting-proxy.ts with an intercept here, and
 * the fault-injecting proxy): the healthy path still passes and a real match still fails through it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { it, expect, beforeAll, afterAll, beforeEach, describe } from '@jest/globals';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { logsAbsent } from '../../checks/logs-absent.js';
import { logsPresent } from '../../checks/logs-present.js';
import type { CheckContext, CheckType } from '../../checks/types.js';
import { ClientPool } from '../../runner/clients.js';
import { fakeContext } from '../support/context.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';
import { startAwsProxy, type RecordedCall } from '../../scripts/bench/counting-proxy.js';
import { startFaultProxy } from '../support/fault-proxy.js';

const suite = requireTool('moto', 'logs-absent/logs-present integration tests');

const GROUP = '/ecs/hokusai-api-development';
const STREAM = 'ecs/api/3f9c2b7e';
const REDIS_ERROR = 'ERROR: Redis connection failed: Timeout connecting to server';

/** The incident's /health request, logged a minute ago (offsets in ms before now). */
const INCIDENT = [
  [60_000, 'INFO: Health check requested'],
  [59_900, 'WARNING: REDIS_URL missing scheme'],
  [57_900, REDIS_ERROR],
  [57_899, 'ERROR: Redis health check failed: Redis connection failed'],
  [57_880, 'INFO: Health check completed: degraded'],
  [57_879, 'INFO: "GET /health HTTP/1.1" 200 OK'],
] as const;

suite('logs checks against moto', () => {
  const moto = useMoto();
  let cwl: CloudWatchLogsClient;
  let pool: ClientPool;

  beforeAll(() => {
    cwl = new CloudWatchLogsClient({});
  });
  afterAll(async () => {
    cwl?.destroy();
    await pool?.destroy();
  });
  beforeEach(async () => {
    await pool?.destroy();
    pool = new ClientPool({ region: 'us-east-1' });
    await moto.reset();
    await cwl.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  });

  const run = (check: CheckType, spec: Record<string, unknown>, overrides: Partial<CheckContext> = {}) =>
    check.run(check.schema.parse(spec), fakeContext({ clients: pool, ...overrides }));

  async function put(events: ReadonlyArray<readonly [number, string]>, stream = STREAM) {
    await cwl.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream })).catch((e: { name?: string }) => {
      if (e.name !== 'ResourceAlreadyExistsException') throw e;
    });
    const now = Date.now();
    const logEvents = events.map(([ago, message]) => ({ timestamp: now - ago, message })).sort((a, b) => a.timestamp - b.timestamp);
    await cwl.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, logEvents }));
  }

  it.each([
    ['plain words', 'Redis connection failed', 2],
    ['a quoted phrase', '"Timeout connecting to server"', 1],
  ])('logs-absent fails on %s with the count and the first match', async (_label, pattern, count) => {
    await put(INCIDENT);
    const result = await run(logsAbsent, { logGroup: GROUP, pattern, since: '5m' });
    expect(result.outcome).toBe('fail');
    // A time of day, or the whole ISO date when the window began on the day before (a run just after midnight UTC).
    const since = String.raw`(\d\d:\d\d:\d\dZ|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)`;
    expect(result.message).toMatch(new RegExp(`^${count} events? match(es)? .* in ${GROUP} since ${since}; first: \\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${STREAM}: ${REDIS_ERROR}$`));
    expect(result.details).toMatchObject({ matches: count, evidence: expect.arrayContaining([expect.objectContaining({ logStream: STREAM, message: REDIS_ERROR })]) });
  });

  it('logs-absent passes when nothing matches', async () => {
    await put(INCIDENT);
    const result = await run(logsAbsent, { logGroup: GROUP, pattern: 'HuggingFace token not configured', since: '5m' });
    expect(result).toMatchObject({ outcome: 'pass', details: { matches: 0, pages: 1, complete: true } });
  });

  it('shows hostile log lines inert in the evidence', async () => {
    await put([[30_000, 'ERROR \x1b[2Jcleared\r::error::forged ##[stop-commands]tok \u202Eevil']]);
    const result = await run(logsAbsent, { logGroup: GROUP, pattern: 'ERROR', since: '5m' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('ERROR \\x1b[2Jcleared\\r::error::forged ##\\[stop-commands]tok \\u202eevil');
    expect(result.message).not.toMatch(/[\x1b\r\u202e]|##\[/);
  });

  it('searches only the since window', async () => {
    await put([[20 * 60_000, REDIS_ERROR], [60_000, 'INFO: Health check completed: ok']]);
    expect((await run(logsAbsent, { logGroup: GROUP, pattern: 'Redis connection failed', since: '5m' })).outcome).toBe('pass');
    const wider = await run(logsAbsent, { logGroup: GROUP, pattern: 'Redis connection failed', since: '30m' });
    expect(wider).toMatchObject({ outcome: 'fail', details: { matches: 1 } });
  });

  it('logs-present passes on a match and retries while there is none', async () => {
    await put(INCIDENT);
    const found = await run(logsPresent, { logGroup: GROUP, pattern: '"Health check completed"', since: '5m' });
    expect(found.outcome).toBe('pass');
    expect(found.message).toContain(`${STREAM}: INFO: Health check completed: degraded`);
    const missing = await run(logsPresent, { logGroup: GROUP, pattern: '"Application startup complete"', since: '5m' });
    expect(missing).toMatchObject({ outcome: 'retry', message: expect.stringMatching(/^no event matches .* yet$/) });
  });

  it('fails naming a log group that does not exist', async () => {
    const result = await run(logsAbsent, { logGroup: '/ecs/hokusai-api-typo', pattern: 'ERROR', since: '5m' }).catch((e: { result: unknown }) => e.result);
    expect(result).toMatchObject({ outcome: 'fail', message: 'log group /ecs/hokusai-api-typo does not exist in us-east-1' });
  });

  it('follows nextToken across pages: 12,000 matching events are all counted, 5 kept as evidence', async () => {
    const batch = (from: number) => Array.from({ length: 6_000 }, (_, i) => [120_000 - (from + i) * 5, `${REDIS_ERROR} #${from + i}`] as const);
    await Promise.all([put(batch(0), 'ecs/api/task-a'), put(batch(6_000), 'ecs/api/task-b')]);
    const present = await run(logsPresent, { logGroup: GROUP, pattern: 'Redis connection failed', since: '5m' });
    expect(present).toMatchObject({ outcome: 'pass', details: { pages: 1, matches: 5 } });
    const result = await run(logsAbsent, { logGroup: GROUP, pattern: 'Redis connection failed', since: '5m' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^12000 events match /);
    expect(result.details).toMatchObject({ matches: 12_000, pages: 2 });
    expect((result.details?.evidence as unknown[]).length).toBe(5);
  });

  /** Runs `fn` with SDK clients pointed at `endpoint` (a proxy in front of moto). */
  async function through<T>(endpoint: string, fn: (runThrough: typeof run) => Promise<T>): Promise<T> {
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = endpoint;
    const proxied = new ClientPool({ region: 'us-east-1' });
    try {
      return await fn((check, spec, overrides = {}) => check.run(check.schema.parse(spec), fakeContext({ clients: proxied, ...overrides })));
    } finally {
      await proxied.destroy();
      process.env.AWS_ENDPOINT_URL = saved;
    }
  }

  function answerJson(res: ServerResponse, body: unknown) {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'local-proxy' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  }

  /** Sends the request on to moto with `body` instead of the one the SDK sent (moto does not check signatures). */
  async function forward(req: IncomingMessage, res: ServerResponse, body: string) {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([key]) => !['host', 'content-length', 'connection'].includes(key))) as Record<string, string>;
    const upstream = await fetch(`${moto.endpoint}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/x-amz-json-1.1' });
    res.end(await upstream.text());
  }

  describe('through a local proxy that answers what moto cannot', () => {
    const isFilter = (call: RecordedCall) => call.action === 'FilterLogEvents';

    it.each([
      ['an empty JSON body', '{}', 'events: missing'],
      ['an empty HTTP body', '', 'events: missing'],
      ['a foreign JSON body', '{"status":"ok"}', 'events: missing'],
    ])('%s from the endpoint is an error, never "no event matches"', async (_what, body, problem) => {
      const proxy = await startAwsProxy(moto.endpoint, { intercept: (call, _req, res) => isFilter(call) && (answerJson(res, body), true) });
      try {
        const [absent, present] = await through(proxy.endpoint, (runThrough) =>
          Promise.all([runThrough(logsAbsent, { logGroup: GROUP, pattern: 'ERROR', since: '5m' }), runThrough(logsPresent, { logGroup: GROUP, pattern: 'ERROR', since: '5m' })]),
        );
        for (const result of [absent, present]) {
          expect(result.outcome).toBe('error');
          expect(result.message).toContain(`unexpected response from logs:FilterLogEvents: ${problem}`);
        }
      } finally {
        await proxy.stop();
      }
    });

    /**
     * Answers the first `repeats` FilterLogEvents requests with an empty page carrying the token
     * `pending` (the same token the request sent, from the second on), then forwards the request
     * to moto without the token: a slow first stretch of pages, then the real answer.
     */
    async function emptyPagesFirst(repeats: number) {
      let served = 0;
      return startAwsProxy(moto.endpoint, {
        intercept(call, req, res, body) {
          if (!isFilter(call)) return false;
          if (served < repeats) {
            served += 1;
            answerJson(res, { events: [], nextToken: 'pending', searchedLogStreams: [] });
            return true;
          }
          const { nextToken: _dropped, ...input } = JSON.parse(body) as Record<string, unknown>;
          forward(req, res, JSON.stringify(input)).catch(() => res.destroy());
          return true;
        },
      });
    }

    it('empty pages with the same nextToken do not end the scan: the match after them fails logs-absent (it passed before)', async () => {
      await put(INCIDENT);
      const proxy = await emptyPagesFirst(4);
      try {
        const result = await through(proxy.endpoint, (runThrough) => runThrough(logsAbsent, { logGroup: GROUP, pattern: 'Redis connection failed', since: '5m' }));
        expect(result).toMatchObject({ outcome: 'fail', details: { matches: 2, pages: 5, emptyPages: 4, complete: true } });
        expect(proxy.calls.filter(isFilter)).toHaveLength(5);
      } finally {
        await proxy.stop();
      }
    });

    it('the healthy path still passes through the same proxy', async () => {
      await put(INCIDENT);
      const proxy = await emptyPagesFirst(3);
      try {
        const result = await through(proxy.endpoint, (runThrough) => runThrough(logsAbsent, { logGroup: GROUP, pattern: 'HuggingFace token not configured', since: '5m' }));
        expect(result).toMatchObject({ outcome: 'pass', details: { matches: 0, pages: 4, complete: true } });
      } finally {
        await proxy.stop();
      }
    });

    it('a token repeated forever ends as an incomplete scan within the attempt, never a pass', async () => {
      await put(INCIDENT);
      const proxy = await emptyPagesFirst(Number.POSITIVE_INFINITY);
      try {
        const started = performance.now();
        const result = await through(proxy.endpoint, (runThrough) =>
          runThrough(logsAbsent, { logGroup: GROUP, pattern: 'HuggingFace token not configured', since: '5m' }, { timeoutMs: 1_500 }),
        );
        expect(performance.now() - started).toBeLessThan(1_500);
        expect(result.outcome).toBe('retry');
        expect(result.message).toMatch(/^scan incomplete after \d+ pages \((pages stop at|page \d+ got no answer before) 80% \(1\.2s\) of the 1\.5s attempt timeout; the last \d+ pages came back empty with the token they were asked for\)/);
      } finally {
        await proxy.stop();
      }
    });
  });

  describe('throttled FilterLogEvents (fault-injecting proxy)', () => {
    // The clients do not retry throttling inside an attempt (checks/support/aws.ts): the first
    // throttled answer ends the attempt as a retry that says so, and the runner backs off.
    it('a throttled answer ends the attempt as a retry that says so, after one request', async () => {
      await put(INCIDENT);
      const proxy = await startFaultProxy(moto.endpoint);
      try {
        proxy.failNext(2, { code: 'ThrottlingException', message: 'Rate exceeded' }, 'FilterLogEvents');
        const result = await through(proxy.endpoint, (runThrough) => runThrough(logsAbsent, { logGroup: GROUP, pattern: 'HuggingFace token not configured', since: '5m' }));
        expect(result).toMatchObject({ outcome: 'retry', message: expect.stringContaining('AWS throttled logs:FilterLogEvents'), details: { throttled: 1, pages: 0 } });
        expect(proxy.count('FilterLogEvents')).toBe(1);
      } finally {
        await proxy.stop();
      }
    });

    it.each([logsAbsent, logsPresent])('throttling that eats the attempt says so (%#), not "no answer"', async (check) => {
      await put(INCIDENT);
      const proxy = await startFaultProxy(moto.endpoint);
      try {
        proxy.failNext(1_000, { code: 'ThrottlingException', message: 'Rate exceeded' }, 'FilterLogEvents');
        const result = await through(proxy.endpoint, (runThrough) => runThrough(check, { logGroup: GROUP, pattern: 'HuggingFace', since: '5m' }, { timeoutMs: 1_000 }));
        expect(result.outcome).toBe('retry');
        expect(result.message).toMatch(/throttled logs:FilterLogEvents/);
      } finally {
        await proxy.stop();
      }
    });
  });
});
