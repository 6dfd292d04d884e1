/**
 * alb-targets-healthy against moto: a real ALB, target group (/health, timeout 5 s) and targets.
 * moto reports every registered target healthy; scripts/moto/ext_elbv2.py lets a target-group tag
 * set a target's health, which replays the incident's `unhealthy Target.Timeout`.
 */
import { it, expect, beforeAll, afterAll } from '@jest/globals';
import { EC2Client } from '@aws-sdk/client-ec2';
import { AddTagsCommand, DeregisterTargetsCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { albTargetsHealthy } from '../../checks/alb-targets-healthy.js';
import { fakeContext } from '../support/context.js';
import { useClientPool } from '../support/clients.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';
import { createLoadBalancer, createNetwork, createTargetGroup } from '../../scripts/fixtures/index.js';

const suite = requireTool('moto', 'alb-targets-healthy integration tests');

const TARGETS = [
  { Id: '10.0.1.23', Port: 8000 },
  { Id: '10.0.2.41', Port: 8000 },
];

suite('alb-targets-healthy against moto', () => {
  useMoto({ resetBetweenTests: true });
  const aws = useClientPool();
  let ec2: EC2Client;
  let elbv2: ElasticLoadBalancingV2Client;
  let ecs: ECSClient;

  beforeAll(() => {
    ec2 = new EC2Client({});
    elbv2 = new ElasticLoadBalancingV2Client({});
    ecs = new ECSClient({});
  });
  afterAll(async () => {
    ec2?.destroy();
    elbv2?.destroy();
    ecs?.destroy();
  });

  const run = (spec: Record<string, unknown>) => albTargetsHealthy.run(albTargetsHealthy.schema.parse(spec), fakeContext({ clients: aws.pool }));

  /** VPC, two subnets, an ALB and a listener forwarding to target group `hokusai-api` (the incident's health check). */
  async function loadBalancedTargetGroup(): Promise<string> {
    const network = await createNetwork(ec2, {
      subnets: [
        { cidr: '10.0.1.0/24', availabilityZone: 'us-east-1a' },
        { cidr: '10.0.2.0/24', availabilityZone: 'us-east-1b' },
      ],
    });
    const group = await createTargetGroup(elbv2, {
      name: 'hokusai-api',
      vpcId: network.vpcId,
      port: 8000,
      healthCheck: { path: '/health', timeoutSeconds: 5, intervalSeconds: 30, healthyThreshold: 5, unhealthyThreshold: 2, matcher: '200' },
    });
    await createLoadBalancer(elbv2, { name: 'hokusai-alb', subnetIds: network.subnetIds, securityGroups: [], targetGroupArn: group });
    return group;
  }

  async function registered(targets = TARGETS): Promise<string> {
    const group = await loadBalancedTargetGroup();
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: group, Targets: targets }));
    return group;
  }

  /** ext_elbv2.py: a tag on the target group overrides one target's health. */
  async function setHealth(group: string, target: string, value: string) {
    await elbv2.send(new AddTagsCommand({ ResourceArns: [group], Tags: [{ Key: `moto:health:${target}`, Value: value }] }));
  }

  it('passes when every registered target is healthy, reading the health-check settings back', async () => {
    const group = await registered();
    const result = await run({ targetGroupArn: group });
    expect(result.outcome).toBe('pass');
    expect(result.message).toBe('target group hokusai-api: 2 of 2 targets healthy');
    expect(result.details).toMatchObject({
      targetGroups: [{ arn: group, healthCheck: { protocol: 'HTTP', path: '/health', timeoutSeconds: 5, intervalSeconds: 30, healthyThreshold: 5, unhealthyThreshold: 2, matcher: '200' } }],
    });
  });

  it('reports the incident: unhealthy Target.Timeout, precisely, and sets the targetTimeout fact', async () => {
    const group = await registered();
    await setHealth(group, '10.0.1.23:8000', 'unhealthy|Target.Timeout|Request timed out');
    const result = await run({ targetGroupName: 'hokusai-api' });
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(
      'target group hokusai-api: 1 of 2 targets healthy (need all, at least 1): 10.0.1.23:8000 unhealthy Target.Timeout "Request timed out" (health check HTTP /health timeout 5s every 30s)',
    );
    expect(result.facts).toMatchObject({ targetTimeout: true, healthyTargets: 1, registeredTargets: 2 });
    expect(result.nextSteps?.[0]).toContain(`aws elbv2 describe-target-health --target-group-arn ${group} `);
  });

  it.each([
    ['initial|Elb.RegistrationInProgress|Target registration is in progress', 'retry'],
    ['unused|Target.NotInUse|Target is in an Availability Zone that is not enabled for your load balancer', 'fail'],
  ])('a target %s → %s', async (health, outcome) => {
    const group = await registered([TARGETS[0]!]);
    await setHealth(group, '10.0.1.23:8000', health);
    const [state, reason, description] = health.split('|');
    const result = await run({ targetGroupArn: group });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(`10.0.1.23:8000 ${state} ${reason} "${description}"`);
  });

  it('minHealthy tolerates a timing-out target', async () => {
    const group = await registered();
    await setHealth(group, '10.0.2.41:8000', 'unhealthy|Target.Timeout|Request timed out');
    const result = await run({ targetGroupArn: group, minHealthy: 1 });
    expect(result.outcome).toBe('pass');
    expect(result.facts).toMatchObject({ targetTimeout: true });
  });

  it('a deregistered target no longer counts; with none left the group is empty → fail', async () => {
    const group = await registered();
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: group, Targets: [TARGETS[1]!] }));
    expect((await run({ targetGroupArn: group })).message).toBe('target group hokusai-api: 1 of 1 targets healthy');
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: group, Targets: [TARGETS[0]!] }));
    const result = await run({ targetGroupArn: group });
    expect(result).toMatchObject({ outcome: 'fail', message: 'target group hokusai-api has no registered targets (expected all, at least 1 healthy)' });
  });

  it('fails on a target group nobody registered targets in', async () => {
    const group = await loadBalancedTargetGroup();
    const result = await run({ targetGroupArn: group });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('has no registered targets');
  });

  it('fails naming a target group that does not exist', async () => {
    await loadBalancedTargetGroup();
    const result = await run({ targetGroupName: 'hokusai-api-typo' }).catch((e: { result: unknown }) => e.result);
    expect(result).toMatchObject({ outcome: 'fail', message: 'target group hokusai-api-typo not found in region us-east-1' });
  });

  it('checks the target groups of an ECS service', async () => {
    const group = await registered();
    await ecs.send(new CreateClusterCommand({ clusterName: 'hokusai-development' }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({ family: 'hokusai-api', containerDefinitions: [{ name: 'api', image: 'api:151', memory: 512, portMappings: [{ containerPort: 8000 }] }] }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'hokusai-development',
        serviceName: 'hokusai-api-development',
        taskDefinition: 'hokusai-api',
        desiredCount: 2,
        loadBalancers: [{ targetGroupArn: group, containerName: 'api', containerPort: 8000 }],
      }),
    );
    await setHealth(group, '10.0.2.41:8000', 'unhealthy|Target.ResponseCodeMismatch|Health checks failed with these codes: [502]');
    const result = await run({ cluster: 'hokusai-development', service: 'hokusai-api-development' });
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('10.0.2.41:8000 unhealthy Target.ResponseCodeMismatch "Health checks failed with these codes: [502]"');
    expect(result.facts).toMatchObject({ targetTimeout: false, targetReasons: ['Target.ResponseCodeMismatch'] });
  });
});
