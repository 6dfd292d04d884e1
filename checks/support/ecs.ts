/**
 * ECS look-ups several check types share: the service as ECS sees it, the task definition it is
 * actually running, its awslogs group, its awsvpc security groups, its PRIMARY deployment.
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { AttemptResultError, type CheckContext } from '../types.js';
import { awsCall, clientRegion, ecsClient, unexpectedResponseResult, type ResponseShape } from './aws.js';

export interface ServiceRef {
  cluster: string;
  service: string;
}

/**
 * What DescribeServices always returns (AWS API reference, `DescribeServicesResponse`): both lists,
 * and for each service its name, status, counts and deployments (each with id, status and task
 * definition). Only fields the check types read are required.
 */
export const DESCRIBE_SERVICES_SHAPE: ResponseShape = {
  services: 'array',
  failures: 'array',
  'services[].serviceName': 'string',
  'services[].status': 'string',
  'services[].desiredCount': 'number',
  'services[].runningCount': 'number',
  'services[].deployments': 'array',
  'services[].deployments[].id': 'string',
  'services[].deployments[].status': 'string',
  'services[].deployments[].taskDefinition': 'string',
};

/** What DescribeTaskDefinition always returns for a task definition the check types read. */
export const DESCRIBE_TASK_DEFINITION_SHAPE: ResponseShape = {
  taskDefinition: 'object',
  'taskDefinition.taskDefinitionArn': 'string',
  'taskDefinition.family': 'string',
  'taskDefinition.revision': 'number',
  'taskDefinition.containerDefinitions': 'array',
  'taskDefinition.containerDefinitions[].name': 'string',
};

/**
 * A ClusterNotFoundException (ListTasks, DescribeTasks, DescribeServices) as a `fail` naming the
 * cluster and the region searched; anything else is rethrown.
 */
export async function rethrowClusterNotFound(ctx: CheckContext, error: unknown, cluster: string): Promise<never> {
  if (error instanceof AttemptResultError && error.result.details?.awsError === 'ClusterNotFoundException') {
    const region = await clientRegion(await ctx.clients.get(ecsClient));
    throw new AttemptResultError({
      outcome: 'fail',
      message: `ECS cluster ${cluster} not found in region ${region} (ClusterNotFoundException)`,
      observations: [{ what: `cluster ${cluster}`, expected: 'exists', actual: 'not found', ok: false }],
      nextSteps: [`aws ecs list-clusters --region ${region}`],
      facts: { cluster, region },
    });
  }
  throw error;
}

/**
 * DescribeServices for one service; MISSING/INACTIVE become a `fail` naming the service and the
 * region searched. A response that names the service neither in `services` nor in `failures` is
 * not an answer about it: an `error` ("unexpected response"), never "not found".
 * @throws AttemptResultError (fail, error, retry) for every outcome but an ACTIVE service.
 */
export async function describeService(ctx: CheckContext, ref: ServiceRef, { allowInactive = false } = {}): Promise<Service> {
  const { DescribeServicesCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  const out = await awsCall(
    ctx,
    'ecs:DescribeServices',
    (abortSignal) => client.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }), { abortSignal }),
    DESCRIBE_SERVICES_SHAPE,
  ).catch((error: unknown) => rethrowClusterNotFound(ctx, error, ref.cluster));
  const service = out.services?.[0];
  if (!service) {
    const failure = out.failures?.[0];
    if (!failure?.reason) {
      throw new AttemptResultError(unexpectedResponseResult('ecs:DescribeServices', ['neither services nor failures name the service']));
    }
    const region = await clientRegion(client);
    throw new AttemptResultError({
      outcome: 'fail',
      message: `ECS service ${ref.service} not found in cluster ${ref.cluster}, region ${region} (${failure.reason})`,
      observations: [{ what: `service ${ref.service}`, expected: 'ACTIVE', actual: failure.reason, ok: false }],
      nextSteps: [`aws ecs list-services --cluster ${ref.cluster} --region ${region}`],
      facts: { cluster: ref.cluster, service: ref.service, region },
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

/**
 * DescribeTaskDefinition, with "no such task definition" (ECS answers `ClientException: Unable to
 * describe task definition.`) as `undefined` instead of an error.
 */
export async function findTaskDefinition(ctx: CheckContext, taskDefinition: string): Promise<TaskDefinition | undefined> {
  const { DescribeTaskDefinitionCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  const out = await awsCall(
    ctx,
    'ecs:DescribeTaskDefinition',
    async (abortSignal) => {
      try {
        return await client.send(new DescribeTaskDefinitionCommand({ taskDefinition }), { abortSignal });
      } catch (error) {
        if (isTaskDefinitionNotFound(error) && !abortSignal.aborted) return undefined;
        throw error;
      }
    },
    DESCRIBE_TASK_DEFINITION_SHAPE,
  );
  return out?.taskDefinition;
}

/** DescribeTaskDefinition; a task definition that does not exist is a `fail` naming it. */
export async function describeTaskDefinition(ctx: CheckContext, taskDefinition: string): Promise<TaskDefinition> {
  const definition = await findTaskDefinition(ctx, taskDefinition);
  if (!definition) {
    const region = await clientRegion(await ctx.clients.get(ecsClient));
    throw new AttemptResultError({
      outcome: 'fail',
      message: `task definition ${taskDefinition} not found in region ${region}`,
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
