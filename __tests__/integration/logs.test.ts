/**
 * logs-absent / logs-present against moto's CloudWatch Logs: the incident's log lines, plain-word
 * and quoted patterns (the only ones moto evaluates: any other syntax matches every event there,
 * so those semantics are unit-tested with mocks), the since window, and nextToken pagination.
 * moto ignores logStreamNamePrefix in FilterLogEvents, so logStreamPrefix is unit-tested only.
 */
import { it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { logsAbsent } from '../../checks/logs-absent.js';
import { logsPresent } from '../../checks/logs-present.js';
import type { CheckType } from '../../checks/types.js';
import { ClientPool } from '../../runner/clients.js';
import { fakeContext } from '../support/context.js';
import { describeWithMoto, startMoto, useMotoEnv, type Moto } from '../support/moto.js';

const suite = describeWithMoto('logs-absent/logs-present integration tests');

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
  let moto: Moto;
  let restoreEnv: () => void;
  let cwl: CloudWatchLogsClient;
  let pool: ClientPool;

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useMotoEnv(moto);
    cwl = new CloudWatchLogsClient({});
  });
  afterAll(async () => {
    cwl?.destroy();
    await pool?.destroy();
    restoreEnv?.();
    await moto?.stop();
  });
  beforeEach(async () => {
    await pool?.destroy();
    pool = new ClientPool({ region: 'us-east-1' });
    await moto.reset();
    await cwl.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  });

  const run = (check: CheckType, spec: Record<string, unknown>) => check.run(check.schema.parse(spec), fakeContext({ clients: pool }));

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
    expect(result.message).toMatch(new RegExp(`^${count} events? match(es)? .* in ${GROUP} since \\d\\d:\\d\\d:\\d\\dZ; first: \\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${STREAM}: ${REDIS_ERROR}$`));
    expect(result.details).toMatchObject({ matches: count, evidence: expect.arrayContaining([expect.objectContaining({ logStream: STREAM, message: REDIS_ERROR })]) });
  });

  it('logs-absent passes when nothing matches', async () => {
    await put(INCIDENT);
    const result = await run(logsAbsent, { logGroup: GROUP, pattern: 'HuggingFace token not configured', since: '5m' });
    expect(result).toMatchObject({ outcome: 'pass', details: { matches: 0, pages: 1 } });
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
    expect(result).toMatchObject({ outcome: 'fail', message: 'log group /ecs/hokusai-api-typo does not exist' });
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
});
