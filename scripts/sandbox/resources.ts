/** Creates the incident's AWS resources in the emulator: network, Redis, logs, ALB, ECS. */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, ModifyVpcAttributeCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand, type ContainerDefinition } from '@aws-sdk/client-ecs';
import { CreateReplicationGroupCommand } from '@aws-sdk/client-elasticache';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
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
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': INCIDENT.logGroup, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' },
    },
  };
}

export async function createIncidentResources(
  aws: SandboxClients,
  redisUrl: string,
  { healthCheckIntervalSeconds = HEALTH_CHECK.intervalSeconds }: { healthCheckIntervalSeconds?: number } = {},
): Promise<SandboxResources> {
  const vpc = await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  await aws.ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
  const subnetIds: string[] = [];
  for (const [cidr, az] of [['10.0.1.0/24', 'us-east-1a'], ['10.0.2.0/24', 'us-east-1b']] as const) {
    const subnet = await aws.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }));
    subnetIds.push(subnet.Subnet!.SubnetId!);
  }
  const group = (id: string, name: string, description: string) =>
    aws.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name,
        Description: description,
        VpcId: vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'moto:id', Value: id }, { Key: 'Name', Value: name }] }],
      }),
    );
  await group(INCIDENT.originalEcsSecurityGroup, 'hokusai-ecs-tasks', 'Original ECS tasks');
  await group(INCIDENT.apiSecurityGroup, 'hokusai-data-pipeline-ecs-tasks', 'API service tasks');
  await group(INCIDENT.redisSecurityGroup, 'hokusai-redis-development', 'Redis queue');
  await authorizeRedisIngress(aws, INCIDENT.originalEcsSecurityGroup, 'Redis access from the original ECS tasks');

  await aws.elasticache.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: INCIDENT.replicationGroupId,
      ReplicationGroupDescription: 'Hokusai Redis queue',
      Engine: 'redis',
      CacheNodeType: 'cache.t3.micro',
      NumCacheClusters: 1,
      SecurityGroupIds: [INCIDENT.redisSecurityGroup],
    }),
  );
  await aws.logs.send(new CreateLogGroupCommand({ logGroupName: INCIDENT.logGroup }));

  const lb = await aws.elbv2.send(
    new CreateLoadBalancerCommand({ Name: INCIDENT.loadBalancerName, Subnets: subnetIds, SecurityGroups: [INCIDENT.apiSecurityGroup], Scheme: 'internet-facing', Type: 'application' }),
  );
  const tg = await aws.elbv2.send(
    new CreateTargetGroupCommand({
      Name: INCIDENT.targetGroupName,
      Protocol: 'HTTP',
      Port: INCIDENT.containerPort,
      VpcId: vpcId,
      TargetType: 'ip',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: HEALTH_CHECK.path,
      HealthCheckTimeoutSeconds: HEALTH_CHECK.timeoutSeconds,
      HealthCheckIntervalSeconds: healthCheckIntervalSeconds,
      HealthyThresholdCount: HEALTH_CHECK.healthyThreshold,
      UnhealthyThresholdCount: HEALTH_CHECK.unhealthyThreshold,
      Matcher: { HttpCode: '200' },
    }),
  );
  const targetGroupArn = tg.TargetGroups![0]!.TargetGroupArn!;
  await aws.elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancers![0]!.LoadBalancerArn!,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
    }),
  );
  await aws.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: INCIDENT.targetIp, Port: INCIDENT.containerPort }] }));

  await aws.ecs.send(new CreateClusterCommand({ clusterName: INCIDENT.cluster }));
  const register = async (withSecret: boolean) => {
    const out = await aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: INCIDENT.family,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [containerDefinition(redisUrl, withSecret)],
      }),
    );
    return out.taskDefinition!.taskDefinitionArn!;
  };
  const taskDefinitionWithoutSecret = await register(false);
  const taskDefinitionWithSecret = await register(true);

  await aws.ecs.send(
    new CreateServiceCommand({
      cluster: INCIDENT.cluster,
      serviceName: INCIDENT.service,
      taskDefinition: taskDefinitionWithSecret,
      desiredCount: 1,
      launchType: 'FARGATE',
      loadBalancers: [{ targetGroupArn, containerName: INCIDENT.container, containerPort: INCIDENT.containerPort }],
      networkConfiguration: { awsvpcConfiguration: { subnets: subnetIds, securityGroups: [INCIDENT.apiSecurityGroup], assignPublicIp: 'DISABLED' } },
      tags: [
        { key: 'moto:runningCount', value: '1' },
        { key: 'moto:rolloutState', value: 'COMPLETED' },
      ],
    }),
  );

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
