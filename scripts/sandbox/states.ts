/**
 * The incident's states, switched by changing the emulated AWS resources only — the sandbox's
 * moving parts (SG gate, model API, ALB stand-in) read them, so nothing restarts.
 */
import { DescribeSecurityGroupRulesCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, ListTasksCommand, TagResourceCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { primaryDeployment, runningTaskDefinitionArn } from '../../checks/support/ecs.js';
import { authorizeIngress, ecsTags, runServiceTasks, stopTask } from '../fixtures/index.js';
import type { SandboxClients } from './aws.js';
import { INCIDENT } from './incident.js';
import type { SandboxResources } from './resources.js';

export const SANDBOX_STATES = ['healthy', 'missing-sg-rule', 'missing-secret', 'both'] as const;
export type SandboxState = (typeof SANDBOX_STATES)[number];

export function isSandboxState(text: string): text is SandboxState {
  return (SANDBOX_STATES as readonly string[]).includes(text);
}

/** The rule the incident's Terraform defined (redis_from_data_pipeline_ecs) but never applied. */
export async function findApiToRedisRule(aws: SandboxClients): Promise<string | undefined> {
  const out = await aws.ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [INCIDENT.redisSecurityGroup] }] }));
  const rule = (out.SecurityGroupRules ?? []).find(
    (r) =>
      !r.IsEgress &&
      r.ReferencedGroupInfo?.GroupId === INCIDENT.apiSecurityGroup &&
      (r.IpProtocol === '-1' || (r.IpProtocol === 'tcp' && (r.FromPort ?? 0) <= INCIDENT.redisPort && (r.ToPort ?? 0) >= INCIDENT.redisPort)),
  );
  return rule?.SecurityGroupRuleId;
}

/** An ingress rule on Redis's group for 6379 from `sourceGroup` (what the Terraform rule defines). */
export async function authorizeRedisIngress(aws: SandboxClients, sourceGroup: string, description: string): Promise<void> {
  await authorizeIngress(aws.ec2, { groupId: INCIDENT.redisSecurityGroup, port: INCIDENT.redisPort, sourceGroup, description });
}

async function setRedisIngress(aws: SandboxClients, present: boolean): Promise<void> {
  const ruleId = await findApiToRedisRule(aws);
  if (present && !ruleId) {
    await authorizeRedisIngress(aws, INCIDENT.apiSecurityGroup, 'Redis access from data pipeline ECS tasks');
  } else if (!present && ruleId) {
    await aws.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: INCIDENT.redisSecurityGroup, SecurityGroupRuleIds: [ruleId] }));
  }
}

/** The task definition the service's PRIMARY deployment runs, and that deployment's id. */
export async function runningDeployment(aws: SandboxClients): Promise<{ id?: string; taskDefinition?: string }> {
  const out = await aws.ecs.send(new DescribeServicesCommand({ cluster: INCIDENT.cluster, services: [INCIDENT.service] }));
  const service = out.services?.[0];
  if (!service) return {};
  return { id: primaryDeployment(service)?.id, taskDefinition: runningTaskDefinitionArn(service) };
}

/** A redeploy as ECS does it: new deployment, a task of it RUNNING, the old tasks STOPPED. */
export async function deploy(aws: SandboxClients, resources: SandboxResources, taskDefinition: string): Promise<void> {
  const previous = await aws.ecs.send(new ListTasksCommand({ cluster: INCIDENT.cluster }));
  await aws.ecs.send(new UpdateServiceCommand({ cluster: INCIDENT.cluster, service: INCIDENT.service, taskDefinition, forceNewDeployment: true }));
  const deployment = await runningDeployment(aws);
  await runServiceTasks(aws.ecs, {
    cluster: INCIDENT.cluster,
    service: INCIDENT.service,
    taskDefinition,
    deploymentId: deployment.id,
    count: 1,
    subnets: resources.subnetIds,
    securityGroups: [INCIDENT.apiSecurityGroup],
    tags: { 'moto:lastStatus': 'RUNNING' },
  });
  for (const taskArn of previous.taskArns ?? []) {
    await aws.ecs.send(new TagResourceCommand({ resourceArn: taskArn, tags: ecsTags({ 'moto:lastStatus': 'STOPPED' }) }));
    await stopTask(aws.ecs, INCIDENT.cluster, taskArn, 'Deployment replaced this task');
  }
}

/**
 * Whether `taskDefinition` injects the secret: every revision but the one that lacks it (a rollout
 * of `sandbox rollout` registers further revisions, all with the secret).
 */
export function hasSecret(resources: SandboxResources, taskDefinition: string | undefined): boolean {
  return taskDefinition !== undefined && taskDefinition !== resources.taskDefinitionWithoutSecret;
}

async function setSecretDeployed(aws: SandboxClients, resources: SandboxResources, present: boolean): Promise<void> {
  const wanted = present ? resources.taskDefinitionWithSecret : resources.taskDefinitionWithoutSecret;
  const current = await runningDeployment(aws);
  const tasks = await aws.ecs.send(new ListTasksCommand({ cluster: INCIDENT.cluster, desiredStatus: 'RUNNING' }));
  if (hasSecret(resources, current.taskDefinition) !== present || (tasks.taskArns ?? []).length === 0) await deploy(aws, resources, wanted);
}

export async function applyState(aws: SandboxClients, resources: SandboxResources, state: SandboxState): Promise<void> {
  await setRedisIngress(aws, state === 'healthy' || state === 'missing-secret');
  await setSecretDeployed(aws, resources, state === 'healthy' || state === 'missing-sg-rule');
}

/** What the emulator says now: the state the sandbox is in. */
export async function currentState(aws: SandboxClients, resources: SandboxResources): Promise<SandboxState> {
  const rule = Boolean(await findApiToRedisRule(aws));
  const secret = hasSecret(resources, (await runningDeployment(aws)).taskDefinition);
  if (rule && secret) return 'healthy';
  if (!rule && !secret) return 'both';
  return rule ? 'missing-secret' : 'missing-sg-rule';
}
