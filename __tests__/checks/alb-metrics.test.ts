import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { albMetrics as check, dimensionValue } from '../../checks/alb-metrics.js';
import type { FailureView } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';

const cloudwatch = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);

const MINUTE = 60_000;
const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/hokusai-api/6d0ecf831eec9f09';
const LB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/hokusai-alb/50dc6c495c0c9188';

/** Values by query id; an id left out comes back empty, as CloudWatch answers a metric with no datapoints. */
function answerWith(values: Record<string, number[]>) {
  cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => {
    const end = Math.floor(Date.now() / MINUTE) * MINUTE;
    const results: MetricDataResult[] = input.MetricDataQueries.map((q) => {
      const v = values[q.Id!] ?? [];
      return { Id: q.Id, Label: q.Id, StatusCode: 'Complete', Values: v, Timestamps: v.map((_, i) => new Date(end - (v.length - i) * MINUTE)) };
    });
    return { MetricDataResults: results };
  });
}

function givenTargetGroup(loadBalancerArns = [LB_ARN]) {
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: TG_ARN, TargetGroupName: 'hokusai-api', LoadBalancerArns: loadBalancerArns }] });
}

const run = (spec: Record<string, unknown>) => check.run(check.schema.parse(spec), fakeContext());
const queries = () => cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries!;

beforeEach(() => {
  cloudwatch.reset();
  ecs.reset();
  elbv2.reset();
});

describe('alb-metrics schema', () => {
  it.each([
    [{ targetGroupArn: TG_ARN, max5xxRate: '1%' }, true],
    [{ cluster: 'c', service: 's', maxResponseTime: { p95: '1s', p99: '3s' } }, true],
    [{ targetGroupArn: TG_ARN, maxUnhealthyHosts: 0, minRequests: 20, window: '10m', noData: 'pass' }, true],
    [{ cluster: 'c', service: 's', max5xxRate: '0.5 %', sinceDeployment: true }, true],
    [{ targetGroupArn: TG_ARN }, false],
    [{ targetGroupArn: TG_ARN, max5xxRate: '1' }, false],
    [{ targetGroupArn: TG_ARN, maxResponseTime: { median: '1s' } }, false],
    [{ targetGroupArn: TG_ARN, maxResponseTime: {} }, false],
    [{ targetGroupArn: TG_ARN, max5xxRate: '1%', sinceDeployment: true }, false],
    [{ targetGroupArn: TG_ARN, cluster: 'c', service: 's', max5xxRate: '1%' }, false],
    // Both: the service's deployment starts the window, only that target group is read.
    [{ targetGroupArn: TG_ARN, cluster: 'c', service: 's', max5xxRate: '1%', sinceDeployment: true }, true],
    [{ targetGroupArn: TG_ARN, cluster: 'c', max5xxRate: '1%', sinceDeployment: true }, false],
    // window + sinceDeployment: since the deployment, at most `window` back (see metric-window.test.ts).
    [{ targetGroupArn: TG_ARN, cluster: 'c', service: 's', max5xxRate: '1%', sinceDeployment: true, window: '5m' }, true],
    [{ cluster: 'c', service: 's', max5xxRate: '1%', sinceDeployment: true, window: '10s' }, true],
    [{ targetGroupArn: TG_ARN, max5xxRate: '1%', sinceDeployment: true, window: '5m' }, false],
    [{ targetGroupArn: TG_ARN, max5xxRate: '1%', minRequests: 0 }, false],
  ])('%j valid: %s', (spec, valid) => {
    expect(check.schema.safeParse(spec).success).toBe(valid);
  });
});

