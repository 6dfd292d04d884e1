import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandOutput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { cloudwatchMetric as check } from '../../checks/cloudwatch-metric.js';
import { fakeContext } from '../support/context.js';

const cloudwatch = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);

const MINUTE = 60_000;
const lastMinute = () => Math.floor(Date.now() / MINUTE) * MINUTE;

/** A result with one datapoint per value, a minute apart, ending a minute before the window's end. */
function result(id: string, values: number[], extra: Partial<MetricDataResult> = {}): MetricDataResult {
  const end = lastMinute();
  return {
    Id: id,
    Label: id,
    StatusCode: 'Complete',
    Timestamps: values.map((_, i) => new Date(end - (values.length - i) * MINUTE)),
    Values: values,
    ...extra,
  };
}

const single = { namespace: 'AWS/ApplicationELB', metric: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/alb/1', TargetGroup: 'targetgroup/api/2' }, stat: 'p95', expect: { max: 1 } };
const math = {
  queries: [
    { id: 'errors', namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_Target_5XX_Count', stat: 'Sum' },
    { id: 'requests', namespace: 'AWS/ApplicationELB', metric: 'RequestCount', stat: 'Sum', period: '5m' },
  ],
  expression: '100 * FILL(errors, 0) / requests',
  expect: { max: 1 },
};

const run = (spec: Record<string, unknown>) => check.run(check.schema.parse(spec), fakeContext());
const sent = (call = 0) => cloudwatch.commandCalls(GetMetricDataCommand)[call]!.args[0].input;

beforeEach(() => {
  cloudwatch.reset();
  ecs.reset();
});

describe('cloudwatch-metric schema', () => {
  it.each([
    ['single metric', single, true],
    ['metric math', math, true],
    ['percentile with a decimal', { ...single, stat: 'p99.9' }, true],
    ['high-resolution period', { ...single, period: '10s' }, true],
    ['min and max', { ...single, expect: { min: 0, max: 1 } }, true],
    ['noData', { ...single, noData: 'fail' }, true],
    ['sinceDeployment with the service', { ...single, sinceDeployment: true, cluster: 'c', service: 's' }, true],
    ['unknown stat', { ...single, stat: 'Median' }, false],
    ['no stat', { ...single, stat: undefined }, false],
    ['period not a CloudWatch period', { ...single, period: '90s' }, false],
    ['empty expect', { ...single, expect: {} }, false],
    ['min above max', { ...single, expect: { min: 2, max: 1 } }, false],
    ['both forms', { ...single, ...math }, false],
    ['expression without queries', { expression: 'a', expect: { max: 1 } }, false],
    ['query id with a capital', { ...math, queries: [{ ...math.queries[0], id: 'Errors' }] }, false],
    ['duplicate query ids', { ...math, queries: [math.queries[0], math.queries[0]] }, false],
    ['a query taking the result id', { ...math, queries: [{ ...math.queries[0], id: 'verdict' }] }, false],
    ['a query that is neither metric nor expression', { ...math, queries: [{ id: 'x', stat: 'Sum' }] }, false],
    ['sinceDeployment without a service', { ...single, sinceDeployment: true }, false],
    // Both: since the deployment, at most `window` back (see metric-window.test.ts).
    ['window and sinceDeployment', { ...single, window: '5m', sinceDeployment: true, cluster: 'c', service: 's' }, true],
    ['window and sinceDeployment without a service', { ...single, window: '5m', sinceDeployment: true }, false],
  ])('%s → valid: %s', (_label, spec, valid) => {
    expect(check.schema.safeParse(spec).success).toBe(valid);
  });
});

describe('cloudwatch-metric: one metric', () => {
  it('sends one GetMetricData request over the last 5 whole minutes, with the stat as given (percentiles too)', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [0.2, 0.4])] });
    await run({ ...single, stat: 'p99.9' });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    const input = sent();
    const start = input.StartTime!.getTime();
    const end = input.EndTime!.getTime();
    expect(end % MINUTE).toBe(0);
    expect(end - start).toBe(5 * MINUTE);
    expect(input.ScanBy).toBe('TimestampAscending');
    expect(input.MetricDataQueries).toEqual([
      {
        Id: 'verdict',
        MetricStat: {
          Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/alb/1' }, { Name: 'TargetGroup', Value: 'targetgroup/api/2' }] },
          Period: 60,
          Stat: 'p99.9',
        },
        ReturnData: true,
      },
    ]);
  });

  it('passes when every datapoint keeps the bound, showing the highest, the bound and the window', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [0.2, 0.91, 0.4])] });
    const outcome = await run(single);
    expect(outcome).toMatchObject({ outcome: 'pass', message: 'p95 TargetResponseTime ≤ 1 over 5m: highest 0.91 of 3 datapoints' });
  });

  it('fails at once on the worst datapoint above max, with its value, time, bound and window', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [0.2, 1.43, 1.2])] });
    const outcome = await run(single);
    expect(outcome.outcome).toBe('fail');
    expect(outcome.message).toMatch(/^p95 TargetResponseTime was 1\.43 at \d{4}-\d\d-\d\dT\d\d:\d\d:00Z over 5m, expected ≤ 1$/);
    expect(outcome.facts).toMatchObject({ breachedMetrics: ['AWS/ApplicationELB TargetResponseTime'], value: 1.43, limit: 1 });
  });

  it('fails on a datapoint below min', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [12, 3, 9])] });
    const outcome = await run({ ...single, stat: 'Sum', metric: 'RequestCount', expect: { min: 5 }, window: '10m' });
    expect(outcome.outcome).toBe('fail');
    expect(outcome.message).toMatch(/^Sum RequestCount was 3 at .* over 10m, expected ≥ 5$/);
  });

  it.each([undefined, 'inconclusive', 'pass', 'fail'] as const)('no datapoints is no evidence, ended per noData: %s', async (noData) => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [])] });
    const outcome = await run({ ...single, ...(noData ? { noData } : {}) });
    expect(outcome).toMatchObject({ outcome: 'inconclusive', noData: noData ?? 'inconclusive', message: 'no datapoints for p95 TargetResponseTime over 5m' });
  });

  it('a result missing altogether is no data too (CloudWatch returns every query asked for)', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    expect((await run(single)).outcome).toBe('inconclusive');
  });
});

