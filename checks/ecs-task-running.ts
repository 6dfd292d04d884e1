/**
 * ecs-task-running: enough of a service's tasks are RUNNING on the expected task definition and
 * none is UNHEALTHY. A STOPPED task of the current deployment fails at once, like the SDK's
 * tasksRunning waiter: a crash loop shows up as stopped tasks long before the counts give up.
 */
import { z } from 'zod';
import type { Service, Task } from '@aws-sdk/client-ecs';
import { albBreached } from './support/relations.js';
import { defineCheck, type AttemptResult, type Observation } from './types.js';
import { describeService, primaryDeployment, runningTaskDefinitionArn } from './support/ecs.js';
import {
  describeTasksBatched,
  formatRevisionCondition,
  listServiceTaskArns,
  parseRevisionCondition,
  parseTaskDefinitionLabel,
  REVISION_CONDITION,
  revisionSatisfies,
  taskDefinitionLabel,
  taskId,
  type RevisionCondition,
} from './support/ecs-tasks.js';

/** What the tasks must run: a family (default: the deployed one) and/or a revision condition. */
export interface TaskDefinitionExpectation {
  family?: string;
  revision?: RevisionCondition;
}

const FAMILY = '[A-Za-z0-9_-]{1,255}';
const CONDITION = '(?:>=|<=|==|=|>|<)?\\s*\\d+';
const LABEL_FORM = new RegExp(`^(${FAMILY})(?::(${CONDITION}))?$`);
const ARN_FORM = new RegExp(`^arn:aws[a-z-]*:ecs:[a-z0-9-]*:\\d*:task-definition/(${FAMILY}):(\\d+)$`);

function parseExpectationText(text: string): TaskDefinitionExpectation | undefined {
  const match = ARN_FORM.exec(text) ?? LABEL_FORM.exec(text.trim());
  if (!match) return undefined;
  const family = match[1];
  if (match[2] === undefined) return { family };
  const revision = parseRevisionCondition(match[2]);
  return revision && { family, revision };
}

const FORMS = 'expected "family", "family:revision", "family:>=revision", a task definition ARN, or { revision: ">=151" }';
const REVISION_FORMS = 'expected a revision like 151 or ">=151" (operators >=, >, =, ==, <=, <)';

/**
 * A union reports "Invalid input" by default; name the problem of the option the input's type
 * picked (a string → the string form, anything else → the object form) instead.
 */
function unionError(fallback: string, optionFor: (input: unknown) => number) {
  return (issue: { code?: string; input?: unknown; errors?: unknown }) => {
    if (issue.code !== 'invalid_union') return undefined;
    const options = (issue.errors ?? []) as { code: string; message: string; path: PropertyKey[] }[][];
    const first = options[optionFor(issue.input)]?.[0];
    if (!first || first.code === 'invalid_type') return `${fallback}, got ${JSON.stringify(issue.input)}`;
    return first.path.length ? `${first.path.join('.')}: ${first.message}` : first.message;
  };
}

const revisionOption = z
  .union(
    [
      z.number().int().positive(),
      z.string().regex(REVISION_CONDITION, { error: (issue) => `${REVISION_FORMS}, got ${JSON.stringify(issue.input)}` }),
    ],
    { error: unionError(REVISION_FORMS, (input) => (typeof input === 'string' ? 1 : 0)) },
  )
  .meta({ description: 'Revision number, or a comparison: ">=151", ">150", "=151", "<=151", "<152".' });

const taskDefinitionOption = z
  .union(
    [
      z
        .string()
        .refine((text) => parseExpectationText(text) !== undefined, { error: (issue) => `${FORMS}, got ${JSON.stringify(issue.input)}` })
        .transform((text) => parseExpectationText(text) as TaskDefinitionExpectation),
      z
        .strictObject({
          family: z
            .string()
            .regex(new RegExp(`^${FAMILY}$`), { error: 'expected a task definition family name' })
            .optional()
            .meta({ description: 'Task definition family. Default: the family the service deploys.' }),
          revision: revisionOption,
        })
        .transform(({ family, revision }): TaskDefinitionExpectation => ({ family, revision: parseRevisionCondition(revision) })),
    ],
    { error: unionError(FORMS, (input) => (typeof input === 'string' ? 0 : 1)) },
  )
  .meta({
    description:
      'Task definition the tasks must run: "family:revision", "family:>=revision", "family", an ARN, or { family?, revision: ">=151" }. Default: exactly the one the PRIMARY deployment runs.',
    examples: ['hokusai-api:151', 'hokusai-api:>=151', { revision: '>=151' }],
  });

