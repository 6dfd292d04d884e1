import { describe, it, expect, jest, beforeEach, afterEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
  type QueryStatus,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { logsAbsent } from '../../checks/logs-absent.js';
import { logsPresent } from '../../checks/logs-present.js';
import type { CheckType } from '../../checks/types.js';
import { translatePattern } from '../../checks/support/logs-insights-pattern.js';
import { insightsQueries } from '../../checks/support/logs-insights.js';
import { fakeContext } from '../support/context.js';

const logs = mockClient(CloudWatchLogsClient);
const GROUP = '/ecs/api';
const NOW = Date.parse('2025-10-07T14:13:41.000Z');

async function runCheck(check: CheckType, spec: Record<string, unknown>, ctx = fakeContext()) {
  return check.run(check.schema.parse(spec), ctx);
}

/** StartQuery answers q-count / q-evidence by the query string; results by id. */
function givenQueries(count: Array<QueryStatus | string>, { matches = '3', rows = true } = {}) {
  logs.on(StartQueryCommand).callsFake((input: { queryString: string }) => ({ queryId: input.queryString.includes('stats count') ? 'q-count' : 'q-evidence' }));
  let polls = 0;
  logs.on(GetQueryResultsCommand).callsFake((input: { queryId: string }) => {
    if (input.queryId === 'q-evidence') {
      return {
        status: 'Complete',
        results: rows ? [[{ field: '@timestamp', value: '2025-10-07 14:10:43.692' }, { field: '@logStream', value: 'ecs/api/abc' }, { field: '@message', value: 'ERROR boom' }]] : [],
      };
    }
    const status = count[Math.min(polls++, count.length - 1)];
    return { status, results: status === 'Complete' ? [[{ field: 'matches', value: matches }]] : [], statistics: { recordsScanned: 12345 } };
  });
}

beforeEach(() => {
  logs.reset();
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => {
  jest.restoreAllMocks();
});

describe('filter pattern → Insights filter', () => {
  it.each([
    ['ERROR', '@message like /ERROR/'],
    ['Redis connection failed', '@message like /Redis/ and @message like /connection/ and @message like /failed/'],
    ['"Redis connection failed"', '@message like /Redis connection failed/'],
    ['?ERROR ?FATAL', '(@message like /ERROR/ or @message like /FATAL/)'],
    ['?ERROR ?"disk full"', '(@message like /ERROR/ or @message like /disk full/)'],
    ['GET /api/v1.0?', '@message like /GET/ and @message like /\\/api\\/v1\\.0\\?/'],
    ['"say \\"hi\\""', '@message like /say "hi"/'],
  ])('%s → %s', (pattern, filter) => {
    expect(translatePattern(pattern)).toEqual({ ok: true, filter });
  });

  it('a blank pattern matches every event (no filter)', () => {
    expect(translatePattern('  ')).toEqual({ ok: true });
  });

  it.each([
    ['{ $.level = "ERROR" }', 'JSON pattern'],
    ['[ip, user, status=500]', 'space-delimited pattern'],
    ['ERROR -healthcheck', 'exclusion `-term`'],
    ['%ERR[0-9]+%', 'regular-expression pattern'],
    ['?ERROR FATAL', 'mixed with required terms'],
    ['"unbalanced', 'unbalanced quotes'],
  ])('%s cannot be translated: names the %s', (pattern, construct) => {
    const translated = translatePattern(pattern);
    expect(translated.ok).toBe(false);
    expect(!translated.ok && translated.construct).toContain(construct);
  });

  it('engine insights refuses an untranslatable pattern at validation, naming the construct', () => {
    const parsed = logsAbsent.schema.safeParse({ logGroup: GROUP, pattern: '{ $.level = "ERROR" }', since: '5m', engine: 'insights' });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('JSON pattern');
  });

  it('the queries: count with stats, evidence sorted newest first and limited', () => {
    const [count, evidence] = insightsQueries({ filter: '@message like /ERROR/', logStreams: ['a/b/c'], maxEvidence: 4 });
    expect(count).toBe('filter @logStream in ["a/b/c"] | filter @message like /ERROR/ | stats count(*) as matches');
    expect(evidence).toBe('fields @timestamp, @logStream, @message | filter @logStream in ["a/b/c"] | filter @message like /ERROR/ | sort @timestamp desc | limit 4');
  });
});

describe('Insights query statuses', () => {
  const spec = { logGroup: GROUP, pattern: 'ERROR', since: '5m', engine: 'insights' };

  it('Complete: counts server-side, shows evidence and recordsScanned', async () => {
    givenQueries(['Complete'], { matches: '3' });
    const result = await runCheck(logsAbsent, spec);
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^3 events match "ERROR" in \/ecs\/api/);
    expect(result.message).toContain('ecs/api/abc: ERROR boom');
    expect(result.details).toMatchObject({ engine: 'insights', matches: 3, recordsScanned: 12345, complete: true });
    const start = logs.commandCalls(StartQueryCommand).map((c) => c.args[0].input);
    expect(start.map((i) => [i.startTime, i.endTime])).toEqual([[(NOW - 300_000) / 1000, NOW / 1000], [(NOW - 300_000) / 1000, NOW / 1000]]);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
  });

  it('Complete with a zero count passes logs-absent', async () => {
    givenQueries(['Complete'], { matches: '0', rows: false });
    const result = await runCheck(logsAbsent, spec);
    expect(result.outcome).toBe('pass');
  });

  it('a count without evidence rows still fails logs-absent', async () => {
    givenQueries(['Complete'], { matches: '2', rows: false });
    expect((await runCheck(logsAbsent, spec)).outcome).toBe('fail');
  });

  it.each([['Scheduled'], ['Running']])('%s: keeps polling until Complete', async (status) => {
    givenQueries([status, status, 'Complete'], { matches: '1' });
    const result = await runCheck(logsPresent, spec);
    expect(result.outcome).toBe('pass');
    expect(logs.commandCalls(GetQueryResultsCommand).filter((c) => c.args[0].input.queryId === 'q-count')).toHaveLength(3);
  });

  it.each([
    ['Failed', 'error'],
    ['Cancelled', 'retry'],
    ['Timeout', 'retry'],
    ['Unknown', 'retry'],
  ])('%s: never a pass, %s with the reason', async (status, outcome) => {
    givenQueries([status]);
    const result = await runCheck(logsAbsent, spec);
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(`query ended ${status}`);
  });

  it('still Running at the deadline: stops both queries and retries (absence not proven)', async () => {
    givenQueries(['Running']);
    logs.on(StopQueryCommand).resolves({ success: true });
    (Date.now as jest.Mock<() => number>).mockReturnValueOnce(NOW).mockReturnValue(NOW + 60_000);
    const result = await runCheck(logsAbsent, spec);
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('had not completed');
    expect(logs.commandCalls(StopQueryCommand).map((c) => c.args[0].input.queryId).sort()).toEqual(['q-count', 'q-evidence']);
  });

  it('StopQuery on abort', async () => {
    const controller = new AbortController();
    givenQueries(['Running']);
    logs.on(StopQueryCommand).resolves({ success: true });
    const ctx = fakeContext({ signal: controller.signal });
    const running = runCheck(logsAbsent, spec, ctx);
    setTimeout(() => controller.abort(new DOMException('attempt timed out', 'TimeoutError')), 150);
    await expect(running).rejects.toThrow('attempt timed out');
    expect(logs.commandCalls(StopQueryCommand).map((c) => c.args[0].input.queryId).sort()).toEqual(['q-count', 'q-evidence']);
  });

  it('a throttled StartQuery is a retry, not a pass', async () => {
    logs.on(StartQueryCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));
    const result = await runCheck(logsAbsent, spec);
    expect(result.outcome).toBe('retry');
  });

  it('a missing log group is a fail naming it', async () => {
    logs.on(StartQueryCommand).rejects(Object.assign(new Error('nope'), { name: 'ResourceNotFoundException', $metadata: {} }));
    const result = await runCheck(logsAbsent, spec).catch((e: { result: { outcome: string; message: string } }) => e.result);
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('log group /ecs/api does not exist');
  });
});