describe('alb-metrics dimensions', () => {
  it('takes the LoadBalancer and TargetGroup dimension values from the ARNs', () => {
    expect(dimensionValue(LB_ARN, 'loadbalancer')).toBe('app/hokusai-alb/50dc6c495c0c9188');
    expect(dimensionValue(TG_ARN, 'targetgroup')).toBe('targetgroup/hokusai-api/6d0ecf831eec9f09');
    expect(dimensionValue('arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/nlb/1', 'loadbalancer')).toBeUndefined();
  });

  it('queries every metric with both dimensions, found from the target group, in one GetMetricData request', async () => {
    givenTargetGroup();
    answerWith({ requests_0: [100] });
    await run({ targetGroupArn: TG_ARN, max5xxRate: '1%', maxResponseTime: { p95: '1s' }, maxUnhealthyHosts: 0 });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    const dims = [
      { Name: 'LoadBalancer', Value: 'app/hokusai-alb/50dc6c495c0c9188' },
      { Name: 'TargetGroup', Value: 'targetgroup/hokusai-api/6d0ecf831eec9f09' },
    ];
    expect(queries().map((q) => [q.Id, q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat, q.MetricStat?.Period])).toEqual([
      ['requests_0', 'RequestCount', 'Sum', 60],
      ['errors_0', 'HTTPCode_Target_5XX_Count', 'Sum', 60],
      ['rt_p95_0', 'TargetResponseTime', 'p95', 300],
      ['unhealthy_0', 'UnHealthyHostCount', 'Maximum', 60],
    ]);
    for (const q of queries()) expect(q.MetricStat?.Metric).toMatchObject({ Namespace: 'AWS/ApplicationELB', Dimensions: dims });
  });

  it('an ECS service: every target group in its loadBalancers', async () => {
    const other = TG_ARN.replace('hokusai-api/6d0ecf831eec9f09', 'hokusai-admin/1111');
    ecs.on(DescribeServicesCommand).resolves({
      services: [{ serviceName: 's', status: 'ACTIVE', desiredCount: 1, runningCount: 1, deployments: [], loadBalancers: [{ targetGroupArn: TG_ARN }, { targetGroupArn: other }] }],
      failures: [],
    });
    elbv2
      .on(DescribeTargetGroupsCommand, { TargetGroupArns: [TG_ARN] })
      .resolves({ TargetGroups: [{ TargetGroupArn: TG_ARN, TargetGroupName: 'hokusai-api', LoadBalancerArns: [LB_ARN] }] })
      .on(DescribeTargetGroupsCommand, { TargetGroupArns: [other] })
      .resolves({ TargetGroups: [{ TargetGroupArn: other, TargetGroupName: 'hokusai-admin', LoadBalancerArns: [LB_ARN] }] });
    answerWith({ requests_0: [100], requests_1: [50], errors_1: [10] });
    const result = await run({ cluster: 'c', service: 's', max5xxRate: '1%' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('5xx rate 20 % (10 of 50 requests) in hokusai-admin over 5m > 1 %');
  });

  it('targetGroupArn with cluster + service and sinceDeployment: the deployment starts the window, only that target group is read', async () => {
    const other = TG_ARN.replace('hokusai-api/6d0ecf831eec9f09', 'hokusai-admin/1111');
    const createdAt = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 3 * MINUTE - 20_000);
    ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 's',
          status: 'ACTIVE',
          desiredCount: 1,
          runningCount: 1,
          deployments: [{ id: 'd', status: 'PRIMARY', taskDefinition: 'td:2', createdAt }],
          loadBalancers: [{ targetGroupArn: TG_ARN }, { targetGroupArn: other }],
        },
      ],
      failures: [],
    });
    givenTargetGroup();
    answerWith({ requests_0: [100], errors_0: [10] });
    const result = await run({ cluster: 'c', service: 's', targetGroupArn: TG_ARN, sinceDeployment: true, max5xxRate: '5%' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^5xx rate 10 % \(10 of 100 requests\) since the deployment .* > 5 %$/);
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand).map((c) => c.args[0].input.TargetGroupArns)).toEqual([[TG_ARN]]);
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.StartTime!.getTime()).toBe(Math.floor(createdAt.getTime() / MINUTE) * MINUTE);
    expect(check.describe(check.schema.parse({ cluster: 'c', service: 's', targetGroupArn: TG_ARN, sinceDeployment: true, max5xxRate: '5%' }))).toBe(
      'ALB metrics of target group hokusai-api of ECS service s (cluster c) since the deployment: 5xx rate ≤ 5%',
    );
  });

  it('a target group not attached to a load balancer is an error: ALB publishes nothing for it', async () => {
    givenTargetGroup([]);
    const result = await run({ targetGroupArn: TG_ARN, max5xxRate: '1%' });
    expect(result.outcome).toBe('error');
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});

