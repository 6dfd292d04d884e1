/**
 * `streams: target-revision`: the log streams of the tasks of a service's current rollout, so a log
 * check judges the new revision only and an old task's errors do not fail it. The awslogs driver
 * names a task's stream `<awslogs-stream-prefix>/<container name>/<task id>`.
 */
import { AttemptResultError, type CheckContext } from '../types.js';
import { describeService, describeTaskDefinition, primaryDeployment, type ServiceRef } from './ecs.js';
import { describeTasksBatched, listServiceTaskArns, taskId } from './ecs-tasks.js';

/**
 * The stream names of the RUNNING tasks of the PRIMARY deployment's task definition, for every
 * container that logs to `logGroup` with an awslogs-stream-prefix (or only `container`).
 * APIs called: ecs:DescribeServices, ecs:DescribeTaskDefinition, ecs:ListTasks, ecs:DescribeTasks.
 * @throws AttemptResultError: `retry` when no task of the rollout runs yet (nothing to judge);
 * `error` when the task definition sets no awslogs-stream-prefix (stream names are then unknowable).
 */
export async function targetRevisionStreams(ctx: CheckContext, ref: ServiceRef, logGroup: string, container?: string): Promise<string[]> {
  const service = await describeService(ctx, ref);
  const definitionArn = primaryDeployment(service)?.taskDefinition ?? service.taskDefinition;
  if (!definitionArn) throw new AttemptResultError({ outcome: 'fail', message: `ECS service ${ref.service} has no PRIMARY deployment task definition` });
  const [definition, arns] = await Promise.all([describeTaskDefinition(ctx, definitionArn), listServiceTaskArns(ctx, ref, 'RUNNING')]);
  const prefixes = (definition.containerDefinitions ?? [])
    .filter((c) => (!container || c.name === container) && c.logConfiguration?.options?.['awslogs-group'] === logGroup)
    .map((c) => ({ name: c.name ?? '', prefix: c.logConfiguration?.options?.['awslogs-stream-prefix'] }));
  const named = prefixes.filter((p): p is { name: string; prefix: string } => Boolean(p.prefix && p.name));
  if (named.length === 0) {
    throw new AttemptResultError({
      outcome: 'error',
      message: `streams: target-revision needs awslogs-stream-prefix on a container of ${definitionArn} that logs to ${logGroup} (stream names are <prefix>/<container>/<task id>)`,
    });
  }
  const tasks = (await describeTasksBatched(ctx, ref.cluster, arns)).filter((t) => t.taskDefinitionArn === definitionArn);
  if (tasks.length === 0) {
    throw new AttemptResultError({
      outcome: 'retry',
      message: `no RUNNING task of ECS service ${ref.service}'s current rollout (${definitionArn.split('/').pop()}) yet: no log stream to search`,
    });
  }
  return tasks.flatMap((task) => named.map(({ name, prefix }) => `${prefix}/${name}/${taskId(task.taskArn)}`));
}
