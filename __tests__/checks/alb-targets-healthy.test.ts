import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetGroup,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { albTargetsHealthy as check } from '../../checks/alb-targets-healthy.js';
import { AttemptResultError } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ecs = mockClient(ECSClient);

const arnOf = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/6d0ecf831eec9f09`;
const API_ARN = arnOf('api');

function targetGroup(name: string, overrides: Partial<TargetGroup> = {}): TargetGroup {
  return {
    TargetGroupArn: arnOf(name),
    TargetGroupName: name,
    Protocol: 'HTTP',
    Port: 8000,
    HealthCheckEnabled: true,
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: 'traffic-port',
    HealthCheckPath: '/health',
    HealthCheckTimeoutSeconds: 5,
    HealthCheckIntervalSeconds: 30,
    HealthyThresholdCount: 5,
    UnhealthyThresholdCount: 2,
    Matcher: { HttpCode: '200' },
    ...overrides,
  };
}

function target(id: string, state: string, reason?: string, description?: string): TargetHealthDescription {
  return {
    Target: { Id: id, Port: 8000, AvailabilityZone: 'us-east-1a' },
    HealthCheckPort: '8000',
    TargetHealth: { State: state as 'healthy', ...(reason ? { Reason: reason as 'Target.Timeout' } : {}), ...(description ? { Description: description } : {}) },
  };
}

const healthy = (id: string) => target(id, 'healthy');
const timedOut = (id: string) => target(id, 'unhealthy', 'Target.Timeout', 'Request timed out');

/** One target group `api` with the given targets. */
function givenApiGroup(targets: TargetHealthDescription[], group = targetGroup('api')) {
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [group] });
  elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: targets });
}

const run = (spec: Record<string, unknown>) => check.run(check.schema.parse(spec), fakeContext());

beforeEach(() => {
  elbv2.reset();
  ecs.reset();
});

describe('alb-targets-healthy schema', () => {
  it.each([
    [{ targetGroupArn: API_ARN }],
    [{ targetGroupName: 'api' }],
    [{ cluster: 'c', service: 's' }],
    [{ targetGroupName: 'api', minHealthy: 2 }],
  ])('accepts %j', (spec) => {
    expect(check.schema.safeParse(spec).success).toBe(true);
  });

  it.each([
    [{}, 'set exactly one of targetGroupArn, targetGroupName, or cluster + service'],
    [{ targetGroupArn: API_ARN, targetGroupName: 'api' }, 'set exactly one of targetGroupArn, targetGroupName, or cluster + service'],
    [{ targetGroupName: 'api', cluster: 'c', service: 's' }, 'set exactly one of targetGroupArn, targetGroupName, or cluster + service'],
    [{ cluster: 'c' }, 'cluster and service go together'],
    [{ service: 's' }, 'cluster and service go together'],
    [{ targetGroupName: 'api', minHealthy: 0 }, 'expected number to be >=1'],
    [{ targetGroupName: 'api', healthyMin: 1 }, 'healthyMin'],
  ])('rejects %j', (spec, message) => {
    const result = check.schema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});

describe('alb-targets-healthy', () => {
  it('passes when every registered target is healthy', async () => {
    givenApiGroup([healthy('10.0.1.23'), healthy('10.0.1.24')]);
    const result = await run({ targetGroupArn: API_ARN });
    expect(result.outcome).toBe('pass');
    expect(result.message).toBe('target group api: 2 of 2 targets healthy');
    expect(result.facts).toMatchObject({ targetTimeout: false, healthyTargets: 2, registeredTargets: 2 });
    expect(elbv2.commandCalls(DescribeTargetHealthCommand)[0]?.args[0].input).toEqual({ TargetGroupArn: API_ARN });
  });

  it('reports an unhealthy Target.Timeout target precisely, with the health-check settings', async () => {
    givenApiGroup([timedOut('10.0.1.23')]);
    const result = await run({ targetGroupArn: API_ARN });
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(
      'target group api: 0 of 1 targets healthy (need all, at least 1): 10.0.1.23:8000 unhealthy Target.Timeout "Request timed out" (health check HTTP /health timeout 5s every 30s)',
    );
    expect(result.facts).toMatchObject({ targetTimeout: true, targetReasons: ['Target.Timeout'] });
    expect(result.observations).toContainEqual({ what: 'target 10.0.1.23:8000 in api', expected: 'healthy', actual: 'unhealthy Target.Timeout "Request timed out"', ok: false });
    expect(result.nextSteps).toEqual([
      `aws elbv2 describe-target-health --target-group-arn ${API_ARN} --query 'TargetHealthDescriptions[*].{id:Target.Id,port:Target.Port,state:TargetHealth.State,reason:TargetHealth.Reason}'`,
    ]);
  });

  it('carries each target group\'s health-check settings in details', async () => {
    givenApiGroup([healthy('10.0.1.23')], targetGroup('api', { Matcher: { HttpCode: '200-299' } }));
    const result = await run({ targetGroupArn: API_ARN });
    expect(result.details).toMatchObject({
      targetGroups: [
        {
          name: 'api',
          arn: API_ARN,
          healthCheck: {
            enabled: true,
            protocol: 'HTTP',
            port: 'traffic-port',
            path: '/health',
            timeoutSeconds: 5,
            intervalSeconds: 30,
            healthyThreshold: 5,
            unhealthyThreshold: 2,
            matcher: '200-299',
          },
          targets: [{ id: '10.0.1.23', port: 8000, availabilityZone: 'us-east-1a', state: 'healthy' }],
        },
      ],
    });
  });

  it.each([
    ['initial', 'Elb.RegistrationInProgress', 'Target registration is in progress', 'retry'],
    ['initial', 'Elb.InitialHealthChecking', 'Initial health checks in progress', 'retry'],
    ['draining', 'Target.DeregistrationInProgress', 'Target deregistration is in progress', 'retry'],
    ['unhealthy', 'Target.ResponseCodeMismatch', 'Health checks failed with these codes: [502]', 'retry'],
    ['unhealthy.draining', 'Target.FailedHealthChecks', 'Health checks failed', 'retry'],
    ['unused', 'Target.NotRegistered', 'Target is not registered to the target group', 'retry'],
    ['unused', 'Target.InvalidState', 'Target is in the stopped state', 'retry'],
    ['unavailable', 'Elb.InternalError', 'Health checks failed due to an internal error', 'retry'],
    ['unused', 'Target.NotInUse', 'Target is in an Availability Zone that is not enabled for your load balancer', 'fail'],
    ['unused', 'Target.IpUnusable', 'The target IP address is reserved for use by a load balancer', 'fail'],
    ['unavailable', 'Target.HealthCheckDisabled', 'Health checks are disabled', 'error'],
  ])('a target %s %s is %s… → %s', async (state, reason, description, outcome) => {
    givenApiGroup([healthy('10.0.1.23'), target('10.0.1.24', state, reason, description)]);
    const result = await run({ targetGroupName: 'api' });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(`target group api: 1 of 2 targets healthy (need all, at least 1): 10.0.1.24:8000 ${state} ${reason} "${description}"`);
    expect(result.message).not.toContain('10.0.1.23');
  });

  it('fails on an empty target group, saying so', async () => {
    givenApiGroup([]);
    const result = await run({ targetGroupArn: API_ARN });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('target group api has no registered targets (expected all, at least 1 healthy)');
  });

  it.each([
    ['2 healthy, 1 timing out', 2, [healthy('a'), healthy('b'), timedOut('c')], 'pass', 2],
    ['2 healthy, 1 timing out', 3, [healthy('a'), healthy('b'), timedOut('c')], 'retry', 2],
    ['2 healthy, none else registered yet', 3, [healthy('a'), healthy('b')], 'retry', 2],
    ['1 healthy, 1 not in use, 1 initial', 2, [healthy('a'), target('b', 'unused', 'Target.NotInUse'), target('c', 'initial')], 'retry', 1],
    ['1 healthy, 2 not in use', 2, [healthy('a'), target('b', 'unused', 'Target.NotInUse'), target('c', 'unused', 'Target.NotInUse')], 'fail', 1],
  ])('%s with minHealthy %i → %s', async (_label, minHealthy, targets, outcome, healthyCount) => {
    givenApiGroup(targets);
    const result = await run({ targetGroupArn: API_ARN, minHealthy });
    expect(result.outcome).toBe(outcome);
    expect(result.observations?.[0]).toMatchObject({ expected: `at least ${minHealthy}`, actual: `${healthyCount} of ${targets.length}` });
  });

  it('says how many are missing when fewer targets than minHealthy are registered', async () => {
    givenApiGroup([healthy('10.0.1.23')]);
    const result = await run({ targetGroupArn: API_ARN, minHealthy: 2 });
    expect(result).toMatchObject({ outcome: 'retry', message: 'target group api: 1 of 1 targets healthy (need at least 2)' });
  });

  it('finds the target group by name', async () => {
    givenApiGroup([healthy('10.0.1.23')]);
    const result = await run({ targetGroupName: 'api' });
    expect(result.outcome).toBe('pass');
    expect(elbv2.commandCalls(DescribeTargetGroupsCommand)[0]?.args[0].input).toEqual({ Names: ['api'] });
    expect(elbv2.commandCalls(DescribeTargetHealthCommand)[0]?.args[0].input).toEqual({ TargetGroupArn: API_ARN });
  });

  it('fails naming a target group that does not exist', async () => {
    elbv2.on(DescribeTargetGroupsCommand).rejects(Object.assign(new Error('One or more target groups not found'), { name: 'TargetGroupNotFoundException' }));
    const result = await run({ targetGroupName: 'nope' }).catch((e: AttemptResultError) => e.result);
    expect(result).toMatchObject({ outcome: 'fail', message: 'target group nope not found in region us-east-1' });
  });

  describe('with cluster + service', () => {
    const spec = { cluster: 'hokusai-development', service: 'hokusai-api-development' };

    function givenService(targetGroupArns: string[]) {
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceName: spec.service,
            status: 'ACTIVE',
            desiredCount: 1,
            runningCount: 1,
            deployments: [],
            loadBalancers: targetGroupArns.map((targetGroupArn) => ({ targetGroupArn, containerName: 'api', containerPort: 8000 })),
          },
        ],
        failures: [],
      });
    }

    it('checks every target group of the service in parallel; all must be healthy', async () => {
      givenService([arnOf('api'), arnOf('admin')]);
      elbv2.on(DescribeTargetGroupsCommand, { TargetGroupArns: [arnOf('api')] }).resolves({ TargetGroups: [targetGroup('api')] });
      elbv2.on(DescribeTargetGroupsCommand, { TargetGroupArns: [arnOf('admin')] }).resolves({ TargetGroups: [targetGroup('admin')] });
      let inFlight = 0;
      let maxInFlight = 0;
      elbv2.on(DescribeTargetHealthCommand).callsFake(async (input: { TargetGroupArn: string }) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inFlight -= 1;
        return { TargetHealthDescriptions: input.TargetGroupArn === arnOf('admin') ? [timedOut('10.0.2.7')] : [healthy('10.0.1.23')] };
      });

      const result = await run(spec);

      expect(maxInFlight).toBe(2);
      expect(result.outcome).toBe('retry');
      expect(result.message).toMatch(/^target group admin: 0 of 1 targets healthy .*10\.0\.2\.7:8000 unhealthy Target\.Timeout "Request timed out"/);
      expect(result.message).not.toContain('target group api');
      expect(result.nextSteps).toEqual([expect.stringContaining(`--target-group-arn ${arnOf('admin')} `)]);
      expect((result.details?.targetGroups as unknown[]).length).toBe(2);
      expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({ cluster: spec.cluster, services: [spec.service] });
    });

    it('passes when every target group is healthy and names them all', async () => {
      givenService([arnOf('api'), arnOf('admin')]);
      elbv2.on(DescribeTargetGroupsCommand, { TargetGroupArns: [arnOf('api')] }).resolves({ TargetGroups: [targetGroup('api')] });
      elbv2.on(DescribeTargetGroupsCommand, { TargetGroupArns: [arnOf('admin')] }).resolves({ TargetGroups: [targetGroup('admin')] });
      elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [healthy('10.0.1.23')] });
      const result = await run(spec);
      expect(result.outcome).toBe('pass');
      expect(result.message).toBe('target group api: 1 of 1 targets healthy; target group admin: 1 of 1 targets healthy');
    });

    it('a broken target group outweighs one that is still starting', async () => {
      givenService([arnOf('api'), arnOf('admin')]);
      elbv2.on(DescribeTargetGroupsCommand, { TargetGroupArns: [arnOf('api')] }).resolves({ TargetGroups: [targetGroup('api')] });
      elbv2.on(DescribeTargetGroupsCommand, { TargetGroupArns: [arnOf('admin')] }).resolves({ TargetGroups: [targetGroup('admin')] });
      elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: arnOf('api') }).resolves({ TargetHealthDescriptions: [target('10.0.1.23', 'initial')] });
      elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: arnOf('admin') }).resolves({ TargetHealthDescriptions: [] });
      const result = await run(spec);
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe(
        'target group api: 0 of 1 targets healthy (need all, at least 1): 10.0.1.23:8000 initial; target group admin has no registered targets (expected all, at least 1 healthy)',
      );
      expect(result.nextSteps).toContain(`aws ecs describe-services --cluster ${spec.cluster} --services ${spec.service} --query 'services[0].events[:5].message'`);
    });

    it('fails when the service has no target group', async () => {
      givenService([]);
      const result = await run(spec);
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe('ECS service hokusai-api-development in cluster hokusai-development has no target group in its loadBalancers');
      expect(elbv2.calls()).toHaveLength(0);
    });
  });

  describe('AWS errors', () => {
    it('AccessDenied → error naming the IAM action', async () => {
      elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [targetGroup('api')] });
      elbv2.on(DescribeTargetHealthCommand).rejects(Object.assign(new Error('User is not authorized to perform: elasticloadbalancing:DescribeTargetHealth'), { name: 'AccessDenied' }));
      const error = await run({ targetGroupArn: API_ARN }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(AttemptResultError);
      expect((error as AttemptResultError).result.outcome).toBe('error');
      expect((error as AttemptResultError).result.message).toContain('AccessDenied: elasticloadbalancing:DescribeTargetHealth is not allowed');
    });

    it('throttling → retry', async () => {
      elbv2.on(DescribeTargetGroupsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
      elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
      const error = await run({ targetGroupName: 'api' }).then(() => undefined, (e: unknown) => e);
      expect((error as AttemptResultError).result).toMatchObject({ outcome: 'retry', message: expect.stringContaining('elasticloadbalancing:DescribeTargetGroups') });
    });

    it('lets an abort propagate untouched', async () => {
      const controller = new AbortController();
      elbv2.on(DescribeTargetGroupsCommand).callsFake(() => {
        controller.abort();
        throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
      });
      const error = await check.run(check.schema.parse({ targetGroupName: 'api' }), fakeContext({ signal: controller.signal })).then(() => undefined, (e: unknown) => e);
      expect(error).not.toBeInstanceOf(AttemptResultError);
      expect((error as Error).name).toBe('AbortError');
    });
  });

  it.each([
    [{ targetGroupArn: API_ARN }, 'all targets healthy in target group api'],
    [{ targetGroupName: 'api', minHealthy: 2 }, 'at least 2 targets healthy in target group api'],
    [{ cluster: 'c', service: 's' }, 'all targets healthy in every target group of ECS service s (cluster c)'],
  ])('describes %j', (spec, text) => {
    expect(check.describe(check.schema.parse(spec))).toBe(text);
  });
});