describe('alb-metrics 5xx rate', () => {
  beforeEach(() => givenTargetGroup());

  it('fails over the threshold with the numbers: rate, errors, requests, window, bound', async () => {
    answerWith({ requests_0: [100, 101, 100], errors_0: [2, 20] });
    const result = await run({ targetGroupArn: TG_ARN, max5xxRate: '1%' });
    expect(result).toMatchObject({ outcome: 'fail', message: '5xx rate 7.3 % (22 of 301 requests) over 5m > 1 %' });
    expect(result.facts).toMatchObject({ breached: ['5xx'], breachedMetrics: ['AWS/ApplicationELB HTTPCode_Target_5XX_Count'], requests: 301, errors5xx: 22 });
  });

  it('passes under the threshold', async () => {
    answerWith({ requests_0: [200, 100], errors_0: [1] });
    expect(await run({ targetGroupArn: TG_ARN, max5xxRate: '1%' })).toMatchObject({ outcome: 'pass', message: '5xx rate 0.3 % (1 of 300 requests) over 5m ≤ 1 %' });
  });

  it('reads a missing 5xx count datapoint as 0 (ALB publishes counts only when not zero)', async () => {
    answerWith({ requests_0: [150, 150] });
    expect(await run({ targetGroupArn: TG_ARN, max5xxRate: '1%' })).toMatchObject({ outcome: 'pass', message: '5xx rate 0 % (0 of 300 requests) over 5m ≤ 1 %' });
  });

  it.each([
    ['no requests at all', {}, undefined, 'no 5xx rate: 0 requests over 5m (minRequests 1)'],
    ['fewer requests than minRequests', { requests_0: [3], errors_0: [3] }, 20, 'no 5xx rate: 3 requests over 5m (minRequests 20)'],
  ])('%s is no data, never a pass nor a failure', async (_label, values, minRequests, message) => {
    answerWith(values);
    const result = await run({ targetGroupArn: TG_ARN, max5xxRate: '1%', ...(minRequests ? { minRequests } : {}) });
    expect(result).toMatchObject({ outcome: 'inconclusive', noData: 'inconclusive', message });
  });

  it.each(['pass', 'fail'] as const)('noData: %s rides on the no-data result', async (noData) => {
    answerWith({});
    expect(await run({ targetGroupArn: TG_ARN, max5xxRate: '1%', noData })).toMatchObject({ outcome: 'inconclusive', noData });
  });
});