describe('engine auto', () => {
  const filterEmpty = () => logs.on(FilterLogEventsCommand).resolves({ events: [] });

  it.each([
    ['a window over 1 hour', { since: '2h' }, 'STANDARD', 'insights'],
    ['an INFREQUENT_ACCESS group', { since: '5m' }, 'INFREQUENT_ACCESS', 'insights'],
    ['a short window on a STANDARD group', { since: '5m' }, 'STANDARD', 'filter'],
    ['an untranslatable pattern over 2 hours', { since: '2h', pattern: 'ERROR -health' }, 'STANDARD', 'filter'],
    ['engine filter over 2 hours', { since: '2h', engine: 'filter' }, 'INFREQUENT_ACCESS', 'filter'],
  ] as const)('%s → %s', async (_label, extra, logGroupClass, engine) => {
    givenQueries(['Complete'], { matches: '0', rows: false });
    filterEmpty();
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: GROUP, logGroupClass }] });
    const result = await runCheck(logsAbsent, { logGroup: GROUP, pattern: 'ERROR', ...extra });
    expect(result.outcome).toBe('pass');
    expect(result.details).toMatchObject({ engine });
  });

  it('FilterLogEvents throttled twice in a row moves the check to Insights', async () => {
    givenQueries(['Complete'], { matches: '0', rows: false });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));
    const spec = logsAbsent.schema.parse({ logGroup: GROUP, pattern: 'ERROR', since: '5m' });
    const first = await logsAbsent.run(spec, fakeContext());
    expect(first.outcome).toBe('retry');
    expect(logs.commandCalls(StartQueryCommand)).toHaveLength(0);
    const second = await logsAbsent.run(spec, fakeContext({ attempt: 2 }));
    expect(second.outcome).toBe('pass');
    expect(second.details).toMatchObject({ engine: 'insights', engineReason: 'FilterLogEvents was throttled twice in a row' });
  });
});