describe('cloudwatch-metric: metric math', () => {
  it('sends the queries unreturned and the expression for CloudWatch to evaluate, in one request', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [0, 0.5])] });
    const outcome = await run(math);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(sent().MetricDataQueries).toEqual([
      expect.objectContaining({ Id: 'errors', ReturnData: false, MetricStat: expect.objectContaining({ Period: 60, Stat: 'Sum' }) }),
      expect.objectContaining({ Id: 'requests', ReturnData: false, MetricStat: expect.objectContaining({ Period: 300, Stat: 'Sum' }) }),
      { Id: 'verdict', Expression: '100 * FILL(errors, 0) / requests', ReturnData: true },
    ]);
    expect(outcome).toMatchObject({ outcome: 'pass', message: '100 * FILL(errors, 0) / requests ≤ 1 over 5m: highest 0.5 of 2 datapoints' });
  });

  it('passes intermediate expressions through as queries', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [1])] });
    await run({ ...math, queries: [...math.queries, { id: 'rate', expression: 'errors / requests' }], expression: 'rate * 100' });
    expect(sent().MetricDataQueries![2]).toEqual({ Id: 'rate', Expression: 'errors / requests', ReturnData: false });
  });

  it('an expression returning several series fails on the worst of them, naming it', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [result('verdict', [0.1, 0.2], { Label: 'verdict errors' }), result('verdict', [0.3, 7.3], { Label: 'verdict requests' })],
    });
    const outcome = await run({ ...math, expression: 'FILL(METRICS(), 0)' });
    expect(outcome.message).toMatch(/^FILL\(METRICS\(\), 0\) \(verdict requests\) was 7\.3 at /);
    expect(outcome.facts).toMatchObject({ breachedMetrics: ['AWS/ApplicationELB HTTPCode_Target_5XX_Count', 'AWS/ApplicationELB RequestCount'] });
  });
});

