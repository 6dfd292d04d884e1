/**
 * The emulated AWS resources the benchmark polls, created straight against moto (not through a
 * counting proxy, so set-up calls are never counted), and the switches that flip them:
 *
 * - cluster `bench` / service `api` (desired 2, awsvpc, behind target group `bench-api`, logs to
 *   `/ecs/bench-api`): unhealthy = `moto:runningCount 0` + rollout IN_PROGRESS, healthy = 2/2 COMPLETED
 *   (scripts/moto/ext_ecs.py applies the tags on every DescribeServices).
 * - target group `bench-api` with two ip targets: unhealthy = a `moto:health:<ip>:8000` tag saying
 *   `initial Elb.RegistrationInProgress` on each, healthy = the tags removed (scripts/moto/ext_elbv2.py).
 * - cluster `bench-failed` / service `api`: the PRIMARY rollout is FAILED (circuit breaker).
 * - cluster `bench-stopped` / service `api`: one of its two tasks STOPPED (EssentialContainerExited).
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  awslogs,
  createEcsService,
  createLogGroup,
  createNetwork,
  createSecurityGroup,
  createTargetGroup,
  ecsTags,
  registerTaskDefinition,
  runServiceTasks,
  stopTask,
} from '../fixtures/index.js';

export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

export const CLUSTER = 'bench';
export const SERVICE = 'api';
export const FAILED_CLUSTER = 'bench-failed';
export const STOPPED_CLUSTER = 'bench-stopped';
export const TARGET_GROUP = 'bench-api';
export const LOG_GROUP = '/ecs/bench-api';
export const TARGETS = [
  { Id: '10.0.1.10', Port: 8000 },
  { Id: '10.0.1.11', Port: 8000 },
];
const NOT_YET_HEALTHY = 'initial|Elb.RegistrationInProgress|Target registration is in progress';

export interface AwsClients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  logs: CloudWatchLogsClient;
  ec2: EC2Client;
  destroy(): void;
}

/** SDK clients with an explicit endpoint (the emulator, or a counting proxy in front of it). */
export async function awsClients(endpoint: string): Promise<AwsClients> {
  const [ecsSdk, elbSdk, logsSdk, ec2Sdk] = await Promise.all([
    import('@aws-sdk/client-ecs'),
    import('@aws-sdk/client-elastic-load-balancing-v2'),
    import('@aws-sdk/client-cloudwatch-logs'),
    import('@aws-sdk/client-ec2'),
  ]);
  const config = { endpoint, region: REGION, credentials: CREDENTIALS };
  const clients = {
    ecs: new ecsSdk.ECSClient(config),
    elbv2: new elbSdk.ElasticLoadBalancingV2Client(config),
    logs: new logsSdk.CloudWatchLogsClient(config),
    ec2: new ec2Sdk.EC2Client(config),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((client) => client.destroy()) };
}

export interface AwsFixture {
  serviceArn: string;
  targetGroupArn: string;
  /** Service `api` not stable, targets `initial`. */
  setUnhealthy(): Promise<void>;
  /** Service 2/2 COMPLETED, targets healthy: both flips sent at once. */
  setHealthy(): Promise<void>;
}

type Tags = Record<string, string>;

export async function createFixture(aws: AwsClients): Promise<AwsFixture> {
  const ecsSdk = await import('@aws-sdk/client-ecs');
  const elbSdk = await import('@aws-sdk/client-elastic-load-balancing-v2');

  // Network: awsvpc tasks need a VPC with DNS hostnames (moto), the target group needs its VPC.
  const { vpcId, subnetIds } = await createNetwork(aws.ec2, { subnets: [{ cidr: '10.0.1.0/24', availabilityZone: `${REGION}a` }] });
  const group = await createSecurityGroup(aws.ec2, { vpcId, name: 'bench-tasks', description: 'bench tasks' });
  const network = { subnets: subnetIds, securityGroups: [group] };

  const targetGroupArn = await createTargetGroup(aws.elbv2, {
    name: TARGET_GROUP,
    vpcId,
    port: 8000,
    healthCheck: { path: '/health', intervalSeconds: 10, timeoutSeconds: 5 },
    targets: TARGETS,
  });

  const now = Date.now();
  await createLogGroup(aws.logs, {
    name: LOG_GROUP,
    stream: 'ecs/api/bench',
    events: [
      { timestamp: now - 3000, message: 'INFO: Health check requested' },
      { timestamp: now - 2000, message: 'INFO: "GET /health HTTP/1.1" 200 OK' },
    ],
  });

  await registerTaskDefinition(aws.ecs, SERVICE, [
    {
      name: 'api',
      image: 'bench/api:latest',
      memory: 512, // moto's run-task needs container-level memory
      portMappings: [{ containerPort: 8000 }],
      logConfiguration: awslogs(LOG_GROUP, REGION),
    },
  ]);

  const createService = (cluster: string, tags: Tags) =>
    createEcsService(aws.ecs, {
      cluster,
      service: SERVICE,
      taskDefinition: `${SERVICE}:1`,
      desiredCount: 2,
      ...network,
      loadBalancer: { targetGroupArn, containerName: 'api', containerPort: 8000 },
      tags,
    });

  const unhealthyServiceTags = { 'moto:runningCount': '0', 'moto:rolloutState': 'IN_PROGRESS' };
  const service = await createService(CLUSTER, unhealthyServiceTags);
  await createService(FAILED_CLUSTER, {
    'moto:runningCount': '0',
    'moto:rolloutState': 'FAILED',
    'moto:rolloutStateReason': 'ECS deployment circuit breaker: tasks failed to start.',
    'moto:failedTasks': '3',
  });

  // A crash loop: the current deployment's tasks start, one exits (tasks tied to the service the way
  // the ECS scheduler does it; moto ignores ListTasks' serviceName, hence one service per cluster).
  const stoppedService = await createService(STOPPED_CLUSTER, { 'moto:runningCount': '1', 'moto:rolloutState': 'IN_PROGRESS' });
  const [crashed] = await runServiceTasks(aws.ecs, {
    cluster: STOPPED_CLUSTER,
    service: SERVICE,
    taskDefinition: `${SERVICE}:1`,
    deploymentId: stoppedService.deployments![0]!.id!,
    count: 2,
    ...network,
  });
  await stopTask(aws.ecs, STOPPED_CLUSTER, crashed!, 'Essential container in task exited', { 'moto:stopCode': 'EssentialContainerExited', 'moto:exitCode': '1' });

  const serviceArn = service.serviceArn!;
  const healthTags = TARGETS.map((t) => ({ Key: `moto:health:${t.Id}:${t.Port}`, Value: NOT_YET_HEALTHY }));
  return {
    serviceArn,
    targetGroupArn,
    async setUnhealthy() {
      await Promise.all([
        aws.ecs.send(new ecsSdk.TagResourceCommand({ resourceArn: serviceArn, tags: ecsTags(unhealthyServiceTags) })),
        aws.elbv2.send(new elbSdk.AddTagsCommand({ ResourceArns: [targetGroupArn], Tags: healthTags })),
      ]);
    },
    async setHealthy() {
      await Promise.all([
        aws.ecs.send(new ecsSdk.TagResourceCommand({ resourceArn: serviceArn, tags: ecsTags({ 'moto:runningCount': '2', 'moto:rolloutState': 'COMPLETED' }) })),
        aws.elbv2.send(new elbSdk.RemoveTagsCommand({ ResourceArns: [targetGroupArn], TagKeys: healthTags.map((t) => t.Key) })),
      ]);
    },
  };
}