describe('streams: target-revision', () => {
  const ecs = mockClient(ECSClient);
  const TD1 = 'arn:aws:ecs:us-east-1:1:task-definition/api:1';
  const TD2 = 'arn:aws:ecs:us-east-1:1:task-definition/api:2';
  const spec = { cluster: 'c', service: 'api', logGroup: GROUP, pattern: 'ERROR', since: '5m', streams: 'target-revision' };

  function givenService({ prefix = 'ecs', newTasks = 1 } = {}) {
    ecs.reset();
    ecs.on(DescribeServicesCommand).resolves({
      services: [{ serviceName: 'api', status: 'ACTIVE', desiredCount: 1, runningCount: 2, deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: TD2, createdAt: new Date(NOW - 60_000) }] }],
      failures: [],
    });
    const options: Record<string, string> = { 'awslogs-group': GROUP, ...(prefix ? { 'awslogs-stream-prefix': prefix } : {}) };
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: TD2, family: 'api', revision: 2, containerDefinitions: [{ name: 'api', logConfiguration: { logDriver: 'awslogs', options } }] } });
    const tasks = [
      { taskArn: 'arn:aws:ecs:us-east-1:1:task/c/old1', taskDefinitionArn: TD1, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' },
      ...Array.from({ length: newTasks }, (_, i) => ({ taskArn: `arn:aws:ecs:us-east-1:1:task/c/new${i}`, taskDefinitionArn: TD2, lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })),
    ];
    ecs.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn) });
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({ tasks: tasks.filter((t) => input.tasks.includes(t.taskArn)), failures: [] }));
  }

  it('filter: FilterLogEvents gets only the new tasks\' stream names', async () => {
    givenService();
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const result = await runCheck(logsAbsent, { ...spec, engine: 'filter' });
    expect(result.outcome).toBe('pass');
    expect(logs.commandCalls(FilterLogEventsCommand)[0]!.args[0].input.logStreamNames).toEqual(['ecs/api/new0']);
  });

  it('insights: the queries filter @logStream in [...]', async () => {
    givenService();
    givenQueries(['Complete'], { matches: '0', rows: false });
    await runCheck(logsAbsent, { ...spec, engine: 'insights' });
    expect(logs.commandCalls(StartQueryCommand)[0]!.args[0].input.queryString).toContain('filter @logStream in ["ecs/api/new0"]');
  });

  it('no awslogs-stream-prefix: an error saying the stream names cannot be known', async () => {
    givenService({ prefix: '' });
    const result = await attemptResult(runCheck(logsAbsent, spec));
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('awslogs-stream-prefix');
  });

  it('no task of the rollout running yet: retry, never a pass', async () => {
    givenService({ newTasks: 0 });
    const result = await attemptResult(runCheck(logsAbsent, spec));
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('no RUNNING task');
  });

  it('over 100 streams: engine filter is an error, auto moves to Insights', async () => {
    givenService({ newTasks: 101 });
    expect((await attemptResult(runCheck(logsAbsent, { ...spec, engine: 'filter' }))).outcome).toBe('error');
    givenQueries(['Complete'], { matches: '0', rows: false });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const result = await runCheck(logsAbsent, spec);
    expect(result.details).toMatchObject({ engine: 'insights', engineReason: 'the rollout has 101 log streams (FilterLogEvents takes 100)' });
  });

  it.each([
    [{ ...spec, cluster: undefined, service: undefined }, 'needs cluster + service'],
    [{ ...spec, logStreamPrefix: 'ecs/' }, 'cannot be combined with logStreamPrefix'],
  ])('schema refuses %j', (bad, message) => {
    const parsed = logsAbsent.schema.safeParse(bad);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(message);
  });
});

async function attemptResult(promise: Promise<unknown>) {
  return promise.then(
    (r) => r as { outcome: string; message: string },
    (e: { result: { outcome: string; message: string } }) => e.result,
  );
}
