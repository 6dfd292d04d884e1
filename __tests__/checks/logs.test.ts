import { describe, it, expect, jest, beforeEach, afterEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent, type FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { logsAbsent } from '../../checks/logs-absent.js';
import { logsPresent } from '../../checks/logs-present.js';
import { AttemptResultError, type AttemptResult, type CheckType, type FailureView } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';
import { describeSearch, windowStart } from '../../checks/support/logs.js';
import { ClientPool } from '../../runner/clients.js';

const logs = mockClient(CloudWatchLogsClient);
const ecs = mockClient(ECSClient);

const GROUP = '/ecs/hokusai-api-development';
const NOW = Date.parse('2025-10-07T14:13:41.000Z');
const REDIS_ERROR = 'ERROR: Redis connection failed: Timeout connecting to server';

function event(at: string, message: string, logStreamName = 'ecs/api/abc123'): FilteredLogEvent {
  return { timestamp: Date.parse(`2025-10-07T${at}Z`), message, logStreamName, eventId: at };
}

/** Serves FilterLogEvents pages keyed by the request's nextToken ('' for the first page). */
function givenPages(pages: Record<string, { events: FilteredLogEvent[]; nextToken?: string }>) {
  logs.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => {
    const page = pages[input.nextToken ?? ''];
    if (!page) throw new Error(`unexpected nextToken ${input.nextToken}`);
    return page;
  });
}

const filterInputs = () => logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);

async function runCheck(check: CheckType, spec: Record<string, unknown>, ctx = fakeContext()) {
  return check.run(check.schema.parse(spec), ctx);
}

async function attemptError(promise: Promise<unknown>) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AttemptResultError);
  return (error as AttemptResultError).result;
}

