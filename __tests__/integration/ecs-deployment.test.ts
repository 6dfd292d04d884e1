/**
 * ecs-deployment against moto with scripts/moto/ext_ecs_deployments.py, which adds the service
 * deployments API moto lacks: every CreateService / UpdateService records a service deployment,
 * and `moto:deployment:*` tags on the service set the newest one's status, stage, counts, circuit
 * breaker, alarms and PAUSE hook. Denied ListServiceDeployments goes through the fault proxy
 * (moto has no IAM). Revisions are 1 and 2 here (the incident's 151/152 would take 152 registrations).
 */
import { it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import {
  ContinueServiceDeploymentCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { ecsDeployment } from '../../checks/ecs-deployment.js';
import { ecsServiceStable } from '../../checks/ecs-service-stable.js';
import { AttemptResultError, type AttemptResult, type CheckType } from '../../checks/types.js';
import { ClientPool } from '../../runner/clients.js';
import { fakeContext } from '../support/context.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { useClientPool } from '../support/clients.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const suite = requireTool('moto', 'ecs-deployment integration tests');

const CLUSTER = 'hokusai-development';
const SERVICE = 'hokusai-api';
const SPEC = { cluster: CLUSTER, service: SERVICE };
const WHERE = 'ECS service hokusai-api (cluster hokusai-development)';

suite('ecs-deployment against moto', () => {
  // Every describe-tasks would move a task towards STOPPED: pin the state manager (reset keeps it).
  const moto = useMoto({ pinEcsTasks: true, resetBetweenTests: true });
  const aws = useClientPool();
  let ecs: ECSClient;
  let serviceArn: string;

  beforeAll(async () => {
    ecs = new ECSClient({});
  });
  afterAll(async () => {
    ecs?.destroy();
  });
  beforeEach(async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    for (const image of ['hokusai/api:1', 'hokusai/api:2']) {
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: SERVICE,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'api', image, memory: 512 }], // moto's run-task needs container-level memory
        }),
      );
    }
  });

  async function attempt<S>(check: CheckType<S>, spec: unknown, clients = aws.pool): Promise<AttemptResult> {
    try {
      return await check.run(check.schema.parse(spec), fakeContext({ clients }));
    } catch (error) {
      if (error instanceof AttemptResultError) return error.result;
      throw error;
    }
  }

  const toTags = (tags: Record<string, string>) => Object.entries(tags).map(([key, value]) => ({ key, value }));
  const tag = (tags: Record<string, string>) => ecs.send(new TagResourceCommand({ resourceArn: serviceArn, tags: toTags(tags) }));

  /** hokusai-api created on revision 1, then updated to `revisions` in turn: one service deployment each. */
  async function rollout(revisions: number[], tags: Record<string, string> = {}): Promise<void> {
    const created = await ecs.send(
      new CreateServiceCommand({ cluster: CLUSTER, serviceName: SERVICE, taskDefinition: `${SERVICE}:1`, desiredCount: 2, tags: toTags(tags) }),
    );
    serviceArn = created.service!.serviceArn!;
    for (const revision of revisions) {
      await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: `${SERVICE}:${revision}` }));
    }
  }

  /** awsvpc tasks need a VPC with DNS hostnames, a subnet and a security group in moto. */
  async function createNetwork() {
    const sdk = await import('@aws-sdk/client-ec2'); // ~1 s cold: only the test that runs tasks pays it
    const ec2 = new sdk.EC2Client({});
    try {
      const vpc = (await ec2.send(new sdk.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
      await ec2.send(new sdk.ModifyVpcAttributeCommand({ VpcId: vpc, EnableDnsHostnames: { Value: true } }));
      const subnet = (await ec2.send(new sdk.CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
      const group = (await ec2.send(new sdk.CreateSecurityGroupCommand({ GroupName: 'ecs-tasks', Description: 'api tasks', VpcId: vpc }))).GroupId!;
      return { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group] } };
    } finally {
      ec2.destroy();
    }
  }

  async function newestDeployment() {
    const listed = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }));
    const arn = listed.serviceDeployments![0]!.serviceDeploymentArn!;
    return { arn, id: arn.split('/').pop()!, listed: listed.serviceDeployments! };
  }

  it('passes when the newest service deployment is SUCCESSFUL on the expected revision', async () => {
    await rollout([2], { 'moto:deployment:status': 'SUCCESSFUL' });
    const { id, listed } = await newestDeployment();
    expect(listed.map((d) => d.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
    const result = await attempt(ecsDeployment, { ...SPEC, taskDefinition: `${SERVICE}:2` });
    expect(result.outcome).toBe('pass');
    expect(result.message).toBe(`${WHERE}: service deployment ${id} SUCCESSFUL: hokusai-api:2 runs 2/2 tasks as the PRIMARY deployment`);
    expect(result.details).toMatchObject({ source: 'ListServiceDeployments', serviceDeployment: { sources: [{ taskDefinition: 'hokusai-api:1' }] } });
  });

  it('retries while IN_PROGRESS at a stage with a PAUSE hook awaiting action, then passes once SUCCESSFUL', async () => {
    await rollout([2], {
      'moto:deployment:status': 'IN_PROGRESS',
      'moto:deployment:pauseHook': 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION',
      'moto:deployment:targetTasks': '2|1|1',
    });
    const { id } = await newestDeployment();
    const first = await attempt(ecsDeployment, SPEC);
    expect(first.outcome).toBe('retry');
    expect(first.message).toMatch(
      new RegExp(
        `^${WHERE.replace(/[()]/g, '\\$&')}: service deployment ${id} IN_PROGRESS at POST_TEST_TRAFFIC_SHIFT: hokusai-api:2 running 1/2 \\(1 pending\\); ` +
          `PAUSE hook ecs-pause-\\S+ awaiting action \\(ContinueServiceDeployment; ROLLBACK at \\S+Z\\)$`,
      ),
    );

    await tag({ 'moto:deployment:status': 'SUCCESSFUL' });
    await ecs.send(new UntagResourceCommand({ resourceArn: serviceArn, tagKeys: ['moto:deployment:pauseHook', 'moto:deployment:targetTasks'] }));
    const second = await attempt(ecsDeployment, SPEC);
    expect(second.outcome).toBe('pass');
    expect(second.message).toContain(`service deployment ${id} SUCCESSFUL: hokusai-api:2 runs 2/2 tasks`);
  });

  it('fails on a circuit-breaker rollback, with the reason, the breaker count and the stopped tasks of the new revision', async () => {
    await rollout([2], {
      'moto:deployment:status': 'ROLLBACK_SUCCESSFUL',
      'moto:deployment:statusReason': 'ECS deployment circuit breaker: tasks failed to start.',
      'moto:deployment:circuitBreaker': 'TRIGGERED|3|3',
    });
    const { id } = await newestDeployment();
    // What the circuit breaker saw: tasks of revision 2 that exited.
    const started = await ecs.send(
      new RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition: `${SERVICE}:2`,
        count: 3,
        launchType: 'FARGATE',
        networkConfiguration: await createNetwork(),
        group: `service:${SERVICE}`,
      }),
    );
    const taskArns = (started.tasks ?? []).map((t) => t.taskArn!);
    for (const task of taskArns) await ecs.send(new StopTaskCommand({ cluster: CLUSTER, task, reason: 'Essential container in task exited' }));
    await ecs.send(new TagResourceCommand({ resourceArn: taskArns[0], tags: toTags({ 'moto:stopCode': 'EssentialContainerExited' }) }));

    const services = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }));
    expect(services.services![0]!.deployments![0]!.taskDefinition).toMatch(/task-definition\/hokusai-api:1$/); // ECS went back

    const result = await attempt(ecsDeployment, { ...SPEC, taskDefinition: `${SERVICE}:2` });
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(
      new RegExp(
        `^${WHERE.replace(/[()]/g, '\\$&')}: service deployment ${id} ROLLBACK_SUCCESSFUL: ECS deployment circuit breaker: tasks failed to start\\.; ` +
          'circuit breaker TRIGGERED 3/3 failed tasks; rolled back to hokusai-api:1; this rollout targeted hokusai-api:2; ' +
          'evidence: task \\S+ stopped: (EssentialContainerExited: )?Essential container in task exited$',
      ),
    );
    const forensics = result.details?.forensics as { stoppedTasks: { id: string; stoppedReason: string }[] };
    expect(forensics.stoppedTasks).toHaveLength(3);
    expect(forensics.stoppedTasks.every((t) => t.stoppedReason === 'Essential container in task exited')).toBe(true);
  });

  it('fails when the service is stable on the old revision — where ecs-service-stable passes', async () => {
    await rollout([2, 1], { 'moto:deployment:status': 'SUCCESSFUL', 'moto:runningCount': '2', 'moto:rolloutState': 'COMPLETED' });
    const { listed } = await newestDeployment();
    const [back, ours] = listed.map((d) => d.serviceDeploymentArn!.split('/').pop());

    const stable = await attempt(ecsServiceStable, SPEC);
    expect(stable.outcome).toBe('pass');
    expect(stable.message).toContain('is stable on hokusai-api:1');

    const result = await attempt(ecsDeployment, { ...SPEC, taskDefinition: `${SERVICE}:2` });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      `${WHERE}: rolled back to hokusai-api:1; this rollout targeted hokusai-api:2 (service deployment ${ours} SUCCESSFUL; then service deployment ${back} (SUCCESSFUL) targeting hokusai-api:1)`,
    );
  });

  it('passes under a gate at POST_TEST_TRAFFIC_SHIFT while the deployment is IN_PROGRESS with the target revision running', async () => {
    await rollout([2], { 'moto:deployment:pauseHook': 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION', 'moto:deployment:targetTasks': '2|2|0' });
    const result = await attempt(ecsDeployment, { ...SPEC, stage: 'POST_TEST_TRAFFIC_SHIFT' });
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain('IN_PROGRESS at POST_TEST_TRAFFIC_SHIFT (gated: rollout completion is not judged); hokusai-api:2 runs 2/2 tasks, none UNHEALTHY');
  });

  it.each<{ state: string; tags: Record<string, string>; outcome: string; message: string }>([
    { state: 'COMPLETED on revision 2', tags: { 'moto:runningCount': '2', 'moto:rolloutState': 'COMPLETED' }, outcome: 'pass', message: 'COMPLETED on hokusai-api:2, running 2/2' },
    {
      state: 'FAILED rollout of revision 2',
      tags: { 'moto:rolloutState': 'FAILED', 'moto:rolloutStateReason': 'ECS deployment circuit breaker: tasks failed to start.', 'moto:failedTasks': '3' },
      outcome: 'fail',
      message: '(hokusai-api:2) FAILED after 3 failed tasks: ECS deployment circuit breaker: tasks failed to start.',
    },
  ])('falls back to DescribeServices when ecs:ListServiceDeployments is denied: $state → $outcome', async ({ tags, outcome, message }) => {
    await rollout([2], tags);
    const proxy = await startFaultProxy(moto.endpoint);
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    const proxied = new ClientPool({ region: 'us-east-1' });
    try {
      proxy.failNext(10, { code: 'AccessDeniedException', message: 'User is not authorized to perform: ecs:ListServiceDeployments' }, 'ListServiceDeployments');
      const result = await attempt(ecsDeployment, { ...SPEC, taskDefinition: `${SERVICE}:2` }, proxied);
      expect(result.outcome).toBe(outcome);
      expect(result.message).toContain(message);
      expect(result.message).toContain('(ecs:ListServiceDeployments denied: judged from DescribeServices)');
      expect(proxy.requests.find((r) => r.action === 'ListServiceDeployments')?.fault).toBe('AccessDeniedException');
      expect(proxy.count('DescribeServiceDeployments')).toBe(0);
    } finally {
      await proxied.destroy();
      process.env.AWS_ENDPOINT_URL = saved;
      await proxy.stop();
    }
  });

  it('the emulator records ContinueServiceDeployment on the hook awaiting action', async () => {
    await rollout([2], { 'moto:deployment:pauseHook': 'POST_SCALE_UP|AWAITING_ACTION' });
    const { arn } = await newestDeployment();
    const described = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
    const hook = described.serviceDeployments![0]!.lifecycleHookDetails![0]!;
    expect(hook).toMatchObject({ targetType: 'PAUSE', status: 'AWAITING_ACTION', timeoutAction: 'ROLLBACK' });

    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId, action: 'ROLLBACK' }));
    const tags = (await ecs.send(new ListTagsForResourceCommand({ resourceArn: serviceArn }))).tags ?? [];
    expect(tags).toContainEqual({ key: 'moto:deployment:continued', value: `ROLLBACK|${hook.hookId}` });
    const after = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0]!;
    expect(after.status).toBe('ROLLBACK_REQUESTED');
    expect(after.lifecycleHookDetails![0]!.status).toBe('FAILED');
    await expect(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: hook.hookId }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});
