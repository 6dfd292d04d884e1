/**
 * ECS task and task-definition helpers for the ECS check types: list a service's tasks (paginated),
 * describe them in batches, name task definitions the way people write them (`family:revision`),
 * and match a revision against a condition like ">=151".
 */
import type { Task } from '@aws-sdk/client-ecs';
import type { CheckContext } from '../types.js';
import { awsCall, ecsClient, type ResponseShape } from './aws.js';
import { rethrowClusterNotFound } from './ecs.js';

/** DescribeTasks accepts at most this many task ARNs a call. */
export const DESCRIBE_TASKS_BATCH = 100;

/** `arn:aws:ecs:r:a:task-definition/api:151` → `api:151`; a `family:revision` stays as it is. */
export function taskDefinitionLabel(arnOrName: string | undefined): string {
  if (!arnOrName) return '(none)';
  return arnOrName.split('task-definition/').pop() ?? arnOrName;
}

export function parseTaskDefinitionLabel(arnOrName: string): { family: string; revision?: number } {
  const [family = '', revision] = taskDefinitionLabel(arnOrName).split(':');
  return revision === undefined ? { family } : { family, revision: Number(revision) };
}

/** The id at the end of a task ARN (what the console shows). */
export function taskId(arn: string | undefined): string {
  return (arn ?? '').split('/').pop() ?? '';
}

/** ">=151", "> 150", "151" (means "= 151"). */
export const REVISION_CONDITION = /^\s*(>=|<=|==|=|>|<)?\s*(\d+)\s*$/;

export interface RevisionCondition {
  operator: '>=' | '>' | '=' | '<=' | '<';
  revision: number;
}

export function parseRevisionCondition(text: string | number): RevisionCondition | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text > 0 ? { operator: '=', revision: text } : undefined;
  const match = REVISION_CONDITION.exec(text);
  if (!match) return undefined;
  const operator = (match[1] === '==' || match[1] === undefined ? '=' : match[1]) as RevisionCondition['operator'];
  return { operator, revision: Number(match[2]) };
}

export function revisionSatisfies(revision: number, condition: RevisionCondition): boolean {
  switch (condition.operator) {
    case '>=': return revision >= condition.revision;
    case '>': return revision > condition.revision;
    case '=': return revision === condition.revision;
    case '<=': return revision <= condition.revision;
    case '<': return revision < condition.revision;
  }
}

export function formatRevisionCondition(condition: RevisionCondition): string {
  return condition.operator === '=' ? String(condition.revision) : `${condition.operator}${condition.revision}`;
}

/** What ListTasks always returns (`ListTasksResponse.taskArns`, empty when there are none). */
export const LIST_TASKS_SHAPE: ResponseShape = { taskArns: 'array' };

/** What DescribeTasks always returns: both lists, and the task fields the check types read. */
export const DESCRIBE_TASKS_SHAPE: ResponseShape = {
  tasks: 'array',
  failures: 'array',
  'tasks[].taskArn': 'string',
  'tasks[].taskDefinitionArn': 'string',
  'tasks[].lastStatus': 'string',
  'tasks[].desiredStatus': 'string',
};

/** Lists every task ARN of a service with the given desired status, following nextToken. */
export async function listServiceTaskArns(
  ctx: CheckContext,
  ref: { cluster: string; service: string },
  desiredStatus: 'RUNNING' | 'STOPPED',
): Promise<string[]> {
  const { ListTasksCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall(
      ctx,
      'ecs:ListTasks',
      (abortSignal) =>
        client.send(
          new ListTasksCommand({ cluster: ref.cluster, serviceName: ref.service, desiredStatus, nextToken, maxResults: 100 }),
          { abortSignal },
        ),
      LIST_TASKS_SHAPE,
    ).catch((error: unknown) => rethrowClusterNotFound(ctx, error, ref.cluster));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

/** DescribeTasks in batches of 100, one call after another (a burst of calls invites throttling). */
export async function describeTasksBatched(ctx: CheckContext, cluster: string, arns: string[]): Promise<Task[]> {
  if (arns.length === 0) return [];
  const { DescribeTasksCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  const tasks: Task[] = [];
  for (let start = 0; start < arns.length; start += DESCRIBE_TASKS_BATCH) {
    const batch = arns.slice(start, start + DESCRIBE_TASKS_BATCH);
    const out = await awsCall(
      ctx,
      'ecs:DescribeTasks',
      (abortSignal) => client.send(new DescribeTasksCommand({ cluster, tasks: batch }), { abortSignal }),
      DESCRIBE_TASKS_SHAPE,
    ).catch((error: unknown) => rethrowClusterNotFound(ctx, error, cluster));
    tasks.push(...(out.tasks ?? []));
  }
  return tasks;
}