beforeEach(() => {
  logs.reset();
  ecs.reset();
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('logs schema', () => {
  it.each([
    [{ logGroup: GROUP, pattern: 'x', since: '5m' }],
    [{ cluster: 'c', service: 's', pattern: 'x', sinceDeployment: true }],
    [{ cluster: 'c', service: 's', container: 'api', pattern: 'x', since: '1h' }],
    [{ logGroup: GROUP, cluster: 'c', service: 's', pattern: 'x', sinceDeployment: true }],
    [{ cluster: 'c', service: 's', pattern: 'x', since: '5m', sinceDeployment: true }],
  ])('accepts %j', (spec) => {
    expect(logsAbsent.schema.safeParse(spec).success).toBe(true);
  });

  it.each([
    [{ pattern: 'x', since: '5m' }, 'set logGroup, or cluster + service'],
    [{ logGroup: GROUP, pattern: 'x' }, 'set a time window: since (e.g. "5m"), sinceDeployment: true, or both (the later start wins)'],
    [{ logGroup: GROUP, pattern: 'x', since: '5m', sinceDeployment: true }, 'sinceDeployment needs cluster + service'],
    [{ logGroup: GROUP, pattern: 'x', sinceDeployment: true }, 'sinceDeployment needs cluster + service'],
    [{ logGroup: GROUP, container: 'api', pattern: 'x', since: '5m' }, 'container selects the awslogs-group of a cluster + service'],
    [{ cluster: 'c', pattern: 'x', since: '5m' }, 'cluster and service go together'],
    [{ logGroup: GROUP, pattern: 'x', since: 'five minutes' }, 'expected a duration like "500ms", "15s" or "2m", got "five minutes"'],
    [{ logGroup: GROUP, pattern: '', since: '5m' }, 'Too small'],
    [{ logGroup: GROUP, pattern: 'x', since: '5m', maxEvidence: 0 }, 'expected number to be >=1'],
    [{ logGroup: GROUP, filter: 'x', since: '5m' }, 'filter'],
  ])('rejects %j', (spec, message) => {
    const result = logsPresent.schema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('\n')).toContain(message);
  });

  it('defaults maxEvidence to 5', () => {
    expect(logsAbsent.schema.parse({ logGroup: GROUP, pattern: 'x', since: '5m' })).toMatchObject({ maxEvidence: 5, since: 300_000 });
  });
});

describe('windowStart', () => {
  const now = 1_000_000;
  it.each([
    ['since only', 300_000, undefined, now - 300_000],
    ['deployment only', undefined, now - 60_000, now - 60_000],
    ['both, deployment older than the cap: the cap', 300_000, now - 900_000, now - 300_000],
    ['both, deployment newer than the cap: the deployment', 300_000, now - 60_000, now - 60_000],
    ['both, deployment exactly at the cap', 300_000, now - 300_000, now - 300_000],
  ])('%s', (_, since, deployedAt, start) => {
    expect(windowStart(now, since, deployedAt)).toBe(start);
  });

  it('throws without either (the schema requires one)', () => {
    expect(() => windowStart(now, undefined, undefined)).toThrow('neither since nor a deployment start');
  });
});

describe('logs-absent', () => {
  const spec = { logGroup: GROUP, pattern: 'Redis connection failed', since: '5m' };

  it('passes when nothing matches, searching the window up to now', async () => {
    givenPages({ '': { events: [] } });
    const result = await runCheck(logsAbsent, spec);
    expect(result.outcome).toBe('pass');
    expect(result.message).toBe(`no event matches "Redis connection failed" in ${GROUP} since 14:08:41Z`);
    expect(filterInputs()).toEqual([{ logGroupName: GROUP, filterPattern: 'Redis connection failed', startTime: NOW - 300_000, endTime: NOW }]);
  });

  it('fails listing the first matches with timestamps and streams, and the total count', async () => {
    givenPages({
      '': { events: [event('14:10:43.692', REDIS_ERROR), event('14:10:43.692', 'ERROR: Redis health check failed: Redis connection failed', 'ecs/api/def456')], nextToken: 't1' },
      t1: { events: [event('14:11:13.700', REDIS_ERROR)] },
    });
    const result = await runCheck(logsAbsent, spec);
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(`3 events match "Redis connection failed" in ${GROUP} since 14:08:41Z; first: 14:10:43.692Z ecs/api/abc123: ${REDIS_ERROR}`);
    expect(result.details).toMatchObject({
      matches: 3,
      evidence: [
        { timestamp: '2025-10-07T14:10:43.692Z', logStream: 'ecs/api/abc123', message: REDIS_ERROR },
        { timestamp: '2025-10-07T14:10:43.692Z', logStream: 'ecs/api/def456', message: 'ERROR: Redis health check failed: Redis connection failed' },
        { timestamp: '2025-10-07T14:11:13.700Z', logStream: 'ecs/api/abc123', message: REDIS_ERROR },
      ],
    });
    expect(result.observations?.[0]).toMatchObject({ expected: '0', actual: '3', ok: false });
    expect(result.facts).toMatchObject({ logMatches: 3, logGroup: GROUP });
    expect(result.nextSteps?.[0]).toBe(`aws logs tail ${GROUP} --since 5m --filter-pattern 'Redis connection failed'`);
  });

  it('keeps only maxEvidence events but counts every match', async () => {
    const many = Array.from({ length: 4 }, (_, i) => event(`14:1${i}:00.000`, `${REDIS_ERROR} #${i}`));
    givenPages({ '': { events: many, nextToken: 't1' }, t1: { events: many } });
    const result = await runCheck(logsAbsent, { ...spec, maxEvidence: 2 });
    expect(result.details).toMatchObject({ matches: 8 });
    expect((result.details?.evidence as unknown[]).length).toBe(2);
    expect(result.observations).toHaveLength(1 + 2);
    expect(result.message).toMatch(/^8 events match /);
  });

  it('shows an already quoted pattern as it is, not escaped again', async () => {
    expect(describeSearch({ pattern: '"Redis connection failed"', logGroup: GROUP, startTime: 0, endTime: 1000 } as never)).toMatch(/^"Redis connection failed" in /);
  });

  it('says "1 event matches" for a single match', async () => {
    givenPages({ '': { events: [event('14:10:43.692', REDIS_ERROR)] } });
    const result = await runCheck(logsAbsent, spec);
    expect(result.message).toMatch(/^1 event matches "Redis connection failed"/);
  });

  it('flattens multi-line events and cuts long ones in the evidence', async () => {
    givenPages({ '': { events: [event('14:12:00.000', `Traceback (most recent call last):\n  File "app.py"\n${'x'.repeat(400)}`)] } });
    const result = await runCheck(logsAbsent, spec);
    const [evidence] = result.details?.evidence as Array<{ message: string }>;
    expect(evidence?.message).toMatch(/^Traceback \(most recent call last\): File "app\.py" x+…$/);
    expect(evidence?.message).toHaveLength(301);
    expect(result.message).not.toContain('\n');
  });

  it('follows nextToken through empty pages to the end, with the abort signal on every page', async () => {
    givenPages({
      '': { events: [], nextToken: 't1' },
      t1: { events: [], nextToken: 't2' },
      t2: { events: [event('14:12:00.000', REDIS_ERROR)], nextToken: 't3' },
      t3: { events: [], nextToken: 't4' },
      t4: { events: [event('14:13:00.000', REDIS_ERROR)] },
    });
    const attempt = new AbortController();
    const ctx = fakeContext({ signal: attempt.signal });
    const result = await runCheck(logsAbsent, spec, ctx);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(5);
    expect(filterInputs().map((input) => input.nextToken)).toEqual([undefined, 't1', 't2', 't3', 't4']);
    const signals = logs.commandCalls(FilterLogEventsCommand).map((call) => ((call.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal);
    expect(signals).toHaveLength(5);
    // Each page's signal also ends at the scan's deadline, and follows the attempt's.
    for (const signal of signals) expect(signal?.aborted).toBe(false);
    attempt.abort();
    for (const signal of signals) expect(signal?.aborted).toBe(true);
    expect(result).toMatchObject({ outcome: 'fail', details: { matches: 2, pages: 5, emptyPages: 3, complete: true } });
  });

  it('stops at maxPages and says the scan was incomplete (a retry, not a pass)', async () => {
    givenPages({ '': { events: [], nextToken: 't1' }, t1: { events: [], nextToken: 't2' }, t2: { events: [], nextToken: 't3' } });
    const result = await runCheck(logsAbsent, { ...spec, maxPages: 3 });
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(3);
    expect(result).toMatchObject({ outcome: 'retry', details: { cut: 'maxPages (3) reached', complete: false, pages: 3 } });
    expect(result.message).toBe(
      `scan incomplete after 3 pages (maxPages (3) reached): no event matches "Redis connection failed" in ${GROUP} since 14:08:41Z in the pages read, so absence is not proven; narrow since, set logStreamPrefix or raise maxPages`,
    );
    expect(result.observations?.[0]).toMatchObject({ actual: 'at least 0', ok: false });
    expect(result.facts).toMatchObject({ logMatches: 0, logScanComplete: false });
  });

  it('a cut scan with matches still fails, as "at least N"', async () => {
    givenPages({ '': { events: [event('14:12:00.000', REDIS_ERROR)], nextToken: 't1' }, t1: { events: [], nextToken: 't2' } });
    const result = await runCheck(logsAbsent, { ...spec, maxPages: 2 });
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^at least 1 event matches /);
  });

  it('stops paginating before the attempt timeout runs out', async () => {
    let clock = NOW;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    logs.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => {
      clock += 3_000; // each page "takes" 3 s of a 10 s attempt
      return { events: [], nextToken: `${input.nextToken ?? ''}x` };
    });
    const result = await runCheck(logsAbsent, spec, fakeContext({ timeoutMs: 10_000 }));
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(3);
    expect(result).toMatchObject({ outcome: 'retry', details: { cut: 'pages stop at 80% (8s) of the 10s attempt timeout', complete: false } });
    expect(result.message).toMatch(/^scan incomplete after 3 pages \(pages stop at 80% \(8s\) of the 10s attempt timeout\)/);
  });

  it.each([
    ['?ERROR ?FATAL'],
    ['{ $.level = "ERROR" }'],
    ['"Redis connection failed"'],
    ['ERROR -HealthCheck'],
    ['[ip, user, status = 5*]'],
  ])('passes the pattern %s verbatim to FilterLogEvents', async (pattern) => {
    givenPages({ '': { events: [] } });
    await runCheck(logsAbsent, { ...spec, pattern });
    expect(filterInputs()[0]?.filterPattern).toBe(pattern);
  });

  it('passes logStreamPrefix as logStreamNamePrefix and in the next steps', async () => {
    givenPages({ '': { events: [event('14:12:00.000', REDIS_ERROR)] } });
    const result = await runCheck(logsAbsent, { ...spec, logStreamPrefix: 'ecs/api/' });
    expect(filterInputs()[0]).toMatchObject({ logStreamNamePrefix: 'ecs/api/' });
    expect(result.nextSteps?.[0]).toBe(`aws logs tail ${GROUP} --since 5m --log-stream-name-prefix ecs/api/ --filter-pattern 'Redis connection failed'`);
  });

  it('quotes a pattern with quotes safely for the shell', async () => {
    givenPages({ '': { events: [event('14:12:00.000', "can't connect")] } });
    const result = await runCheck(logsAbsent, { ...spec, pattern: `"can't connect"` });
    expect(result.nextSteps?.[0]).toBe(`aws logs tail ${GROUP} --since 5m --filter-pattern '"can'\\''t connect"'`);
  });

  it('takes "now" afresh at each attempt', async () => {
    givenPages({ '': { events: [] } });
    await runCheck(logsAbsent, spec);
    jest.spyOn(Date, 'now').mockReturnValue(NOW + 10_000);
    await runCheck(logsAbsent, spec);
    expect(filterInputs().map((input) => [input.startTime, input.endTime])).toEqual([
      [NOW - 300_000, NOW],
      [NOW - 290_000, NOW + 10_000],
    ]);
  });

  it('fails naming a log group that does not exist', async () => {
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException' }));
    const result = await attemptError(runCheck(logsAbsent, spec));
    expect(result).toMatchObject({ outcome: 'fail', message: `log group ${GROUP} does not exist in us-east-1` });
    expect(result.nextSteps).toEqual([`aws logs describe-log-groups --region us-east-1 --log-group-name-prefix /ecs/ --query 'logGroups[*].logGroupName'`]);
  });

  it('AccessDenied → error naming logs:FilterLogEvents', async () => {
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('not authorized to perform: logs:FilterLogEvents'), { name: 'AccessDeniedException' }));
    const result = await runCheck(logsAbsent, spec);
    expect(result.outcome).toBe('error');
    expect(result.retryable).toBeFalsy();
    expect(result.message).toContain('AccessDenied: logs:FilterLogEvents is not allowed');
  });

  it('throttling → retry', async () => {
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const result = await runCheck(logsAbsent, spec);
    expect(result).toMatchObject({ outcome: 'retry', message: expect.stringContaining('AWS throttled logs:FilterLogEvents (ThrottlingException)') });
  });
});

