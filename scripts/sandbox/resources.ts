/** Creates the incident's AWS resources in the emulator: network, Redis, logs, ALB, ECS. */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import {
  awslogs,
  createEcsService,
  createLoadBalancer,
  createLogGroup,
  createNetwork,
  createReplicationGroup,
  createSecurityGroup,
  createTargetGroup,
  registerTaskDefinition,
} from '../fixtures/index.js';
import type { SandboxClients } from './aws.js';
import { INCIDENT } from './incident.js';
import { authorizeRedisIngress } from './states.js';

export interface SandboxResources {
  vpcId: string;
  subnetIds: string[];
  targetGroupArn: string;
  /** Task definition ARNs: the one that lacks the secret (revision 150's mistake) and the fixed one. */
  taskDefinitionWithoutSecret: string;
  taskDefinitionWithSecret: string;
  /** Health-check settings the sandbox's ALB stand-in applies. */
  healthCheck: { path: string; timeoutMs: number; intervalMs: number; healthyThreshold: number; unhealthyThreshold: number };
}

export const HEALTH_CHECK = { path: '/health', timeoutSeconds: 2, intervalSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 2 } as const;

function containerDefinition(redisUrl: string, withSecret: boolean): ContainerDefinition {
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

export async function createIncidentResources(
  aws: SandboxClients,
  redisUrl: string,
  { healthCheckIntervalSeconds = HEALTH_CHECK.intervalSeconds }: { healthCheckIntervalSeconds?: number } = {},
): Promise<SandboxResources> {
  const { vpcId, subnetIds } = await createNetwork(aws.ec2, {
    subnets: [
      { cidr: '10.0.1.0/24', availabilityZone: 'us-east-1a' },
      { cidr: '10.0.2.0/24', availabilityZone: 'us-east-1b' },
    ],
  });
  await createSecurityGroup(aws.ec2, { vpcId, id: INCIDENT.originalEcsSecurityGroup, name: 'hokusai-ecs-tasks', description: 'Original ECS tasks' });
  await createSecurityGroup(aws.ec2, { vpcId, id: INCIDENT.apiSecurityGroup, name: 'hokusai-data-pipeline-ecs-tasks', description: 'API service tasks' });
  await createSecurityGroup(aws.ec2, { vpcId, id: INCIDENT.redisSecurityGroup, name: 'hokusai-redis-development', description: 'Redis queue' });
  await authorizeRedisIngress(aws, INCIDENT.originalEcsSecurityGroup, 'Redis access from the original ECS tasks');

  await createReplicationGroup(aws.elasticache, { id: INCIDENT.replicationGroupId, description: 'Hokusai Redis queue', securityGroupIds: [INCIDENT.redisSecurityGroup] });
  await createLogGroup(aws.logs, { name: INCIDENT.logGroup });

  const healthCheck = {
    path: HEALTH_CHECK.path,
    timeoutSeconds: HEALTH_CHECK.timeoutSeconds,
    intervalSeconds: healthCheckIntervalSeconds,
    healthyThreshold: HEALTH_CHECK.healthyThreshold,
    unhealthyThreshold: HEALTH_CHECK.unhealthyThreshold,
  };
  const targetGroupArn = await createTargetGroup(aws.elbv2, {
    name: INCIDENT.targetGroupName,
    vpcId,
    port: INCIDENT.containerPort,
    healthCheck,
    targets: [{ Id: INCIDENT.targetIp, Port: INCIDENT.containerPort }],
  });
  await createLoadBalancer(aws.elbv2, { name: INCIDENT.loadBalancerName, subnetIds, securityGroups: [INCIDENT.apiSecurityGroup], targetGroupArn });

  const taskDefinitionWithoutSecret = await registerTaskDefinition(aws.ecs, INCIDENT.family, [containerDefinition(redisUrl, false)]);
  const taskDefinitionWithSecret = await registerTaskDefinition(aws.ecs, INCIDENT.family, [containerDefinition(redisUrl, true)]);
  await createEcsService(aws.ecs, {
    cluster: INCIDENT.cluster,
    service: INCIDENT.service,
    taskDefinition: taskDefinitionWithSecret,
    subnets: subnetIds,
    securityGroups: [INCIDENT.apiSecurityGroup],
    loadBalancer: { targetGroupArn, containerName: INCIDENT.container, containerPort: INCIDENT.containerPort },
    tags: { 'moto:runningCount': '1', 'moto:rolloutState': 'COMPLETED' },
  });

  return {
    vpcId,
    subnetIds,
    targetGroupArn,
    taskDefinitionWithoutSecret,
    taskDefinitionWithSecret,
    healthCheck: {
      path: HEALTH_CHECK.path,
      timeoutMs: HEALTH_CHECK.timeoutSeconds * 1000,
      intervalMs: healthCheckIntervalSeconds * 1000,
      healthyThreshold: HEALTH_CHECK.healthyThreshold,
      unhealthyThreshold: HEALTH_CHECK.unhealthyThreshold,
    },
  };
}
