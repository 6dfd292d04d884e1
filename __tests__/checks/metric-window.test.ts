/**
 * The metric window rule both CloudWatch check types share (checks/support/cloudwatch.ts
 * resolveWindow): `window` + `sinceDeployment` mean "since the deployment, at most `window` back"
 * (the later start wins), `sinceDeployment` alone is the deployment window, and a deployment younger
 * than a whole minute is no data. The clock is fixed (Date only) so the table's minutes are exact.
 */
import { describe, it, expect, beforeEach, afterEach, jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { albMetrics } from '../../checks/alb-metrics.js';
import { cloudwatchMetric } from '../../checks/cloudwatch-metric.js';
import { fakeContext } from '../support/context.js';

const cloudwatch = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);

const TG_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/hokusai-api/6d0ecf831eec9f09';
const LB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/hokusai-alb/50dc6c495c0c9188';
/** The attempt's clock: its window ends at the last whole minute, 14:13:00. */
const NOW = Date.parse('2026-06-12T14:13:41.000Z');
const at = (hhmmss: string) => new Date(`2026-06-12T${hhmmss}Z`);

const SERVICE = { cluster: 'c', service: 's' };
const KINDS = {
  'alb-metrics': {
    run: (extra: Record<string, unknown>) => albMetrics.run(albMetrics.schema.parse({ ...SERVICE, targetGroupArn: TG_ARN, max5xxRate: '5%', ...extra }), fakeContext()),
    describe: (extra: Record<string, unknown>) => albMetrics.describe(albMetrics.schema.parse({ ...SERVICE, targetGroupArn: TG_ARN, max5xxRate: '5%', ...extra })),
  },
  'cloudwatch-metric': {
    run: (extra: Record<string, unknown>) => cloudwatchMetric.run(cloudwatchMetric.schema.parse({ ...SERVICE, ...METRIC, ...extra }), fakeContext()),
    describe: (extra: Record<string, unknown>) => cloudwatchMetric.describe(cloudwatchMetric.schema.parse({ ...SERVICE, ...METRIC, ...extra })),
  },
} as const;
const METRIC = { namespace: 'AWS/ApplicationELB', metric: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/alb/1' }, stat: 'p95', expect: { max: 1 } };

function givenDeployment(createdAt: Date) {
  ecs.on(DescribeServicesCommand).resolves({
    services: [{ serviceName: 's', status: 'ACTIVE', desiredCount: 1, runningCount: 1, deployments: [{ id: 'd', status: 'PRIMARY', taskDefinition: 'td:2', createdAt }], loadBalancers: [{ targetGroupArn: TG_ARN }] }],
    failures: [],
  });
}

/** Every query answers one low, passing datapoint a minute before the window's end. */
function answerPassing() {
  cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[]; EndTime: Date }) => ({
    MetricDataResults: input.MetricDataQueries.map(
      (q): MetricDataResult => ({ Id: q.Id, Label: q.Id, StatusCode: 'Complete', Values: [q.Id!.startsWith('requests') ? 100 : 0.2], Timestamps: [new Date(input.EndTime.getTime() - 60_000)] }),
    ),
  }));
}

beforeEach(() => {
  // Only Date is faked: the SDK mocks resolve through real timers and microtasks.
  jest.useFakeTimers({ now: NOW, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
  cloudwatch.reset();
  ecs.reset();
  elbv2.reset();
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: TG_ARN, TargetGroupName: 'hokusai-api', LoadBalancerArns: [LB_ARN] }] });
  answerPassing();
});

afterEach(() => {
  jest.useRealTimers();
});

const KIND_NAMES = Object.keys(KINDS) as (keyof typeof KINDS)[];

describe.each(KIND_NAMES)('%s window', (kind) => {
  it.each([
    // [case, deployment createdAt, window, expected start, the words the message uses for the window]
    ['deployment older than the cap: the last `window`', '13:43:41', '5m', '14:08:00', 'over 5m (the deployment at 2026-06-12T13:43:00Z is older)'],
    ['deployment newer than the cap: since the deployment', '14:10:20', '5m', '14:10:00', 'since the deployment at 2026-06-12T14:10:00Z (3m)'],
    ['deployment exactly `window` old: since the deployment', '14:08:00', '5m', '14:08:00', 'since the deployment at 2026-06-12T14:08:00Z (5m)'],
    ['no window: the whole deployment window', '13:43:41', undefined, '13:43:00', 'since the deployment at 2026-06-12T13:43:00Z (30m)'],
    ['a long cap: since the deployment', '13:43:41', '1h', '13:43:00', 'since the deployment at 2026-06-12T13:43:00Z (30m)'],
  ])('%s', async (_case, createdAt, window, start, words) => {
    givenDeployment(at(createdAt));
    const result = await KINDS[kind].run({ sinceDeployment: true, ...(window ? { window } : {}) });
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.StartTime).toEqual(at(start));
    expect(input.EndTime).toEqual(at('14:13:00'));
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain(words);
    expect(result.details).toMatchObject({ window: { start: `2026-06-12T${start}Z`, end: '2026-06-12T14:13:00Z' } });
  });

  it.each([
    ['with window', { window: '5m' }],
    ['without window', {}],
  ])('a deployment younger than a whole minute is no data %s, without asking CloudWatch', async (_case, extra) => {
    givenDeployment(at('14:13:10'));
    const result = await KINDS[kind].run({ sinceDeployment: true, ...extra });
    expect(result).toMatchObject({ outcome: 'inconclusive', message: expect.stringContaining('less than a whole minute ago') });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('window alone still ignores the deployment (no DescribeServices for the window)', async () => {
    const result = await KINDS[kind].run({ cluster: undefined, service: undefined, window: '5m' });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.StartTime).toEqual(at('14:08:00'));
    expect(result.message).toContain('over 5m');
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(0);
  });

  it('describe says both the deployment and the cap', () => {
    expect(KINDS[kind].describe({ sinceDeployment: true, window: '5m' })).toMatch(/since the deployment(?: of ECS service s)?, at most 5m back/);
    expect(KINDS[kind].describe({ sinceDeployment: true })).not.toContain('at most');
  });
});