describe('cluster + service', () => {
  const cluster = 'hokusai-development';
  const service = 'hokusai-api-development';
  const PRIMARY_CREATED = new Date('2025-10-07T14:05:00.000Z');

  function givenService() {
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: service,
          status: 'ACTIVE',
          desiredCount: 1,
          runningCount: 1,
          taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api:150',
          deployments: [
            { id: 'ecs-svc/150', status: 'ACTIVE', createdAt: new Date('2025-10-06T09:00:00.000Z'), taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api:150' },
            { id: 'ecs-svc/151', status: 'PRIMARY', createdAt: PRIMARY_CREATED, taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api:151' },
          ],
        },
      ],
      failures: [],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api:151',
        family: 'hokusai-api',
        revision: 151,
        containerDefinitions: [
          { name: 'sidecar', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/sidecar' } } },
          { name: 'api', logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': GROUP } } },
        ],
      },
    });
  }

  it('sinceDeployment starts the window at the PRIMARY deployment createdAt, in the container\'s log group', async () => {
    givenService();
    givenPages({ '': { events: [] } });
    const result = await runCheck(logsAbsent, { cluster, service, container: 'api', pattern: 'Redis connection failed', sinceDeployment: true });
    expect(result.outcome).toBe('pass');
    expect(filterInputs()[0]).toMatchObject({ logGroupName: GROUP, startTime: PRIMARY_CREATED.getTime(), endTime: NOW });
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]?.args[0].input).toEqual({ taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api:151' });
    expect(result.message).toBe(`no event matches "Redis connection failed" in ${GROUP} since 14:05:00Z`);
  });

  // PRIMARY_CREATED is 14:05:00, NOW 14:13:41: the deployment is 8m41s old.
  it.each([
    ['older than the cap: the last 5m only', '5m', NOW - 300_000, '14:08:41Z', 'at most the last 5m'],
    ['newer than the cap: since the deployment', '15m', PRIMARY_CREATED.getTime(), '14:05:00Z', 'at most the last 15m'],
  ])('since + sinceDeployment, deployment %s', async (_, since, startTime, shown, described) => {
    givenService();
    givenPages({ '': { events: [event('14:10:43.692', REDIS_ERROR)] } });
    const spec = logsAbsent.schema.parse({ cluster, service, container: 'api', pattern: 'Redis connection failed', since, sinceDeployment: true });
    const result = await logsAbsent.run(spec, fakeContext());
    expect(filterInputs()[0]).toMatchObject({ logGroupName: GROUP, startTime, endTime: NOW });
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    expect(result.message).toContain(`since ${shown}; first:`);
    // The tail starts where the window did, not `since` back.
    expect(result.nextSteps?.[0]).toBe(`aws logs tail ${GROUP} --since ${new Date(startTime).toISOString()} --filter-pattern 'Redis connection failed'`);
    expect(logsAbsent.describe(spec)).toContain(`since the PRIMARY deployment started, ${described} before each attempt`);
  });

  it('uses the first awslogs group without container, and since as given', async () => {
    givenService();
    givenPages({ '': { events: [] } });
    await runCheck(logsAbsent, { cluster, service, pattern: 'x', since: '2m' });
    expect(filterInputs()[0]).toMatchObject({ logGroupName: '/ecs/sidecar', startTime: NOW - 120_000 });
  });

  it('the next step tails from the deployment time', async () => {
    givenService();
    givenPages({ '': { events: [event('14:10:43.692', REDIS_ERROR)] } });
    const result = await runCheck(logsAbsent, { cluster, service, container: 'api', pattern: 'Redis connection failed', sinceDeployment: true });
    expect(result.nextSteps?.[0]).toBe(`aws logs tail ${GROUP} --since 2025-10-07T14:05:00.000Z --filter-pattern 'Redis connection failed'`);
  });

  it('a missing log group from the task definition is named with its source', async () => {
    givenService();
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException' }));
    const result = await attemptError(runCheck(logsAbsent, { cluster, service, container: 'api', pattern: 'x', since: '5m' }));
    expect(result).toMatchObject({ outcome: 'fail', message: `log group ${GROUP} (awslogs-group of ECS service ${service}) does not exist in us-east-1` });
  });

  it('sinceDeployment without a PRIMARY deployment cannot be evaluated', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: service, status: 'ACTIVE', desiredCount: 1, runningCount: 1, deployments: [] }], failures: [] });
    const result = await attemptError(runCheck(logsPresent, { logGroup: GROUP, cluster, service, pattern: 'x', sinceDeployment: true }));
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('has no PRIMARY deployment');
    expect(logs.calls()).toHaveLength(0);
  });
});