const schema = z.strictObject({
  cluster: z.string().min(1).meta({ description: 'ECS cluster name or ARN.' }),
  service: z.string().min(1).meta({ description: 'ECS service name or ARN.' }),
  minRunning: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: "How many tasks must be RUNNING on the expected task definition. Default: the service's desiredCount." }),
  taskDefinition: taskDefinitionOption.optional(),
});
type Spec = z.output<typeof schema>;

/** `api:>=151`, `api:151`, `api (any revision)`, or `revision >=151` when the family is left to the service. */
export function formatExpectation(expectation: TaskDefinitionExpectation, defaultFamily?: string): string {
  const family = expectation.family ?? defaultFamily;
  if (!expectation.revision) return `${family} (any revision)`;
  const revision = formatRevisionCondition(expectation.revision);
  return family ? `${family}:${revision}` : `revision ${revision}`;
}

function satisfies(arnOrLabel: string | undefined, expectation: TaskDefinitionExpectation, defaultFamily: string): boolean {
  if (!arnOrLabel) return false;
  const { family, revision } = parseTaskDefinitionLabel(arnOrLabel);
  if (family !== (expectation.family ?? defaultFamily)) return false;
  return !expectation.revision || (revision !== undefined && revisionSatisfies(revision, expectation.revision));
}

const STOPPING_STATES = new Set(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED', 'DELETED']);

/** Stops ECS or a person made on purpose (scale-in, spot reclaim, stop-task): not a broken deployment. */
function isIntentionalStop(task: Task): boolean {
  if (task.stopCode === 'UserInitiated' || task.stopCode === 'SpotInterruption' || task.stopCode === 'TerminationNotice') return true;
  return task.stopCode === 'ServiceSchedulerInitiated' && /^Scaling activity initiated by/i.test(task.stoppedReason ?? '');
}

function containerHealth(task: Task): string {
  return (task.containers ?? []).map((c) => `container ${c.name} ${c.healthStatus ?? 'UNKNOWN'}`).join(', ') || 'no containers reported';
}

function containerExits(task: Task): string {
  return (task.containers ?? [])
    .map((c) => `container ${c.name} exit ${c.exitCode ?? '?'}${c.reason ? ` (${c.reason})` : ''}`)
    .join(', ');
}

function taskSummary(task: Task) {
  return {
    id: taskId(task.taskArn),
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    healthStatus: task.healthStatus,
    taskDefinition: taskDefinitionLabel(task.taskDefinitionArn),
    startedBy: task.startedBy,
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
    containers: (task.containers ?? []).map((c) => ({
      name: c.name,
      lastStatus: c.lastStatus,
      healthStatus: c.healthStatus,
      exitCode: c.exitCode,
      reason: c.reason,
    })),
  };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([label, count]) => `${count} ${label}`)
    .join(', ');
}

function whyStopped(task: Task): string {
  const code = task.stopCode ? `${task.stopCode}: ` : '';
  const exits = containerExits(task);
  return (
    `task ${taskId(task.taskArn)} of the current deployment (${taskDefinitionLabel(task.taskDefinitionArn)}) STOPPED: ` +
    `${code}${task.stoppedReason || 'no stoppedReason'}${exits ? ` (${exits})` : ''}`
  );
}

/**
 * "1 PENDING starting; RUNNING for other deployments, not counted: 2 api:150", or "" when there
 * is nothing to add.
 */
