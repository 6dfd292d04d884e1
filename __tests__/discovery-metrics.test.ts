/**
 * Zero-config discovery's metric checks with a mocked SDK: `alb-metrics` only for a target group
 * behind an application load balancer (never a false alarm for one with no ALB metrics), and
 * `cloudwatch-alarms` only when ECS watches deployment alarms.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { checkTypes } from '../checks/index.js';
import { parseScenario } from '../runner/load.js';
import { ALB_METRICS_DEFAULTS, discover, plannedChain, scenarioText, type Discovered } from '../runner/discovery/index.js';

const ecs = mockClient(ECSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);

const INPUT = { cluster: 'shop', service: 'checkout', region: 'us-east-1' };
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/checkout/6d0ecf831eec9f09';
const LB = {
  application: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188',
  network: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/shop/50dc6c495c0c9188',
  gateway: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/gwy/shop/50dc6c495c0c9188',
} as const;

function service(overrides: Partial<Service> = {}): Service {
  return {
    serviceName: 'checkout',
    status: 'ACTIVE',
    desiredCount: 1,
    runningCount: 1,
    loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 8000 }],
    deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:3', desiredCount: 1, runningCount: 1, rolloutState: 'COMPLETED', createdAt: new Date('2026-11-29T10:00:00Z') }],
    ...overrides,
  };
}

function mockService(svc: Service, loadBalancerArns: string[], types: Record<string, string> = {}): void {
  ecs.on(DescribeServicesCommand).resolves({ services: [svc], failures: [] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: 'arn:td/checkout:3', family: 'checkout', revision: 3, containerDefinitions: [{ name: 'app' }] } });
  elbv2.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: [{ TargetGroupArn: TG, TargetGroupName: 'checkout', HealthCheckPath: '/healthz', HealthCheckEnabled: true, LoadBalancerArns: loadBalancerArns }],
  });
  elbv2.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: loadBalancerArns.map((arn) => ({ LoadBalancerArn: arn, LoadBalancerName: 'shop', DNSName: 'shop-1.elb.amazonaws.com', Scheme: 'internet-facing', Type: types[arn] as 'application' })),
  });
  elbv2.on(DescribeListenersCommand).resolves({ Listeners: [] });
}

const load = (text: string) => parseScenario(text, { checkTypes, env: {}, displayName: 'discovered.yaml', dir: process.cwd() });
const checksOf = (found: Discovered) => load(scenarioText(INPUT, found)).checks;

beforeEach(() => {
  ecs.reset();
  elbv2.reset();
});

describe('alb-metrics in the discovered chain', () => {
  it('a target group behind an application load balancer gets alb-metrics with the conservative defaults, after target health', async () => {
    mockService(service(), [LB.application], { [LB.application]: 'application' });
    const found = await discover(INPUT);
    expect(found.targetGroups[0]).toMatchObject({ loadBalancerArns: [LB.application], loadBalancerTypes: ['application'] });
    const checks = checksOf(found);
    expect(checks.map((c) => c.name)).toEqual(['rollout landed', 'service stable', 'tasks running', 'targets healthy', 'ALB 5xx rate']);
    const metrics = checks.find((c) => c.type === 'alb-metrics')!;
    expect(metrics.spec).toEqual({ cluster: 'shop', service: 'checkout', targetGroupArn: TG, sinceDeployment: true, window: 300_000, max5xxRate: '5%', minRequests: 50, noData: 'pass' });
    // One attempt (the count bounds it before the type's default deadline); it needs nothing that could hide a breach from the root cause.
    expect(metrics.retry.attempts).toBe(1);
    expect(metrics.needs).toEqual([]);
    // One DescribeLoadBalancers serves both the types and the entry point.
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(1);
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand)[0]!.args[0].input).toEqual({ LoadBalancerArns: [LB.application] });
  });

  it('a target group not attached to a load balancer gets none, says why, and no load balancer is looked up', async () => {
    mockService(service(), []);
    const found = await discover(INPUT);
    const text = scenarioText(INPUT, found);
    expect(load(text).checks.map((c) => c.type)).not.toContain('alb-metrics');
    expect(text).toContain('# Left out: ALB 5xx rate: target group checkout is not attached to a load balancer: no ALB metrics exist for it.');
    expect(elbv2.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(0);
  });

  it.each([
    ['network', LB.network],
    ['gateway', LB.gateway],
  ])('a target group behind a %s load balancer gets none (it publishes other metrics)', async (type, arn) => {
    mockService(service(), [arn], { [arn]: type });
    const found = await discover(INPUT);
    expect(found.targetGroups[0]!.loadBalancerTypes).toEqual([type]);
    const text = scenarioText(INPUT, found);
    expect(load(text).checks.map((c) => c.type)).not.toContain('alb-metrics');
    expect(text).toContain(`is behind a ${type} load balancer, which publishes other metrics than AWS/ApplicationELB`);
  });

  it('a refused DescribeLoadBalancers is a note and no alb-metrics, never a failed discovery', async () => {
    mockService(service(), [LB.application], { [LB.application]: 'application' });
    elbv2.on(DescribeLoadBalancersCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const found = await discover(INPUT);
    expect(found.targetGroups[0]!.loadBalancerTypes).toBeUndefined();
    expect(found.notes).toEqual([expect.stringMatching(/^the load balancers could not be read \(AccessDenied.*\): no ALB metrics are checked$/)]);
    expect(checksOf(found).map((c) => c.type)).not.toContain('alb-metrics');
  });

  it('several target groups: one check per ALB target group, each named after its group', () => {
    const group = (name: string, types: string[]) => ({ name, arn: `arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/${name}/1`, loadBalancerArns: types.map((_, i) => `lb-${i}`), loadBalancerTypes: types });
    const found: Discovered = { containers: [], securityGroups: [], targetGroups: [group('web', ['application']), group('grpc', ['network']), group('idle', [])] };
    const chain = plannedChain(INPUT, found);
    expect(chain.checks.filter((c) => c.type === 'alb-metrics').map((c) => [c.name, c.spec.targetGroupArn])).toEqual([['ALB 5xx rate (web)', 'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/1']]);
    expect(chain.leftOut.map((l) => l.name)).toEqual(['ALB 5xx rate (grpc)', 'ALB 5xx rate (idle)', 'health']);
    expect(ALB_METRICS_DEFAULTS.noData).toBe('pass');
  });
});

describe('the metricsWindow var', () => {
  const found = (types: string[]): Discovered => ({
    containers: [],
    securityGroups: [],
    targetGroups: [{ name: 'checkout', arn: TG, loadBalancerArns: types.map((_, i) => `lb-${i}`), loadBalancerTypes: types }],
  });
  const metricsSpec = (text: string, vars?: Record<string, string>) =>
    parseScenario(text, { checkTypes, env: {}, displayName: 'discovered.yaml', dir: process.cwd(), ...(vars ? { vars } : {}) }).checks.find((c) => c.type === 'alb-metrics')!.spec;

  it('alb-metrics looks since the deployment, at most the metricsWindow var (5m) back, which --var overrides', () => {
    const text = scenarioText(INPUT, found(['application']));
    expect(text).toContain('metricsWindow: 5m');
    expect(text).toContain('window: ${vars.metricsWindow}');
    expect(text).toContain('# vars.metricsWindow: the ALB 5xx check looks since the deployment, but at most this far back (--var metricsWindow=10m to lengthen).');
    expect(metricsSpec(text)).toMatchObject({ sinceDeployment: true, window: 300_000 });
    expect(metricsSpec(text, { metricsWindow: '10s' })).toMatchObject({ sinceDeployment: true, window: 10_000 });
  });

  it('no alb-metrics (a network load balancer), no var to declare', () => {
    const text = scenarioText(INPUT, found(['network']));
    expect(text).not.toContain('metricsWindow');
    expect(load(text).checks.map((c) => c.type)).not.toContain('alb-metrics');
  });
});

describe('cloudwatch-alarms in the discovered chain', () => {
  it.each([
    ['enabled with alarms', { enable: true, rollback: true, alarmNames: ['checkout-5xx', 'checkout-latency'] }, ['checkout-5xx', 'checkout-latency']],
    ['enabled, rollback off (ECS still watches them)', { enable: true, rollback: false, alarmNames: ['checkout-5xx'] }, ['checkout-5xx']],
  ])('%s: cloudwatch-alarms on cluster + service', async (_, alarms, names) => {
    mockService(service({ deploymentConfiguration: { alarms } }), []);
    const found = await discover(INPUT);
    expect(found.deploymentAlarms).toEqual(names);
    const check = checksOf(found).find((c) => c.type === 'cloudwatch-alarms')!;
    expect(check.name).toBe('deployment alarms');
    expect(check.spec).toEqual({ cluster: 'shop', service: 'checkout', noData: 'pass' });
    expect(check.retry.attempts).toBe(2);
  });

  it.each([
    ['no alarms configuration', undefined],
    ['alarms disabled', { enable: false, rollback: false, alarmNames: ['checkout-5xx'] }],
    ['enabled with no alarm names', { enable: true, rollback: true, alarmNames: [] }],
  ])('%s: no cloudwatch-alarms', async (_, alarms) => {
    mockService(service(alarms ? { deploymentConfiguration: { alarms } } : {}), []);
    const found = await discover(INPUT);
    expect(found.deploymentAlarms).toBeUndefined();
    expect(checksOf(found).map((c) => c.type)).not.toContain('cloudwatch-alarms');
  });
});