describe('logs-present', () => {
  const spec = { logGroup: GROUP, pattern: '"Application startup complete"', since: '10m' };

  it('passes on the first match and stops paginating at once', async () => {
    givenPages({
      '': { events: [], nextToken: 't1' },
      t1: { events: [event('14:06:02.100', 'INFO: Application startup complete.')], nextToken: 't2' },
      t2: { events: [event('14:07:00.000', 'never read')] },
    });
    const result = await runCheck(logsPresent, spec);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(2);
    expect(filterInputs().map((input) => input.limit)).toEqual([5, 5]);
    expect(result.outcome).toBe('pass');
    expect(result.message).toBe(`found "Application startup complete" in ${GROUP} since 14:03:41Z: 14:06:02.100Z ecs/api/abc123: INFO: Application startup complete.`);
    expect(result.facts).toMatchObject({ logMatched: true });
    expect(result.details).toMatchObject({ complete: false, pages: 2 });
    expect(result.details).not.toHaveProperty('cut');
  });

  it('retries while no event matches yet', async () => {
    givenPages({ '': { events: [], nextToken: 't1' }, t1: { events: [] } });
    const result = await runCheck(logsPresent, spec);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(2);
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(`no event matches "Application startup complete" in ${GROUP} since 14:03:41Z yet`);
    expect(result.nextSteps?.[0]).toBe(`aws logs tail ${GROUP} --since 10m --filter-pattern '"Application startup complete"'`);
  });

  it('an incomplete scan without a match is a retry that says so', async () => {
    givenPages({ '': { events: [], nextToken: 't1' }, t1: { events: [], nextToken: 't2' } });
    const result = await runCheck(logsPresent, { ...spec, maxPages: 2 });
    expect(result).toMatchObject({ outcome: 'retry', details: { complete: false, cut: 'maxPages (2) reached' } });
    expect(result.message).toBe(
      `scan incomplete after 2 pages (maxPages (2) reached): no event matches "Application startup complete" in ${GROUP} since 14:03:41Z in the pages read; narrow since, set logStreamPrefix or raise maxPages`,
    );
  });
});

