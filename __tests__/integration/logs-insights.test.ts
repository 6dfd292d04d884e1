/**
 * The Logs Insights engine of logs-absent / logs-present against moto, whose Insights engine the
 * project's scripts/moto/ext_logs.py extends with `filter`, `stats count(*)` and recordsScanned:
 * 100,000 events counted exactly server-side, translated terms / phrases / alternatives, and the
 * evidence query returning the newest matches.
 */
import { it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { logsAbsent } from '../../checks/logs-absent.js';
import { logsPresent } from '../../checks/logs-present.js';
import type { CheckType } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';
import { useClientPool } from '../support/clients.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const suite = requireTool('moto', 'Logs Insights integration tests');
const GROUP = '/ecs/insights-api';
const STREAM = 'ecs/api/3f9c2b7e';

suite('Logs Insights engine against moto', () => {
  useMoto({ resetBetweenTests: true });
  const aws = useClientPool();
  let cwl: CloudWatchLogsClient;

  beforeAll(() => {
    cwl = new CloudWatchLogsClient({});
  });
  afterAll(() => {
    cwl?.destroy();
  });
  beforeEach(async () => {
    await cwl.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await cwl.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: STREAM }));
  });

  const run = (check: CheckType, spec: Record<string, unknown>) => check.run(check.schema.parse(spec), fakeContext({ clients: aws.pool, timeoutMs: 60_000 }));

  /** Puts `messages` one millisecond apart, ending a second ago, in batches of 10,000. */
  async function put(messages: (i: number) => string, total: number) {
    const end = Date.now() - 1_000;
    for (let from = 0; from < total; from += 10_000) {
      const logEvents = Array.from({ length: Math.min(10_000, total - from) }, (_, k) => ({ timestamp: end - total + from + k, message: messages(from + k) }));
      await cwl.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents }));
    }
  }

  it('counts 100,000 matching events exactly among 110,000, with recordsScanned', async () => {
    await put((i) => (i % 11 === 10 ? `INFO: request ${i} ok` : `ERROR: Redis connection failed (${i})`), 110_000);
    const result = await run(logsAbsent, { logGroup: GROUP, pattern: 'Redis connection failed', since: '10m', engine: 'insights', maxEvidence: 3 });
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^100000 events match "Redis connection failed"/);
    expect(result.details).toMatchObject({ engine: 'insights', matches: 100_000, recordsScanned: 110_000, complete: true });
    // The evidence query returns the newest matches first: event 109,999 is INFO, 109,998 the last ERROR.
    expect((result.details as { evidence: Array<{ message: string }> }).evidence.map((e) => e.message)).toEqual([
      'ERROR: Redis connection failed (109998)',
      'ERROR: Redis connection failed (109997)',
      'ERROR: Redis connection failed (109996)',
    ]);
  }, 180_000);

  it.each([
    ['terms (all must match)', 'Redis failed', 1],
    ['a quoted phrase', '"connection failed"', 1],
    ['alternatives', '?FATAL ?"disk full"', 2],
    ['a regex metacharacter taken literally', '"a.b"', 0],
  ])('translates %s: %s → %d', async (_label, pattern, expected) => {
    await put((i) => ['ERROR: Redis connection failed', 'FATAL: out of memory', 'WARN: disk full', 'INFO: axb'][i] ?? '', 4);
    const result = await run(logsAbsent, { logGroup: GROUP, pattern, since: '5m', engine: 'insights' });
    expect(result.details).toMatchObject({ engine: 'insights', matches: expected, recordsScanned: 4 });
    expect(result.outcome).toBe(expected === 0 ? 'pass' : 'fail');
  });

  it('auto uses Insights for a window over 1 hour; logs-present passes on its evidence', async () => {
    await put(() => 'INFO: Application startup complete', 1);
    const result = await run(logsPresent, { logGroup: GROUP, pattern: '"Application startup complete"', since: '2h' });
    expect(result.outcome).toBe('pass');
    expect(result.details).toMatchObject({ engine: 'insights', engineReason: 'the window is over 1 hour', matches: 1 });
  });
});
