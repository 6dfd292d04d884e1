/**
 * ECS look-ups several check types share: the service as ECS sees it, the task definition it is
 * actually running, its awslogs group, its awsvpc security groups, its PRIMARY deployment.
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { AttemptResultError, type CheckContext } from '../types.js';
import { awsCall, ecsClient } from './aws.js';

export interface ServiceRef {
  cluster: string;
  service: string;
}

/** DescribeServices for one service; MISSING/INACTIVE become a `fail` naming the service. */
export async function describeService(ctx: CheckContext, ref: ServiceRef, { allowInactive = false } = {}): Promise<Service> {
  const { DescribeServicesCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  const out = await awsCall(ctx, 'ecs:DescribeServices', (abortSignal) =>
    client.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }), { abortSignal }),
  );
  const service = out.services?.[0];
  if (!service) {
    const reason = out.failures?.[0]?.reason ?? 'MISSING';
    throw new AttemptResultError({
      outcome: 'fail',
      message: `ECS service ${ref.service} not found in cluster ${ref.cluster} (${reason})`,
      observations: [{ what: `service ${ref.service}`, expected: 'ACTIVE', actual: reason, ok: false }],
      nextSteps: [`aws ecs list-services --cluster ${ref.cluster}`],
    });
  }
  if (!allowInactive && service.status !== 'ACTIVE') {
    throw new AttemptResultError({
      outcome: 'fail',
      message: `ECS service ${ref.service} in cluster ${ref.cluster} is ${service.status}`,
      observations: [{ what: `service ${ref.service} status`, expected: 'ACTIVE', actual: String(service.status), ok: false }],
      nextSteps: [`aws ecs describe-services --cluster ${ref.cluster} --services ${ref.service}`],
    });
  }
  return service;
}

export function primaryDeployment(service: Service) {
  return service.deployments?.find((d) => d.status === 'PRIMARY');
}

/** The task definition the service's PRIMARY deployment runs (not the latest registered). */
export function runningTaskDefinitionArn(service: Service): string | undefined {
  return primaryDeployment(service)?.taskDefinition ?? service.taskDefinition;
}

function isTaskDefinitionNotFound(error: unknown): boolean {
  const err = error as { name?: string; message?: string };
  return err?.name === 'ClientException' && /unable to describe task definition/i.test(err.message ?? '');
}

/** DescribeTaskDefinition, with "no such task definition" as `undefined` instead of an error. */
export async function findTaskDefinition(ctx: CheckContext, taskDefinition: string): Promise<TaskDefinition | undefined> {
  const { DescribeTaskDefinitionCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  const out = await awsCall(ctx, 'ecs:DescribeTaskDefinition', async (abortSignal) => {
    try {
      return await client.send(new DescribeTaskDefinitionCommand({ taskDefinition }), { abortSignal });
    } catch (error) {
      if (isTaskDefinitionNotFound(error)) return undefined;
      throw error;
    }
  });
  return out?.taskDefinition;
}

/** DescribeTaskDefinition; a task definition that does not exist is a `fail` naming it. */
export async function describeTaskDefinition(ctx: CheckContext, taskDefinition: string): Promise<TaskDefinition> {
  const definition = await findTaskDefinition(ctx, taskDefinition);
  if (!definition) {
    throw new AttemptResultError({
      outcome: 'fail',
      message: `task definition ${taskDefinition} not found`,
      nextSteps: [`aws ecs list-task-definitions --family-prefix ${taskDefinition.split('/').pop()!.split(':')[0]}`],
    });
  }
  return definition;
}

/**
 * The `awslogs-group` of the service's containers (the first container that has one, or `container`).
 * `described`: the service's DescribeServices already under way, when the caller needs it too.
 */
export async function serviceLogGroup(ctx: CheckContext, ref: ServiceRef, container?: string, described?: Promise<Service>): Promise<string> {
  const service = await (described ?? describeService(ctx, ref));
  const arn = runningTaskDefinitionArn(service);
  if (!arn) throw new AttemptResultError({ outcome: 'fail', message: `ECS service ${ref.service} has no task definition` });
  const definition = await describeTaskDefinition(ctx, arn);
  const containers = (definition.containerDefinitions ?? []).filter((c) => !container || c.name === container);
  const group = containers.map((c) => c.logConfiguration?.options?.['awslogs-group']).find(Boolean);
  if (!group) {
    throw new AttemptResultError({
      outcome: 'error',
      message: `no awslogs-group in task definition ${arn}${container ? ` container ${container}` : ''}: set logGroup explicitly`,
    });
  }
  return group;
}

/** The awsvpc security groups the service's tasks get. */
export function serviceSecurityGroups(service: Service): string[] {
  return service.networkConfiguration?.awsvpcConfiguration?.securityGroups ?? [];
}