const bothChecks = [
  ['logs-absent', logsAbsent],
  ['logs-present', logsPresent],
] as const;
const bothSpec = { logGroup: GROUP, pattern: 'Redis connection failed', since: '5m' };

describe('a response that is not from the API is an error, never a verdict', () => {
  const malformed: Array<[string, unknown, string]> = [
    ['an empty body', {}, 'events: missing'],
    ['null events', { events: null }, 'events: missing'],
    ['events not a list', { events: 'none' }, 'events: expected array, got string'],
    ['an event without a message', { events: [{ timestamp: NOW, logStreamName: 's' }] }, 'events[0].message: missing'],
    ['an event without a timestamp', { events: [{ message: REDIS_ERROR, logStreamName: 's' }] }, 'events[0].timestamp: missing'],
    ['an event without a stream', { events: [{ message: REDIS_ERROR, timestamp: NOW }] }, 'events[0].logStreamName: missing'],
    ['an empty body with a nextToken', { nextToken: 't1' }, 'events: missing'],
  ];
  const cases = bothChecks.flatMap(([name, check]) => malformed.map(([what, body, problem]) => [name, what, check, body, problem] as const));

  it.each(cases)('%s: %s on the first page', async (_name, _what, check, body, problem) => {
    logs.on(FilterLogEventsCommand).resolves(body as never);
    const result = await runCheck(check, bothSpec);
    expect(result.outcome).toBe('error');
    expect(result.retryable).toBeFalsy();
    expect(result.message).toContain(`unexpected response from logs:FilterLogEvents: ${problem}`);
  });

  it.each(bothChecks)('%s: a malformed later page ends the scan with that error, not "no event matches"', async (_name, check) => {
    givenPages({ '': { events: [], nextToken: 't1' }, t1: {} as never });
    const result = await runCheck(check, bothSpec);
    expect(result).toMatchObject({ outcome: 'error', details: { pages: 1, complete: false } });
    expect(result.message).toMatch(/^scan incomplete after 1 page: unexpected response from logs:FilterLogEvents: events: missing/);
  });
});