function progressText(starting: Task[], otherDeployments: Task[]): string {
  return [
    starting.length ? `${formatCounts(countBy(starting, (task) => task.lastStatus ?? 'UNKNOWN'))} starting` : '',
    otherDeployments.length
      ? `RUNNING for other deployments, not counted: ${formatCounts(countBy(otherDeployments, (task) => taskDefinitionLabel(task.taskDefinitionArn)))}`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** " (2 tasks without startedBy counted by task definition)", or "". */
function fallbackText(count: number): string {
  return count ? ` (${count} task${count === 1 ? '' : 's'} without startedBy counted by task definition)` : '';
}

function describeTaskCommand(cluster: string, arn: string): string {
  return (
    `aws ecs describe-tasks --cluster ${cluster} --tasks ${arn} ` +
    `--query 'tasks[0].{lastStatus:lastStatus,healthStatus:healthStatus,stoppedReason:stoppedReason}'`
  );
}

function serviceEventsCommand(cluster: string, service: string): string {
  return `aws ecs describe-services --cluster ${cluster} --services ${service} --query 'services[0].events[:5]'`;
}

/**
 * Which deployment a task belongs to. ECS sets a service task's `startedBy` to the id of the
 * deployment that started it, so during a rollout (even `--force-new-deployment`, where old and new
 * tasks run the same task definition) only tasks started by the PRIMARY deployment count. A task
 * without `startedBy` (or a service without a PRIMARY deployment id) falls back to the task
 * definition: `byTaskDefinition`, which the result says.
 */
function membership(primaryId: string | undefined, isExpected: (task: Task) => boolean) {
  return (task: Task): 'primary' | 'byTaskDefinition' | 'other' => {
    if (primaryId && task.startedBy) return task.startedBy === primaryId && isExpected(task) ? 'primary' : 'other';
    return isExpected(task) ? 'byTaskDefinition' : 'other';
  };
}

/** The service's tasks, sorted into what the verdict needs. */
function classify(tasks: Task[], service: Service, isExpected: (task: Task) => boolean) {
  const serviceName = service.serviceName;
  const belongs = membership(primaryDeployment(service)?.id, isExpected);
  // moto ignores ListTasks' serviceName; real ECS sets group "service:<name>" on a service's tasks.
  const own = tasks.filter((task) => !task.group || !serviceName || task.group === `service:${serviceName}`);
  const ofPrimary = (task: Task) => belongs(task) !== 'other';
  const live = own.filter((task) => task.desiredStatus !== 'STOPPED' && !STOPPING_STATES.has(task.lastStatus ?? ''));
  const running = live.filter((task) => task.lastStatus === 'RUNNING' && ofPrimary(task));
  const starting = live.filter((task) => task.lastStatus !== 'RUNNING' && ofPrimary(task));
  const failedStops = own.filter((task) => task.lastStatus === 'STOPPED' && ofPrimary(task) && !isIntentionalStop(task));
  return {
    own,
    running,
    unhealthy: running.filter((task) => task.healthStatus === 'UNHEALTHY'),
    starting,
    otherDeployments: live.filter((task) => task.lastStatus === 'RUNNING' && !ofPrimary(task)),
    failedStops,
    countedByTaskDefinition: [...running, ...starting, ...failedStops].filter((task) => belongs(task) === 'byTaskDefinition').length,
  };
}

export const ecsTaskRunning = defineCheck({
  type: 'ecs-task-running',
  summary: "Enough of an ECS service's tasks are RUNNING on the expected task definition, none UNHEALTHY and none of the current deployment STOPPED.",
  schema,
  evidence: 'state',
  defaults: { timeoutMs: 15_000, retry: { intervalMs: 5_000, backoff: 1.5, maxIntervalMs: 15_000, withinMs: 600_000 } },
  describe(spec) {
    const count = spec.minRunning ? `at least ${spec.minRunning}` : 'desiredCount';
    const definition = spec.taskDefinition ? formatExpectation(spec.taskDefinition) : "the PRIMARY deployment's task definition";
    return `${count} tasks of ECS service ${spec.service} (cluster ${spec.cluster}) are RUNNING on ${definition}, none UNHEALTHY`;
  },
  explains: [
    { effect: 'alb-targets-healthy', because: 'tasks that are not running cannot be healthy targets' },
    { effect: 'ecs-service-stable', because: 'tasks that stop keep the service below its desired count', when: (cause) => cause.definitive === true },
    { effect: 'http', because: 'with tasks not running, requests go unanswered', when: (_, effect) => effect.facts.networkError !== undefined || Number(effect.facts.status) >= 500 },
    { effect: 'alb-metrics', because: 'tasks that stop fail the requests they hold, and the load balancer counts them unhealthy', when: (_, effect) => albBreached(effect, '5xx', 'unhealthy') },
  ],
  async run(spec, ctx): Promise<AttemptResult> {
    const service = await describeService(ctx, spec);
    const where = `ECS service ${spec.service} (cluster ${spec.cluster})`;
    const deployedArn = runningTaskDefinitionArn(service);
    const deployed = taskDefinitionLabel(deployedArn);
    const deployedFamily = deployedArn ? parseTaskDefinitionLabel(deployedArn).family : '';
    const expectation = spec.taskDefinition;
    const expectedLabel = expectation ? formatExpectation(expectation, deployedFamily) : deployed;
    const isExpected = expectation
      ? (task: Task) => satisfies(task.taskDefinitionArn, expectation, deployedFamily)
      : (task: Task) => task.taskDefinitionArn !== undefined && taskDefinitionLabel(task.taskDefinitionArn) === deployed;
    const facts = { cluster: spec.cluster, service: spec.service, taskDefinition: deployed };
    const eventsStep = serviceEventsCommand(spec.cluster, spec.service);

    if (expectation && !satisfies(deployedArn, expectation, deployedFamily)) {
      const exact = expectation.revision?.operator === '=' ? expectedLabel : undefined;
      return {
        outcome: 'fail',
        message: `${where}: the PRIMARY deployment runs ${deployed}, expected ${expectedLabel}: that revision was never deployed to the service`,
        observations: [{ what: 'PRIMARY deployment task definition', expected: expectedLabel, actual: deployed, ok: false }],
        fix: {
          summary: `deploy ${expectedLabel} to ${spec.service} (terraform apply, or update-service) and verify again`,
          ...(exact ? { command: `aws ecs update-service --cluster ${spec.cluster} --service ${spec.service} --task-definition ${exact}` } : {}),
        },
        nextSteps: [`aws ecs describe-services --cluster ${spec.cluster} --services ${spec.service} --query 'services[0].deployments'`],
        facts,
      };
    }

    const required = spec.minRunning ?? service.desiredCount ?? 0;
    if (required === 0) {
      return {
        outcome: 'fail',
        message: `${where} is scaled to zero (desiredCount 0) and minRunning is not set: no task is serving`,
        observations: [{ what: 'desiredCount', expected: '> 0', actual: '0', ok: false }],
        nextSteps: [eventsStep],
        facts,
      };
    }

    const listed = await Promise.all([listServiceTaskArns(ctx, spec, 'RUNNING'), listServiceTaskArns(ctx, spec, 'STOPPED')]);
    const arns = [...new Set(listed.flat())];
    const tasks = await describeTasksBatched(ctx, spec.cluster, arns);
    const { own, running, unhealthy, starting, otherDeployments, failedStops, countedByTaskDefinition } = classify(tasks, service, isExpected);
    const fallback = fallbackText(countedByTaskDefinition);

    const observations: Observation[] = [];
    if (expectation) {
      observations.push({ what: 'PRIMARY deployment task definition', expected: expectedLabel, actual: deployed, ok: true });
    }
    observations.push(
      { what: `RUNNING tasks of the PRIMARY deployment on ${expectedLabel}`, expected: `>= ${required}`, actual: String(running.length), ok: running.length >= required },
      { what: 'UNHEALTHY tasks', expected: '0', actual: unhealthy.map((t) => taskId(t.taskArn)).join(', ') || '0', ok: unhealthy.length === 0 },
      {
        what: 'STOPPED tasks of the current deployment',
        expected: '0',
        actual: failedStops.map((t) => taskId(t.taskArn)).join(', ') || '0',
        ok: failedStops.length === 0,
      },
    );
    const notable = [...failedStops, ...unhealthy, ...starting, ...otherDeployments];
    const details = {
      requiredRunning: required,
      primaryDeployment: primaryDeployment(service)?.id,
      countedByTaskDefinition,
      taskCounts: countBy(own, (task) => task.lastStatus ?? 'UNKNOWN'),
      tasks: notable.slice(0, 10).map(taskSummary),
    };
    const focus = notable[0] ?? running[0];
    const nextSteps = [...(focus?.taskArn ? [describeTaskCommand(spec.cluster, focus.taskArn)] : []), eventsStep];
    const result = { observations, details, nextSteps, facts: { ...facts, runningTasks: running.length } };

    const stopped = failedStops[0];
    if (stopped) {
      const more = failedStops.length > 1 ? `; ${failedStops.length} stopped tasks in all` : '';
      return { ...result, outcome: 'fail', message: `${where}: ${whyStopped(stopped)}${more}${fallback}` };
    }

    const counted = `${running.length}/${required} tasks RUNNING on ${expectedLabel}`;
    if (running.length >= required && unhealthy.length === 0) {
      return { ...result, outcome: 'pass', message: `${where}: ${counted}, none UNHEALTHY${fallback}` };
    }
    // ECS replaces an UNHEALTHY task by itself, so it may clear: retry, and fail only when the budget runs out.
    const sick = unhealthy[0];
    if (sick) {
      return {
        ...result,
        outcome: 'retry',
        message: `${where}: task ${taskId(sick.taskArn)} is UNHEALTHY (${containerHealth(sick)})${unhealthy.length > 1 ? ` and ${unhealthy.length - 1} more` : ''}; ${counted}${fallback}`,
      };
    }
    const progress = progressText(starting, otherDeployments);
    return { ...result, outcome: 'retry', message: `${where}: ${counted}${progress ? ` (${progress})` : ''}${fallback}` };
  },
});
