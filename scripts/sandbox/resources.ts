/** Creates the incident's AWS resources in the emulator: network, Redis, logs, ALB, ECS. */
import { CreateClusterCommand, UpdateServiceCommand, type ContainerDefinition } from '@aws-sdk/client-ecs';
import {
  awslogs,
  createEcsService,
  createLoadBalancer,
  createLogGroup,
  createNetwork,
  createReplicationGroup,
  createSecret,
  createSecurityGroup,
  createTargetGroup,
  registerTaskDefinition,
} from '../fixtures/index.js';
import type { SandboxClients } from './aws.js';
import { HEALTH_CHECK, INCIDENT } from './incident.js';
import { deploymentAlarmName } from './alb-metrics.js';
import { authorizeRedisIngress } from './states.js';

export interface SandboxResources {
  vpcId: string;
  subnetIds: string[];
  targetGroupArn: string;
  /** The application load balancer in front of the target group. */
  loadBalancerArn: string;
  /** The service's deployment alarm (deploymentConfiguration.alarms), evaluated by the sandbox. */
  alarmName: string;
  /** Task definition ARNs: the one that lacks the secret (revision 150's mistake) and the fixed one. */
  taskDefinitionWithoutSecret: string;
  taskDefinitionWithSecret: string;
  /**
   * The task definitions' `REDIS_URL`: the replication group's primary endpoint as `address:port`,
   * with no scheme, as in the incident (the model API itself talks to the local redis-server).
   */
  redisUrl: string;
  /** Health-check settings the sandbox's ALB stand-in applies. */
  healthCheck: { path: string; timeoutMs: number; intervalMs: number; healthyThreshold: number; unhealthyThreshold: number };
}

export { HEALTH_CHECK };

/** The API container of the incident's task definition; `withSecret` adds HUGGINGFACE_API_KEY. */
export function containerDefinition(redisUrl: string, withSecret: boolean): ContainerDefinition {
  return {
    name: INCIDENT.container,
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/hokusai-api:latest',
    memory: 512,
    essential: true,
    portMappings: [{ containerPort: INCIDENT.containerPort, protocol: 'tcp' }],
    environment: [{ name: 'REDIS_URL', value: redisUrl }],
    ...(withSecret ? { secrets: [{ name: INCIDENT.secretName, valueFrom: INCIDENT.secretArn }] } : {}),
    logConfiguration: awslogs(INCIDENT.logGroup),
  };
}

/**
 * Creates the incident's resources in the emulator, independent ones concurrently (the emulator
 * answers requests in parallel; the sandbox's start-up waits on this).
 * AWS APIs: ec2 (VPC, subnets, security groups, ingress), elasticache, logs, elbv2, ecs (with
 * UpdateService for the deployment alarm).
 */