describe('empty pages and repeated tokens never end the scan early', () => {
  /** Answers page by page from a script (same token repeated as the real false green did). */
  function givenScript(pages: Array<{ events: FilteredLogEvent[]; nextToken?: string }>, tick = 0) {
    let i = 0;
    logs.on(FilterLogEventsCommand).callsFake(() => {
      const page = pages[Math.min(i, pages.length - 1)]!;
      i += 1;
      if (tick) jest.spyOn(Date, 'now').mockReturnValue(NOW + i * tick);
      return page;
    });
  }

  it('keeps paging through the same token until the service ends, then finds the match (the old scan passed after 2 pages)', async () => {
    givenScript([
      { events: [], nextToken: 't1' },
      { events: [], nextToken: 't1' },
      { events: [], nextToken: 't1' },
      { events: [event('14:12:00.000', REDIS_ERROR)] },
    ]);
    const result = await runCheck(logsAbsent, bothSpec);
    expect(filterInputs().map((input) => input.nextToken)).toEqual([undefined, 't1', 't1', 't1']);
    expect(result).toMatchObject({ outcome: 'fail', details: { pages: 4, matches: 1, complete: true } });
  });

  it('passes only once the service stops sending a token', async () => {
    givenScript([{ events: [], nextToken: 't1' }, { events: [], nextToken: 't1' }, { events: [] }]);
    const result = await runCheck(logsAbsent, bothSpec);
    expect(result).toMatchObject({ outcome: 'pass', details: { pages: 3, complete: true, emptyPages: 2 } });
  });

  it.each(bothChecks)('%s: a server that repeats the token forever is bounded by the attempt time, and the result says the scan was incomplete', async (_name, check) => {
    givenScript([{ events: [], nextToken: 'same' }], 3_000);
    const result = await runCheck(check, { ...bothSpec, maxPages: 1000 }, fakeContext({ timeoutMs: 10_000 }));
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(3);
    expect(result.outcome).toBe('retry');
    expect(result.message).toMatch(/^scan incomplete after 3 pages \(pages stop at 80% \(8s\) of the 10s attempt timeout; the last 2 pages came back empty with the token they were asked for\): no event matches/);
    expect(result.message).toMatch(/the endpoint kept answering empty pages with the same nextToken: check AWS_ENDPOINT_URL and any proxy, or retry later$/);
    expect(result.details).toMatchObject({ complete: false, emptyPages: 3, pages: 3 });
  });

  it('a repeated token with events stops (paging on would count them twice) and still fails on them', async () => {
    givenScript([{ events: [event('14:12:00.000', REDIS_ERROR)], nextToken: 't1' }, { events: [event('14:12:00.000', REDIS_ERROR)], nextToken: 't1' }]);
    const result = await runCheck(logsAbsent, bothSpec);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(2);
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^at least 2 events match /);
    expect(result.details?.cut).toContain('returned the token it was asked for with events');
  });

  it('a page that never answers ends the scan at its deadline (before the attempt timeout), incomplete', async () => {
    logs.on(FilterLogEventsCommand).callsFake(() => new Promise(() => {}));
    const started = performance.now();
    const result = await runCheck(logsAbsent, bothSpec, fakeContext({ timeoutMs: 250 }));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(
      `scan incomplete after 0 pages (page 1 got no answer before 80% (200ms) of the 250ms attempt timeout): "Redis connection failed" in ${GROUP} since 14:08:41Z was not searched, so absence is not proven; narrow since, set logStreamPrefix or give the check a longer timeout`,
    );
  });

  it('logs-present passes on an early match even when the rest could not be read', async () => {
    let calls = 0;
    logs.on(FilterLogEventsCommand).callsFake(() => {
      calls += 1;
      return calls === 1 ? { events: [event('14:06:02.100', 'INFO: Application startup complete.')], nextToken: 't1' } : new Promise(() => {});
    });
    const result = await runCheck(logsPresent, { ...bothSpec, pattern: 'startup' });
    expect(calls).toBe(1);
    expect(result.outcome).toBe('pass');
  });
});