describe('cloudwatch-metric: GetMetricData pages and answers', () => {
  it('follows NextToken within the request, merging the pages of one series', async () => {
    const [first, second] = [result('verdict', [0.1, 0.2]), result('verdict', [3])];
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ ...first, StatusCode: 'PartialData' }], NextToken: 'more' })
      .resolvesOnce({ MetricDataResults: [second] });
    const outcome = await run(single);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(2);
    expect(sent(1).NextToken).toBe('more');
    expect(outcome).toMatchObject({ outcome: 'fail', details: { datapoints: 3 } });
  });

  it('is an error, never a verdict, beyond the page budget', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [0.1])], NextToken: 'again' });
    await expect(run(single)).rejects.toMatchObject({ result: { outcome: 'error', message: expect.stringContaining('more than 10 pages') } });
  });

  it.each(['InternalError', 'Forbidden'])('a query CloudWatch could not compute (%s) is an error', async (status) => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [], { StatusCode: status as 'InternalError', Messages: [{ Code: 'ArithmeticError', Value: 'boom' }] })] });
    await expect(run(single)).rejects.toMatchObject({ result: { outcome: 'error', message: `CloudWatch could not compute verdict: ${status} (ArithmeticError: boom)` } });
  });

  it.each([
    ['no MetricDataResults', {}],
    ['a result without Values', { MetricDataResults: [{ Id: 'verdict', StatusCode: 'Complete', Timestamps: [] }] }],
    ['Timestamps and Values of different lengths', { MetricDataResults: [{ Id: 'verdict', StatusCode: 'Complete', Timestamps: [new Date()], Values: [] }] }],
  ])('%s is an error', async (_label, answer) => {
    cloudwatch.on(GetMetricDataCommand).resolves(answer as GetMetricDataCommandOutput);
    await expect(run(single)).rejects.toMatchObject({ result: { outcome: 'error', message: expect.stringContaining('unexpected response from cloudwatch:GetMetricData') } });
  });

  it('a ValidationError from CloudWatch (an expression it rejects) is an error with its words', async () => {
    cloudwatch.on(GetMetricDataCommand).rejects(Object.assign(new Error("Error in expression 'verdict': unknown id 'x'"), { name: 'ValidationError', $metadata: { httpStatusCode: 400 } }));
    await expect(run(math)).rejects.toMatchObject({ result: { outcome: 'error', message: expect.stringContaining("unknown id 'x'") } });
  });
});

describe('cloudwatch-metric sinceDeployment', () => {
  const service = (createdAt: Date) => ({
    services: [{ serviceName: 's', status: 'ACTIVE', desiredCount: 1, runningCount: 1, deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: 'td:1', createdAt }] }],
    failures: [],
  });

  it('starts the window at the PRIMARY deployment, rounded down to the minute', async () => {
    const createdAt = new Date(lastMinute() - 12 * MINUTE + 25_000);
    ecs.on(DescribeServicesCommand).resolves(service(createdAt));
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [result('verdict', [0.5])] });
    const outcome = await run({ ...single, sinceDeployment: true, cluster: 'c', service: 's' });
    expect(sent().StartTime!.getTime()).toBe(lastMinute() - 12 * MINUTE);
    expect(outcome.message).toMatch(/since the deployment at .*Z \(12m\): highest 0\.5/);
  });

  it('no whole minute since the deployment is no data yet, without asking CloudWatch', async () => {
    ecs.on(DescribeServicesCommand).resolves(service(new Date(Date.now() + 1000)));
    const outcome = await run({ ...single, sinceDeployment: true, cluster: 'c', service: 's' });
    expect(outcome).toMatchObject({ outcome: 'inconclusive' });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});

describe('cloudwatch-metric root-cause relation', () => {
  it('a breach explains an alarm in ALARM on the same metric, not on another', () => {
    const relation = check.explains![0]!;
    const cause = { name: 'latency', type: 'cloudwatch-metric', message: '', facts: { breachedMetrics: ['AWS/ApplicationELB TargetResponseTime'] } };
    const alarm = (metrics: string[]) => ({ name: 'alarms', type: 'cloudwatch-alarms', message: '', facts: { inAlarmMetrics: metrics } });
    expect(relation.effect).toBe('cloudwatch-alarms');
    expect(relation.when!(cause, alarm(['AWS/ApplicationELB TargetResponseTime']))).toBe(true);
    expect(relation.when!(cause, alarm(['AWS/ECS CPUUtilization']))).toBe(false);
  });
});