export async function createIncidentResources(
  aws: SandboxClients,
  { healthCheckIntervalSeconds = HEALTH_CHECK.intervalSeconds }: { healthCheckIntervalSeconds?: number } = {},
): Promise<SandboxResources> {
  const healthCheck = {
    path: HEALTH_CHECK.path,
    timeoutSeconds: HEALTH_CHECK.timeoutSeconds,
    intervalSeconds: healthCheckIntervalSeconds,
    healthyThreshold: HEALTH_CHECK.healthyThreshold,
    unhealthyThreshold: HEALTH_CHECK.unhealthyThreshold,
  };
  const cluster = aws.ecs.send(new CreateClusterCommand({ clusterName: INCIDENT.cluster }));
  const network = createNetwork(aws.ec2, {
    subnets: [
      { cidr: '10.0.1.0/24', availabilityZone: 'us-east-1a' },
      { cidr: '10.0.2.0/24', availabilityZone: 'us-east-1b' },
    ],
  });
  const securityGroups = network.then(async ({ vpcId }) => {
    await Promise.all([
      createSecurityGroup(aws.ec2, { vpcId, id: INCIDENT.originalEcsSecurityGroup, name: 'hokusai-ecs-tasks', description: 'Original ECS tasks' }),
      createSecurityGroup(aws.ec2, { vpcId, id: INCIDENT.apiSecurityGroup, name: 'hokusai-data-pipeline-ecs-tasks', description: 'API service tasks' }),
      createSecurityGroup(aws.ec2, { vpcId, id: INCIDENT.redisSecurityGroup, name: 'hokusai-redis-development', description: 'Redis queue' }),
    ]);
    await authorizeRedisIngress(aws, INCIDENT.originalEcsSecurityGroup, 'Redis access from the original ECS tasks');
  });
  const cache = securityGroups.then(() =>
    createReplicationGroup(aws.elasticache, { id: INCIDENT.replicationGroupId, description: 'Hokusai Redis queue', securityGroupIds: [INCIDENT.redisSecurityGroup] }),
  );
  // REDIS_URL is the group's primary endpoint without a scheme: the incident's value (and smell).
  const redisUrl = cache.then(({ address, port }) => `${address}:${port}`);
  const taskDefinitions = Promise.all([redisUrl, createLogGroup(aws.logs, { name: INCIDENT.logGroup })]).then(async ([url]) => {
    const withoutSecret = await registerTaskDefinition(aws.ecs, INCIDENT.family, [containerDefinition(url, false)]);
    return [withoutSecret, await registerTaskDefinition(aws.ecs, INCIDENT.family, [containerDefinition(url, true)])] as const;
  });
  const loadBalancing = Promise.all([network, securityGroups]).then(async ([{ vpcId, subnetIds }]) => {
    const targetGroupArn = await createTargetGroup(aws.elbv2, {
      name: INCIDENT.targetGroupName,
      vpcId,
      port: INCIDENT.containerPort,
      healthCheck,
      targets: [{ Id: INCIDENT.targetIp, Port: INCIDENT.containerPort }],
    });
    const loadBalancerArn = await createLoadBalancer(aws.elbv2, { name: INCIDENT.loadBalancerName, subnetIds, securityGroups: [INCIDENT.apiSecurityGroup], targetGroupArn });
    return { targetGroupArn, loadBalancerArn };
  });
  // The secret the fixed task definition references exists (zero-config checks `secretsExist`).
  const secret = createSecret(aws.secretsmanager, INCIDENT.secretArn.split(':secret:')[1]!);
  const [{ vpcId, subnetIds }, { targetGroupArn, loadBalancerArn }, [taskDefinitionWithoutSecret, taskDefinitionWithSecret], url] = await Promise.all([
    network,
    loadBalancing,
    taskDefinitions,
    redisUrl,
    cluster,
    secret,
  ]);
  await createEcsService(aws.ecs, {
    createCluster: false,
    cluster: INCIDENT.cluster,
    service: INCIDENT.service,
    taskDefinition: taskDefinitionWithSecret,
    subnets: subnetIds,
    securityGroups: [INCIDENT.apiSecurityGroup],
    loadBalancer: { targetGroupArn, containerName: INCIDENT.container, containerPort: INCIDENT.containerPort },
    tags: { 'moto:runningCount': '1', 'moto:rolloutState': 'COMPLETED' },
  });
  // ECS rolls a deployment back when this alarm fires (the emulator keeps it: ext_ecs_deployment_configuration.py).
  const alarmName = deploymentAlarmName(INCIDENT.service);
  await aws.ecs.send(
    new UpdateServiceCommand({
      cluster: INCIDENT.cluster,
      service: INCIDENT.service,
      deploymentConfiguration: { alarms: { alarmNames: [alarmName], enable: true, rollback: true } },
    }),
  );

  return {
    vpcId,
    subnetIds,
    targetGroupArn,
    loadBalancerArn,
    alarmName,
    taskDefinitionWithoutSecret,
    taskDefinitionWithSecret,
    redisUrl: url,
    healthCheck: {
      path: HEALTH_CHECK.path,
      timeoutMs: HEALTH_CHECK.timeoutSeconds * 1000,
      intervalMs: healthCheckIntervalSeconds * 1000,
      healthyThreshold: HEALTH_CHECK.healthyThreshold,
      unhealthyThreshold: HEALTH_CHECK.unhealthyThreshold,
    },
  };
}