describe('each FilterLogEvents error, transient or definitive (docs/checks/logs-absent.md)', () => {
  const awsError = (name: string, status: number, message = `${name} from the service`) =>
    Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
  const networkError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED', name: 'Error' });

  const table: Array<[string, unknown, { outcome: AttemptResult['outcome']; retryable: boolean }, string]> = [
    ['InvalidParameterException (bad pattern/window): definitive', awsError('InvalidParameterException', 400, 'Invalid filter pattern'), { outcome: 'error', retryable: false }, 'check the filter pattern'],
    ['ServiceUnavailableException (HTTP 500): transient', awsError('ServiceUnavailableException', 500), { outcome: 'error', retryable: true }, 'ServiceUnavailableException'],
    ['ServiceUnavailableException (any status): transient', awsError('ServiceUnavailableException', 400), { outcome: 'error', retryable: true }, 'ServiceUnavailableException'],
    ['ThrottlingException: transient, says throttled', awsError('ThrottlingException', 400, 'Rate exceeded'), { outcome: 'retry', retryable: false }, 'AWS throttled logs:FilterLogEvents (ThrottlingException)'],
    ['LimitExceededException: transient, says throttled', awsError('LimitExceededException', 400), { outcome: 'retry', retryable: false }, 'AWS throttled logs:FilterLogEvents (LimitExceededException)'],
    ['HTTP 429: transient, says throttled', awsError('TooManyRequests', 429), { outcome: 'retry', retryable: false }, 'AWS throttled logs:FilterLogEvents'],
    ['AccessDeniedException: definitive', awsError('AccessDeniedException', 400), { outcome: 'error', retryable: false }, 'AccessDenied: logs:FilterLogEvents is not allowed'],
    ['UnrecognizedClientException (credentials): definitive', awsError('UnrecognizedClientException', 400), { outcome: 'error', retryable: false }, 'credentials are missing, expired or invalid'],
    ['ExpiredTokenException: definitive', awsError('ExpiredTokenException', 400), { outcome: 'error', retryable: false }, 'credentials are missing, expired or invalid'],
    ['an undocumented 5xx: transient', awsError('InternalFailure', 503), { outcome: 'error', retryable: true }, 'HTTP 503'],
    ['network unreachable: transient', networkError, { outcome: 'error', retryable: true }, 'cannot reach the AWS endpoint for logs:FilterLogEvents'],
  ];
  const cases = bothChecks.flatMap(([name, check]) => table.map(([what, error, expected, text]) => [name, what, check, error, expected, text] as const));

  it.each(cases)('%s: %s', async (_name, _what, check, error, expected, text) => {
    logs.on(FilterLogEventsCommand).rejects(error as Error);
    const result = await runCheck(check, bothSpec);
    expect({ outcome: result.outcome, retryable: result.retryable ?? false }).toEqual(expected);
    expect(result.message).toContain(text);
    expect(result.outcome).not.toBe('pass');
  });

  it.each(bothChecks)('%s: ResourceNotFoundException is definitive: fail naming the group and the region', async (_name, check) => {
    logs.on(FilterLogEventsCommand).rejects(awsError('ResourceNotFoundException', 400, 'The specified log group does not exist.'));
    const result = await attemptError(runCheck(check, bothSpec, fakeContext({ clients: new ClientPool({ region: 'eu-west-3' }) })));
    expect(result).toMatchObject({ outcome: 'fail', message: `log group ${GROUP} does not exist in eu-west-3`, facts: { region: 'eu-west-3' } });
    expect(result.nextSteps?.[0]).toContain('--region eu-west-3');
  });

  it('an error after pages without a match says the scan was incomplete and keeps its own outcome', async () => {
    let calls = 0;
    logs.on(FilterLogEventsCommand).callsFake(() => {
      calls += 1;
      if (calls <= 2) return { events: [], nextToken: `t${calls}` };
      throw awsError('ThrottlingException', 400, 'Rate exceeded');
    });
    const result = await runCheck(logsAbsent, bothSpec);
    expect(result).toMatchObject({ outcome: 'retry', details: { pages: 2, complete: false } });
    expect(result.message).toMatch(/^scan incomplete after 2 pages: AWS throttled logs:FilterLogEvents \(ThrottlingException\)/);
  });

  it('an error after a page with matches still fails logs-absent on them ("at least")', async () => {
    let calls = 0;
    logs.on(FilterLogEventsCommand).callsFake(() => {
      calls += 1;
      if (calls === 1) return { events: [event('14:12:00.000', REDIS_ERROR)], nextToken: 't1' };
      throw awsError('ServiceUnavailableException', 500);
    });
    const result = await runCheck(logsAbsent, bothSpec);
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^at least 1 event matches /);
    expect(result.details?.cut).toContain('ServiceUnavailableException');
  });
});