describe('alb-metrics response time and unhealthy hosts', () => {
  beforeEach(() => givenTargetGroup());

  it('reads each percentile over the whole window and fails the one above its bound', async () => {
    answerWith({ requests_0: [100], rt_p95_0: [0.42], rt_p99_0: [3.5] });
    const result = await run({ targetGroupArn: TG_ARN, maxResponseTime: { p95: '1s', p99: '3s' }, window: '10m' });
    expect(queries().find((q) => q.Id === 'rt_p99_0')!.MetricStat).toMatchObject({ Stat: 'p99', Period: 600 });
    expect(result).toMatchObject({ outcome: 'fail', message: 'p99 response time 3.5s over 10m > 3s', facts: { breached: ['latency'] } });
    expect(result.observations).toContainEqual({ what: 'p95 response time over 10m', expected: '≤ 1s', actual: '420ms', ok: true });
  });

  it('a percentile with no datapoint while requests were served is no data', async () => {
    answerWith({ requests_0: [100] });
    expect(await run({ targetGroupArn: TG_ARN, maxResponseTime: { p95: '1s' } })).toMatchObject({ outcome: 'inconclusive', message: 'no p95 response time: no datapoints' });
  });

  it('fails on the highest UnHealthyHostCount of any minute', async () => {
    answerWith({ unhealthy_0: [0, 2, 1] });
    expect(await run({ targetGroupArn: TG_ARN, maxUnhealthyHosts: 0 })).toMatchObject({ outcome: 'fail', message: 'up to 2 unhealthy hosts over 5m > 0', facts: { breached: ['unhealthy'] } });
  });

  it('unhealthy hosts do not depend on traffic: judged with zero requests', async () => {
    answerWith({ unhealthy_0: [0, 0] });
    expect(await run({ targetGroupArn: TG_ARN, maxUnhealthyHosts: 0 })).toMatchObject({ outcome: 'pass', message: 'at most 0 unhealthy hosts over 5m ≤ 0' });
  });

  it('a breach outranks missing evidence: one failing criterion fails the check', async () => {
    answerWith({ requests_0: [3], unhealthy_0: [4] });
    const result = await run({ targetGroupArn: TG_ARN, maxUnhealthyHosts: 1, max5xxRate: '1%', minRequests: 10 });
    expect(result).toMatchObject({ outcome: 'fail', message: 'up to 4 unhealthy hosts over 5m > 1' });
  });

  it('with missing evidence and nothing failing, the message gives both the gaps and the passes', async () => {
    answerWith({ requests_0: [3], unhealthy_0: [0] });
    const result = await run({ targetGroupArn: TG_ARN, maxUnhealthyHosts: 1, max5xxRate: '1%', minRequests: 10 });
    expect(result).toMatchObject({ outcome: 'inconclusive', message: 'no 5xx rate: 3 requests over 5m (minRequests 10); at most 0 unhealthy hosts over 5m ≤ 1' });
  });
});

describe('alb-metrics next steps', () => {
  beforeEach(() => givenTargetGroup());

  it.each([
    ['5xx rate', { max5xxRate: '1%' }, { requests_0: [100], errors_0: [20] }, ['--metric-name HTTPCode_Target_5XX_Count', '--statistics Sum']],
    ['a percentile and an average', { maxResponseTime: { p95: '1s', Average: '500ms' } }, { requests_0: [100], rt_p95_0: [2], rt_average_0: [0.9] }, ['--metric-name TargetResponseTime', '--statistics Average --extended-statistics p95']],
    ['unhealthy hosts', { maxUnhealthyHosts: 0 }, { unhealthy_0: [1] }, ['--metric-name UnHealthyHostCount', '--statistics Maximum']],
  ])('a %s breach gives the command that shows that metric', async (_label, criteria, values, parts) => {
    answerWith(values);
    const result = await run({ targetGroupArn: TG_ARN, ...criteria });
    expect(result.outcome).toBe('fail');
    expect(result.nextSteps).toHaveLength(1);
    for (const part of parts) expect(result.nextSteps![0]).toContain(part);
    expect(result.nextSteps![0]).toContain('Name=TargetGroup,Value=targetgroup/hokusai-api/6d0ecf831eec9f09');
  });
});

describe('alb-metrics root-cause relations', () => {
  const cause = (breached: string[]): FailureView => ({ name: 'alb', type: 'alb-metrics', message: '', facts: { breached } });
  const http = (facts: Record<string, unknown>): FailureView => ({ name: 'health', type: 'http', message: '', facts });
  const explains = (c: FailureView, e: FailureView) => check.explains!.some((r) => r.effect === e.type && r.when!(c, e));

  it.each([
    ['a 5xx breach explains an HTTP 5xx', ['5xx'], { status: 503 }, true],
    ['a 5xx breach does not explain a slow 200', ['5xx'], { status: 200, latencyMs: 3000, maxLatencyMs: 1000 }, false],
    ['a latency breach explains a slow answer', ['latency'], { status: 200, latencyMs: 3000, maxLatencyMs: 1000 }, true],
    ['an unhealthy-hosts breach explains no HTTP failure by itself', ['unhealthy'], { status: 503 }, false],
  ])('%s', (_label, breached, facts, expected) => {
    expect(explains(cause(breached), http(facts))).toBe(expected);
  });
});
