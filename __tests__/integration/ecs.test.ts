/**
 * The three ECS check types against a real moto_server (with scripts/moto/ext_ecs.py).
 *
 * What moto can and cannot show here, honestly:
 * - Services never start tasks. The tests start them with run-task, tied to the service the way
 *   ECS does it (startedBy = the PRIMARY deployment id, group = "service:<name>"), because moto
 *   ignores ListTasks' serviceName (one service per cluster here; the check also filters by group).
 * - Every describe-tasks would advance a task towards STOPPED: the ecs::task state manager is
 *   pinned to manual progression in beforeAll (moto's reset does not undo that).
 * - Rollout state, running counts, task healthStatus, PENDING tasks, stopCode and exit codes are
 *   not emulated: ext_ecs.py applies them from `moto:*` tags set by the test.
 * - No throttling or AccessDenied in moto: those paths are unit-tested with mocks.
 * - Revisions are 1 and 2 here (the incident's 150/151 would take 151 registrations).
 */
import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import type { ECSClient, Tag } from '@aws-sdk/client-ecs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ecsServiceStable } from '../../checks/ecs-service-stable.js';
import { ecsTaskRunning } from '../../checks/ecs-task-running.js';
import { ecsTaskDefinition } from '../../checks/ecs-task-definition.js';
import { AttemptResultError, type AttemptResult, type CheckType } from '../../checks/types.js';
import { ClientPool } from '../../runner/clients.js';
import { fakeContext } from '../support/context.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const CLUSTER = 'hokusai-development';
const SERVICE = 'hokusai-api';
const SECRET = { name: 'HUGGINGFACE_API_KEY', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hokusai/hf-key' };

requireTool('moto', 'ECS integration tests')('ECS checks against moto', () => {
  const moto = useMoto({ pinEcsTasks: true });
  let ecs: ECSClient;
  let ec2: EC2Client | undefined;
  let pool: ClientPool;
  let sdk: typeof import('@aws-sdk/client-ecs');
  /** Only the run-task tests create a VPC (awsvpc tasks need one); services without it are fine for moto. */
  let network: { awsvpcConfiguration: { subnets: string[]; securityGroups: string[] } } | undefined;

  beforeAll(async () => {
    sdk = await import('@aws-sdk/client-ecs');
    ecs = new sdk.ECSClient({});
    pool = new ClientPool({ region: 'us-east-1' });
  });

  afterAll(async () => {
    ecs?.destroy();
    ec2?.destroy();
    await pool?.destroy();
  });

  beforeEach(async () => {
    await moto.reset();
    network = undefined;
    await ecs.send(new sdk.CreateClusterCommand({ clusterName: CLUSTER }));
    await registerRevision([]); // hokusai-api:1, before the fix
    await registerRevision([SECRET]); // hokusai-api:2, with HUGGINGFACE_API_KEY
  });

  async function createNetwork() {
    const ec2sdk = await import('@aws-sdk/client-ec2'); // ~1 s cold: only the run-task tests pay it
    ec2 ??= new ec2sdk.EC2Client({});
    const vpc = (await ec2.send(new ec2sdk.CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    // awsvpc tasks get a private DNS name: moto needs the VPC's DNS hostnames for that.
    await ec2.send(new ec2sdk.ModifyVpcAttributeCommand({ VpcId: vpc, EnableDnsHostnames: { Value: true } }));
    const subnet = (await ec2.send(new ec2sdk.CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
    const group = (await ec2.send(new ec2sdk.CreateSecurityGroupCommand({ GroupName: 'ecs-tasks', Description: 'api tasks', VpcId: vpc }))).GroupId!;
    return { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group] } };
  }

  async function registerRevision(secrets: { name: string; valueFrom: string }[]) {
    await ecs.send(
      new sdk.RegisterTaskDefinitionCommand({
        family: SERVICE,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'api',
            image: 'hokusai/api:latest',
            memory: 512, // moto's run-task needs container-level memory
            secrets,
            environment: [{ name: 'REDIS_URL', value: 'redis://master.hokusai-redis:6379' }],
          },
        ],
      }),
    );
  }

  /** Creates the service; `moto:*` tags drive what ext_ecs.py reports. Returns the PRIMARY deployment id. */
  async function createService(revision: number, tags: Record<string, string> = {}, desiredCount = 2): Promise<string> {
    const out = await ecs.send(
      new sdk.CreateServiceCommand({
        cluster: CLUSTER,
        serviceName: SERVICE,
        taskDefinition: `${SERVICE}:${revision}`,
        desiredCount,
        launchType: 'FARGATE',
        ...(network ? { networkConfiguration: network } : {}),
        tags: toTags(tags),
      }),
    );
    return out.service!.deployments![0]!.id!;
  }

  /** Starts tasks the way the ECS scheduler would for the deployment. Returns their ARNs. */
  async function startTasks(deploymentId: string, revision: number, count: number, tags: Record<string, string> = {}): Promise<string[]> {
    const out = await ecs.send(
      new sdk.RunTaskCommand({
        cluster: CLUSTER,
        taskDefinition: `${SERVICE}:${revision}`,
        count,
        launchType: 'FARGATE',
        networkConfiguration: network,
        ...(deploymentId ? { startedBy: deploymentId } : {}),
        group: `service:${SERVICE}`,
        tags: toTags(tags),
      }),
    );
    return out.tasks!.map((task) => task.taskArn!);
  }

  function toTags(tags: Record<string, string>): Tag[] {
    return Object.entries(tags).map(([key, value]) => ({ key, value }));
  }

  async function attempt<S>(check: CheckType<S>, spec: unknown): Promise<AttemptResult> {
    try {
      return await check.run(check.schema.parse(spec), fakeContext({ clients: pool }));
    } catch (error) {
      if (error instanceof AttemptResultError) return error.result;
      throw error;
    }
  }

  const BY_SERVICE = { cluster: CLUSTER, service: SERVICE };

  describe('ecs-service-stable', () => {
    it('passes once the rollout is COMPLETED with 2/2 running', async () => {
      await createService(2, { 'moto:runningCount': '2', 'moto:rolloutState': 'COMPLETED' });
      const result = await attempt(ecsServiceStable, BY_SERVICE);
      expect(result.outcome).toBe('pass');
      expect(result.message).toBe(
        'ECS service hokusai-api (cluster hokusai-development) is stable on hokusai-api:2: running 2/2, deployments: PRIMARY COMPLETED',
      );
    });

    it("retries while moto's rollout is IN_PROGRESS with nothing running", async () => {
      await createService(2);
      const result = await attempt(ecsServiceStable, BY_SERVICE);
      expect(result.outcome).toBe('retry');
      expect(result.message).toContain('not stable yet: running 0/2, deployments: PRIMARY IN_PROGRESS');
    });

    it('fails on a FAILED rollout with its reason', async () => {
      await createService(2, {
        'moto:rolloutState': 'FAILED',
        'moto:rolloutStateReason': 'ECS deployment circuit breaker: tasks failed to start.',
        'moto:failedTasks': '3',
      });
      const result = await attempt(ecsServiceStable, BY_SERVICE);
      expect(result.outcome).toBe('fail');
      expect(result.message).toMatch(/deployment ecs-svc\/\d+ \(hokusai-api:2\) FAILED after 3 failed tasks: ECS deployment circuit breaker/);
    });

    it('fails when the service is missing', async () => {
      const result = await attempt(ecsServiceStable, BY_SERVICE);
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe('ECS service hokusai-api not found in cluster hokusai-development, region us-east-1 (MISSING)');
    });

    it('fails when the service was deleted (INACTIVE)', async () => {
      await createService(2);
      await ecs.send(new sdk.DeleteServiceCommand({ cluster: CLUSTER, service: SERVICE, force: true }));
      const result = await attempt(ecsServiceStable, BY_SERVICE);
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe('ECS service hokusai-api in cluster hokusai-development is INACTIVE');
    });
  });

  describe('ecs-task-running', () => {
    beforeEach(async () => {
      network = await createNetwork();
    });

    it('passes with two tasks RUNNING on the deployed revision', async () => {
      const deployment = await createService(2);
      await startTasks(deployment, 2, 2);
      const result = await attempt(ecsTaskRunning, { ...BY_SERVICE, taskDefinition: { revision: '>=2' } });
      expect(result.outcome).toBe('pass');
      expect(result.message).toBe('ECS service hokusai-api (cluster hokusai-development): 2/2 tasks RUNNING on hokusai-api:>=2, none UNHEALTHY');
    });

    it('fails when the service still deploys the old revision', async () => {
      const deployment = await createService(1);
      await startTasks(deployment, 1, 2);
      const result = await attempt(ecsTaskRunning, { ...BY_SERVICE, taskDefinition: { revision: '>=2' } });
      expect(result.outcome).toBe('fail');
      expect(result.message).toContain('the PRIMARY deployment runs hokusai-api:1, expected hokusai-api:>=2: that revision was never deployed');
    });

    it('retries while tasks of the old revision still run', async () => {
      const deployment = await createService(2);
      await startTasks('ecs-svc/previous', 1, 2);
      await startTasks(deployment, 2, 1);
      const result = await attempt(ecsTaskRunning, BY_SERVICE);
      expect(result.outcome).toBe('retry');
      expect(result.message).toBe(
        'ECS service hokusai-api (cluster hokusai-development): 1/2 tasks RUNNING on hokusai-api:2 (RUNNING for other deployments, not counted: 2 hokusai-api:1)',
      );
    });

    it('--force-new-deployment: tasks of the previous deployment on the same revision are not counted', async () => {
      const before = await createService(2);
      await startTasks(before, 2, 2);
      expect((await attempt(ecsTaskRunning, BY_SERVICE)).outcome).toBe('pass');
      // moto gives the PRIMARY deployment a new id on a forced redeploy (ECS adds a new PRIMARY).
      const updated = await ecs.send(new sdk.UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, forceNewDeployment: true }));
      const after = updated.service!.deployments!.find((d) => d.status === 'PRIMARY')!.id!;
      expect(after).not.toBe(before);

      const rolling = await attempt(ecsTaskRunning, BY_SERVICE);
      expect(rolling.outcome).toBe('retry');
      expect(rolling.message).toBe(
        'ECS service hokusai-api (cluster hokusai-development): 0/2 tasks RUNNING on hokusai-api:2 (RUNNING for other deployments, not counted: 2 hokusai-api:2)',
      );
      expect(rolling.details).toMatchObject({ primaryDeployment: after, countedByTaskDefinition: 0 });

      await startTasks(after, 2, 2);
      const done = await attempt(ecsTaskRunning, BY_SERVICE);
      expect(done.outcome).toBe('pass');
      expect(done.message).toBe('ECS service hokusai-api (cluster hokusai-development): 2/2 tasks RUNNING on hokusai-api:2, none UNHEALTHY');
    });

    it('tasks without startedBy (moto leaves it empty when run-task gives none) are counted by task definition, and the message says so', async () => {
      await createService(2);
      await startTasks('', 2, 2);
      const result = await attempt(ecsTaskRunning, BY_SERVICE);
      expect(result.outcome).toBe('pass');
      expect(result.message).toBe(
        'ECS service hokusai-api (cluster hokusai-development): 2/2 tasks RUNNING on hokusai-api:2, none UNHEALTHY (2 tasks without startedBy counted by task definition)',
      );
    });

    it('retries while a task is PENDING', async () => {
      const deployment = await createService(2);
      await startTasks(deployment, 2, 1);
      await startTasks(deployment, 2, 1, { 'moto:lastStatus': 'PENDING' });
      const result = await attempt(ecsTaskRunning, BY_SERVICE);
      expect(result.outcome).toBe('retry');
      expect(result.message).toContain('1/2 tasks RUNNING on hokusai-api:2 (1 PENDING starting)');
    });

    it('retries on an UNHEALTHY task, naming it', async () => {
      const deployment = await createService(2);
      await startTasks(deployment, 2, 1);
      const [sick] = await startTasks(deployment, 2, 1, { 'moto:healthStatus': 'UNHEALTHY' });
      const result = await attempt(ecsTaskRunning, BY_SERVICE);
      expect(result.outcome).toBe('retry');
      expect(result.message).toContain(`task ${sick!.split('/').pop()} is UNHEALTHY (container api UNHEALTHY)`);
    });

    it('fails at once when a task of the current deployment STOPPED, with its reason, stopCode and exit code', async () => {
      const deployment = await createService(2);
      const [first] = await startTasks(deployment, 2, 2);
      await ecs.send(new sdk.StopTaskCommand({ cluster: CLUSTER, task: first, reason: 'Essential container in task exited' }));
      await ecs.send(
        new sdk.TagResourceCommand({ resourceArn: first, tags: toTags({ 'moto:stopCode': 'EssentialContainerExited', 'moto:exitCode': '1' }) }),
      );
      const result = await attempt(ecsTaskRunning, BY_SERVICE);
      expect(result.outcome).toBe('fail');
      expect(result.message).toContain(
        `task ${first!.split('/').pop()} of the current deployment (hokusai-api:2) STOPPED: EssentialContainerExited: Essential container in task exited (container api exit 1)`,
      );
      expect(result.nextSteps?.[0]).toContain(`aws ecs describe-tasks --cluster hokusai-development --tasks ${first}`);
    });

    it('fails when the service is missing', async () => {
      const result = await attempt(ecsTaskRunning, BY_SERVICE);
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe('ECS service hokusai-api not found in cluster hokusai-development, region us-east-1 (MISSING)');
    });
  });

  describe('ecs-task-definition', () => {
    it('passes when the deployed revision declares the secret', async () => {
      await createService(2);
      const result = await attempt(ecsTaskDefinition, { ...BY_SERVICE, secrets: ['HUGGINGFACE_API_KEY'], environment: ['REDIS_URL'] });
      expect(result.outcome).toBe('pass');
      expect(result.message).toBe(
        'task definition hokusai-api:2 (run by ECS service hokusai-api, cluster hokusai-development) declares secret HUGGINGFACE_API_KEY and environment REDIS_URL',
      );
    });

    it('fails naming the secret and the revision when the service runs the revision without it', async () => {
      await createService(1);
      const result = await attempt(ecsTaskDefinition, { ...BY_SERVICE, secrets: ['HUGGINGFACE_API_KEY'] });
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe(
        'task definition hokusai-api:1 (run by ECS service hokusai-api, cluster hokusai-development) is missing secret HUGGINGFACE_API_KEY',
      );
      expect(result.fix?.command).toBe('aws ecs update-service --cluster hokusai-development --service hokusai-api --task-definition hokusai-api:2');
      expect(JSON.stringify(result)).not.toContain('secretsmanager');
    });

    it.each([
      { taskDefinition: 'hokusai-api:1', outcome: 'fail', message: 'task definition hokusai-api:1 is missing secret HUGGINGFACE_API_KEY' },
      { taskDefinition: 'hokusai-api', outcome: 'pass', message: 'task definition hokusai-api:2 declares secret HUGGINGFACE_API_KEY' },
      { taskDefinition: 'hokusai-api:7', outcome: 'fail', message: 'task definition hokusai-api:7 not found in region us-east-1' },
    ])('with taskDefinition $taskDefinition → $outcome', async ({ taskDefinition, outcome, message }) => {
      const result = await attempt(ecsTaskDefinition, { taskDefinition, secrets: ['HUGGINGFACE_API_KEY'] });
      expect(result.outcome).toBe(outcome);
      expect(result.message).toBe(message);
    });

    it('fails when the service is missing', async () => {
      const result = await attempt(ecsTaskDefinition, { ...BY_SERVICE, secrets: ['HUGGINGFACE_API_KEY'] });
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe('ECS service hokusai-api not found in cluster hokusai-development, region us-east-1 (MISSING)');
    });
  });
});