describe('log lines are untrusted text in the evidence', () => {
  const hostile = [
    ['an ANSI escape', '\x1b[2J\x1b[31mERROR\x1b[0m', '\\x1b[2J\\x1b[31mERROR\\x1b[0m'],
    ['a bare CR followed by a workflow command', 'ok\r::error::forged', 'ok\\r::error::forged'],
    ['a workflow command at the start', '::stop-commands::tok', '\\:\\:stop-commands::tok'],
    ['an old-style command mid-line', 'x ##[error]forged', 'x ##\\[error]forged'],
    ['a bidi override', 'admin\u202Etxt', 'admin\\u202etxt'],
    ['a zero-width space', 'Re\u200Bdis', 'Re\\u200bdis'],
    ['a multi-line event whose second line is a command', 'Traceback\n::error::x', 'Traceback ::error::x'],
  ] as const;

  it.each(hostile)('%s is shown inert in the message, the evidence and the observations', async (_what, message, shown) => {
    givenPages({ '': { events: [event('14:12:00.000', message, 'ecs/api/\x1b]0;t\x07')] } });
    const result = await runCheck(logsAbsent, bothSpec);
    const evidence = (result.details?.evidence as Array<{ message: string; logStream: string }>)[0];
    expect(evidence?.message).toBe(shown);
    expect(evidence?.logStream).toBe('ecs/api/\\x1b]0;t\\x07');
    expect(result.message.endsWith(shown)).toBe(true);
    expect(result.observations?.[1]?.actual).toBe(shown);
    for (const text of [result.message, JSON.stringify(result.details), ...(result.observations ?? []).map((o) => o.actual)]) {
      expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
      expect(text).not.toContain('##[');
    }
  });
});

describe('root cause: only events actually found explain other failures', () => {
  const cause = (facts: Record<string, unknown>): FailureView => ({ name: 'no redis errors', type: 'logs-absent', message: '', facts });
  const slowHttp: FailureView = { name: 'health', type: 'http', message: 'no answer within the 5s attempt timeout', facts: { attemptTimedOut: true } };
  const unhealthy: FailureView = { name: 'targets', type: 'alb-targets-healthy', message: 'unhealthy', facts: {} };

  it.each([
    ['events found', { logMatches: 3, logScanComplete: true }, true],
    ['events found in an incomplete scan', { logMatches: 1, logScanComplete: false }, true],
    ['an incomplete scan with none found', { logMatches: 0, logScanComplete: false }, false],
    ['an errored scan (no facts)', {}, false],
  ])('%s', (_what, facts, explains) => {
    const [http, alb] = logsAbsent.explains ?? [];
    expect(http?.when?.(cause(facts), slowHttp)).toBe(explains);
    expect(alb?.when?.(cause(facts), unhealthy)).toBe(explains);
  });
});

describe('without a region', () => {
  it('the missing region is reported by the call as an error, not a crash', async () => {
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      // A real send (the SDK resolves the region before any request); this describe stays last in the file.
      logs.restore();
      const result = await runCheck(logsAbsent, bothSpec, fakeContext({ clients: new ClientPool({}) }));
      expect(result.outcome).toBe('error');
      expect(result.message).toMatch(/logs:FilterLogEvents/);
      expect(result.message).toMatch(/region/i);
    } finally {
      process.env.AWS_REGION = saved;
    }
  });
});
