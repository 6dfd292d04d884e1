/**
 * ecs-deployment: did this rollout land? Reads the service's ECS service deployments (status,
 * lifecycle stage, target and source revisions, circuit breaker, alarms, hooks) instead of the
 * service's settled state, so a rollout the circuit breaker or an alarm rolled back — a service
 * *stable on the old revision* — fails instead of passing. Without ecs:ListServiceDeployments it
 * falls back to DescribeServices and says so.
 */
import { z } from 'zod';
import type { Deployment, Service, ServiceDeployment, ServiceDeploymentBrief, ServiceRevision, ServiceEvent, Task } from '@aws-sdk/client-ecs';
import { albBreached } from './support/relations.js';
import { AttemptResultError, defineCheck, type AttemptResult, type CheckContext, type Observation } from './types.js';
import { describeService, primaryDeployment, runningTaskDefinitionArn } from './support/ecs.js';
import { describeTasksBatched, listServiceTaskArns, parseTaskDefinitionLabel, taskDefinitionLabel, taskId } from './support/ecs-tasks.js';
import {
  deniedAction,
  describeServiceDeployment,
  describeServiceRevisions,
  ECS_DEPLOYMENT_ID,
  FAILED_STATUSES,
  HOOK_STAGES,
  listServiceDeployments,
  matchesEcsDeploymentId,
  ONGOING_STATUSES,
  resourceId,
  SERVICE_DEPLOYMENT_ARN,
  stageIndex,
} from './support/service-deployments.js';

const RECENT_EVENTS = 5;
const STOPPED_TASKS = 3;
/** Stopped tasks looked at for forensics: one DescribeTasks batch. */
const STOPPED_TASKS_SCANNED = 100;

const TASK_DEFINITION_FORM = /^(?:arn:aws[a-z-]*:ecs:[a-z0-9-]*:\d*:task-definition\/)?[A-Za-z0-9_-]{1,255}:\d+$/;

const schema = z.strictObject({
  cluster: z.string().min(1).meta({ description: 'ECS cluster name or ARN.' }),
  service: z.string().min(1).meta({ description: 'ECS service name or ARN.' }),
  taskDefinition: z
    .string()
    .regex(TASK_DEFINITION_FORM, { error: (issue) => `expected "family:revision" or a task definition ARN, got ${JSON.stringify(issue.input)}` })
    .optional()
    .meta({
      description:
        "The task definition this rollout must land (\"family:revision\" or ARN). Default: the target revision of the service's newest service deployment.",
      examples: ['hokusai-api:152'],
    }),
  deployment: z
    .string()
    .refine((text) => SERVICE_DEPLOYMENT_ARN.test(text) || ECS_DEPLOYMENT_ID.test(text), {
      error: (issue) =>
        `expected a service deployment ARN (arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/ID) or a deployment id like ecs-svc/1234567890123456789, got ${JSON.stringify(issue.input)}`,
    })
    .optional()
    .meta({ description: "The service deployment to judge (its ARN, or the ecs-svc/… id DescribeServices shows). Default: the service's newest." }),
  stage: z
    .enum(HOOK_STAGES)
    .optional()
    .meta({
      description:
        'Set while a lifecycle hook or gate runs at this stage: judge the target revision at the stage (tasks running and healthy), not rollout completion.',
    }),
});
type Spec = z.output<typeof schema>;

/** What was read through the service deployments API. */
interface Evidence {
  service: Service;
  deployment: ServiceDeployment;
  /** Every listed service deployment, newest first. */
  briefs: ServiceDeploymentBrief[];
  revisions: Map<string, ServiceRevision>;
  /** RUNNING tasks of the target revision (read only under a `stage`). */
  targetTasks?: Task[];
}

interface Verdict {
  outcome: 'pass' | 'retry' | 'fail';
  message: string;
  /** Task definition whose stopped tasks explain a failure. */
  forensicsTaskDefinition?: string;
}

const where = (spec: Spec) => `ECS service ${spec.service} (cluster ${spec.cluster})`;
const label = (taskDefinition: string | undefined) => (taskDefinition ? taskDefinitionLabel(taskDefinition) : undefined);

function revisionTaskDefinition(ev: Evidence, revisionArn: string | undefined): string | undefined {
  return revisionArn ? label(ev.revisions.get(revisionArn)?.taskDefinition) : undefined;
}

function targetTaskDefinition(ev: Evidence): string | undefined {
  return revisionTaskDefinition(ev, ev.deployment.targetServiceRevision?.arn);
}

/** The revision a rollback goes back to: the one ECS names, else the deployment's first source. */
function rollbackTaskDefinition(ev: Evidence): string {
  const arn = ev.deployment.rollback?.serviceRevisionArn ?? ev.deployment.sourceServiceRevisions?.[0]?.arn;
  return revisionTaskDefinition(ev, arn) ?? label(runningTaskDefinitionArn(ev.service)) ?? '(unknown revision)';
}

function targetCounts(deployment: ServiceDeployment) {
  const target = deployment.targetServiceRevision;
  return { running: target?.runningTaskCount ?? 0, requested: target?.requestedTaskCount ?? 0, pending: target?.pendingTaskCount ?? 0 };
}

/** "circuit breaker TRIGGERED 3/3 failed tasks; alarms in ALARM: api-5xx": what stopped the rollout. */
function monitorsText(deployment: ServiceDeployment): string[] {
  const parts: string[] = [];
  const breaker = deployment.deploymentCircuitBreaker;
  if (breaker && breaker.status !== 'DISABLED' && (breaker.failureCount !== undefined || breaker.threshold !== undefined)) {
    parts.push(`circuit breaker ${breaker.status ?? '?'} ${breaker.failureCount ?? 0}/${breaker.threshold ?? '?'} failed tasks`);
  }
  const triggered = deployment.alarms?.triggeredAlarmNames ?? [];
  if (triggered.length) parts.push(`alarms in ALARM: ${triggered.join(', ')}`);
  return parts;
}

function failedStatusVerdict(ev: Evidence): Verdict {
  const d = ev.deployment;
  const status = d.status!;
  const target = targetTaskDefinition(ev) ?? '(unknown revision)';
  const outcome: Record<string, string> = {
    ROLLBACK_SUCCESSFUL: `rolled back to ${rollbackTaskDefinition(ev)}; this rollout targeted ${target}`,
    ROLLBACK_IN_PROGRESS: `rolling back to ${rollbackTaskDefinition(ev)}; this rollout targeted ${target}`,
    ROLLBACK_REQUESTED: `rolling back to ${rollbackTaskDefinition(ev)}; this rollout targeted ${target}`,
    ROLLBACK_FAILED: `the rollback to ${rollbackTaskDefinition(ev)} FAILED; this rollout targeted ${target}`,
    STOP_REQUESTED: `stopping before ${target} landed`,
    STOPPED: `stopped before ${target} landed`,
  };
  const head = `service deployment ${resourceId(d.serviceDeploymentArn)} ${status}${d.statusReason ? `: ${d.statusReason}` : ''}`;
  const message = [head, ...monitorsText(d), outcome[status]].filter(Boolean).join('; ');
  return { outcome: 'fail', message, forensicsTaskDefinition: targetTaskDefinition(ev) };
}

/** The judged deployment does not target the expected task definition: this rollout is not the newest. */
function wrongTargetVerdict(ev: Evidence, expected: string, target: string): Verdict {
  const d = ev.deployment;
  const newest = `service deployment ${resourceId(d.serviceDeploymentArn)} (${d.status})`;
  const ours = ev.briefs.find((brief) => revisionTaskDefinition(ev, brief.targetServiceRevisionArn) === expected);
  if (!ours) {
    return { outcome: 'fail', message: `no service deployment targets ${expected}; the newest, ${newest}, targets ${target}` };
  }
  const oursText = `service deployment ${resourceId(ours.serviceDeploymentArn)} ${ours.status}${ours.statusReason ? `: ${ours.statusReason}` : ''}`;
  const [wanted, now] = [parseTaskDefinitionLabel(expected), parseTaskDefinitionLabel(target)];
  const older = wanted.family === now.family && (now.revision ?? 0) < (wanted.revision ?? 0);
  const message = older
    ? `rolled back to ${target}; this rollout targeted ${expected} (${oursText}; then ${newest} targeting ${target})`
    : `this rollout of ${expected} (${oursText}) was superseded by ${newest} targeting ${target}`;
  return { outcome: 'fail', message, forensicsTaskDefinition: expected };
}

/** "IN_PROGRESS at POST_TEST_TRAFFIC_SHIFT: api:152 running 1/2; PAUSE hook … awaiting action". */
function progressText(ev: Evidence): string {
  const d = ev.deployment;
  const { running, requested, pending } = targetCounts(d);
  const parts = [
    `service deployment ${resourceId(d.serviceDeploymentArn)} ${d.status}${d.lifecycleStage ? ` at ${d.lifecycleStage}` : ''}: ` +
      `${targetTaskDefinition(ev) ?? 'the target revision'} running ${running}/${requested}${pending ? ` (${pending} pending)` : ''}`,
  ];
  for (const hook of d.lifecycleHookDetails ?? []) {
    if (hook.status === 'AWAITING_ACTION') {
      const expires = hook.expiresAt ? `; ${hook.timeoutAction ?? 'ROLLBACK'} at ${hook.expiresAt.toISOString()}` : '';
      parts.push(`${hook.targetType ?? 'lifecycle'} hook ${hook.hookId} awaiting action (ContinueServiceDeployment${expires})`);
    } else if (hook.status === 'IN_PROGRESS') {
      parts.push(`${hook.targetType ?? 'lifecycle'} hook ${hook.hookId} IN_PROGRESS`);
    }
  }
  if (d.lifecycleStage === 'BAKE_TIME') parts.push(`bake time ${d.deploymentConfiguration?.bakeTimeInMinutes ?? '?'} min`);
  return parts.join('; ');
}

/** Under a hook or gate: the deployment is IN_PROGRESS by definition; judge the target revision at the stage. */
function stageVerdict(ev: Evidence, stage: string): Verdict {
  const d = ev.deployment;
  const current = d.lifecycleStage;
  if (current && stageIndex(current) >= 0 && stageIndex(current) < stageIndex(stage)) {
    return { outcome: 'retry', message: `${progressText(ev)}; not yet at ${stage}` };
  }
  const failedHook = (d.lifecycleHookDetails ?? []).find(
    (hook) => hook.status === 'FAILED' || (hook.status === 'TIMED_OUT' && hook.timeoutAction !== 'CONTINUE'),
  );
  if (failedHook) {
    return { outcome: 'fail', message: `lifecycle hook ${failedHook.hookId} ${failedHook.status} at ${current ?? stage}: the rollout will roll back` };
  }
  const target = targetTaskDefinition(ev) ?? 'the target revision';
  const gated = `service deployment ${resourceId(d.serviceDeploymentArn)} ${d.status} at ${current ?? stage} (gated: rollout completion is not judged)`;
  if (stageIndex(stage) < stageIndex('POST_SCALE_UP')) {
    return { outcome: 'pass', message: `${gated}; ${target} is not scaled up before POST_SCALE_UP` };
  }
  const { running, requested } = targetCounts(d);
  if (requested === 0 || running < requested) return { outcome: 'retry', message: `${progressText(ev)}; waiting for ${target} to run ${requested || 'its'} tasks` };
  const unhealthy = (ev.targetTasks ?? []).filter((task) => task.healthStatus === 'UNHEALTHY');
  if (unhealthy.length) {
    return { outcome: 'retry', message: `${gated}; ${target} runs ${running}/${requested} tasks but ${unhealthy.map((t) => `task ${taskId(t.taskArn)}`).join(', ')} UNHEALTHY` };
  }
  return { outcome: 'pass', message: `${gated}; ${target} runs ${running}/${requested} tasks, none UNHEALTHY` };
}

function judge(spec: Spec, ev: Evidence): Verdict {
  const d = ev.deployment;
  const status = d.status ?? 'UNKNOWN';
  const target = targetTaskDefinition(ev);
  const expected = label(spec.taskDefinition) ?? target;
  if (expected && target && expected !== target) return wrongTargetVerdict(ev, expected, target);
  if (FAILED_STATUSES.has(status)) return failedStatusVerdict(ev);
  if (ONGOING_STATUSES.has(status)) return spec.stage ? stageVerdict(ev, spec.stage) : { outcome: 'retry', message: progressText(ev) };
  if (status !== 'SUCCESSFUL') return { outcome: 'retry', message: `service deployment ${resourceId(d.serviceDeploymentArn)} has status ${status}, which this check does not know` };
  const running = label(runningTaskDefinitionArn(ev.service)) ?? '(none)';
  const landed = expected ?? running;
  if (running !== landed) {
    return {
      outcome: 'fail',
      message: `rolled back to ${running}; this rollout targeted ${landed} (service deployment ${resourceId(d.serviceDeploymentArn)} SUCCESSFUL, but the PRIMARY deployment runs ${running})`,
      forensicsTaskDefinition: landed,
    };
  }
  const { running: runningCount, requested } = targetCounts(d);
  return { outcome: 'pass', message: `service deployment ${resourceId(d.serviceDeploymentArn)} SUCCESSFUL: ${landed} runs ${runningCount}/${requested} tasks as the PRIMARY deployment` };
}

// --- reading -------------------------------------------------------------------------------------------

type Read = { evidence: Omit<Evidence, 'service' | 'targetTasks'> } | { fallback: string };

async function readServiceDeployments(ctx: CheckContext, spec: Spec): Promise<Read> {
  const ecsId = spec.deployment && ECS_DEPLOYMENT_ID.test(spec.deployment) ? spec.deployment : undefined;
  const explicitArn = spec.deployment && !ecsId ? spec.deployment : undefined;
  const briefs = await listServiceDeployments(
    ctx,
    spec,
    ecsId ? { maxResults: 100, maxPages: 5, more: (seen) => !seen.some((b) => matchesEcsDeploymentId(b, ecsId)) } : {},
  );
  const arn = explicitArn ?? (ecsId ? briefs.find((b) => matchesEcsDeploymentId(b, ecsId)) : briefs[0])?.serviceDeploymentArn;
  if (!arn) return { fallback: ecsId ? `no service deployment matches ${ecsId}` : 'ECS lists no service deployments for it' };
  const deployment = await describeServiceDeployment(ctx, arn);
  if (!deployment) {
    if (explicitArn) throw new AttemptResultError({ outcome: 'fail', message: `${where(spec)}: service deployment ${arn} not found (MISSING)` });
    return { fallback: `service deployment ${arn} could not be described (MISSING)` };
  }
  const revisions = await describeServiceRevisions(ctx, [
    deployment.targetServiceRevision?.arn,
    deployment.rollback?.serviceRevisionArn,
    ...(deployment.sourceServiceRevisions ?? []).map((source) => source.arn),
    ...briefs.map((brief) => brief.targetServiceRevisionArn),
  ]);
  return { evidence: { deployment, briefs, revisions } };
}

function serviceTasksOf(service: Service, tasks: Task[], taskDefinition: string): Task[] {
  const group = `service:${service.serviceName}`;
  return tasks.filter((task) => (!task.group || task.group === group) && label(task.taskDefinitionArn) === taskDefinition);
}

async function runningTargetTasks(ctx: CheckContext, spec: Spec, service: Service, taskDefinition: string | undefined): Promise<Task[]> {
  if (!taskDefinition) return [];
  const tasks = await describeTasksBatched(ctx, spec.cluster, await listServiceTaskArns(ctx, spec, 'RUNNING'));
  return serviceTasksOf(service, tasks, taskDefinition);
}

function recentEvents(events: ServiceEvent[] | undefined): string[] {
  return (events ?? []).slice(0, RECENT_EVENTS).map((event) => {
    const at = event.createdAt instanceof Date ? `${event.createdAt.toISOString()} ` : '';
    return `${at}${event.message ?? ''}`;
  });
}

/**
 * Evidence for a failure: why up to 3 tasks of the failed revision stopped (newest first) and the
 * service's last 5 events. A denied ListTasks/DescribeTasks is noted, never turned into the verdict.
 */
async function forensics(ctx: CheckContext, spec: Spec, service: Service, taskDefinition: string | undefined) {
  const evidence: Record<string, unknown> = { recentEvents: recentEvents(service.events), stoppedTasks: [] };
  if (!taskDefinition) return evidence;
  try {
    const arns = (await listServiceTaskArns(ctx, spec, 'STOPPED')).slice(0, STOPPED_TASKS_SCANNED);
    const stopped = serviceTasksOf(service, await describeTasksBatched(ctx, spec.cluster, arns), taskDefinition)
      .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
      .slice(0, STOPPED_TASKS);
    evidence.stoppedTasks = stopped.map((task) => ({
      id: taskId(task.taskArn),
      taskDefinition: label(task.taskDefinitionArn),
      stopCode: task.stopCode,
      stoppedReason: task.stoppedReason,
      containers: (task.containers ?? []).map((c) => ({ name: c.name, exitCode: c.exitCode, reason: c.reason })),
    }));
  } catch (error) {
    if (!(error instanceof AttemptResultError)) throw error;
    evidence.stoppedTasksUnavailable = error.result.message;
  }
  return evidence;
}

/** "; evidence: task 0c1f… stopped: Essential container in task exited", or "". */
function forensicsText(evidence: Record<string, unknown>): string {
  const [first] = evidence.stoppedTasks as { id: string; stopCode?: string; stoppedReason?: string }[];
  return first ? `; evidence: task ${first.id} stopped: ${first.stopCode ? `${first.stopCode}: ` : ''}${first.stoppedReason ?? 'no stoppedReason'}` : '';
}

// --- results ---------------------------------------------------------------------------------------------

function observe(spec: Spec, ev: Evidence): Observation[] {
  const d = ev.deployment;
  const target = targetTaskDefinition(ev) ?? '(unknown)';
  const expected = label(spec.taskDefinition) ?? target;
  const running = label(runningTaskDefinitionArn(ev.service)) ?? '(none)';
  const { running: runningCount, requested } = targetCounts(d);
  const statusExpected = spec.stage ? `SUCCESSFUL, or IN_PROGRESS at or past ${spec.stage}` : 'SUCCESSFUL';
  const statusOk = d.status === 'SUCCESSFUL' || (spec.stage !== undefined && ONGOING_STATUSES.has(d.status ?? ''));
  return [
    { what: 'service deployment status', expected: statusExpected, actual: String(d.status), ok: statusOk },
    { what: 'target task definition', expected, actual: target, ok: target === expected },
    { what: 'PRIMARY deployment task definition', expected, actual: running, ok: running === expected },
    { what: 'target revision tasks running', expected: requested > 0 ? `${requested} (requested)` : 'requested > 0', actual: `${runningCount}/${requested}`, ok: requested > 0 && runningCount >= requested },
  ];
}

function deploymentDetails(ev: Evidence) {
  const d = ev.deployment;
  return {
    arn: d.serviceDeploymentArn,
    status: d.status,
    statusReason: d.statusReason,
    lifecycleStage: d.lifecycleStage,
    target: { taskDefinition: targetTaskDefinition(ev), ...targetCounts(d) },
    sources: (d.sourceServiceRevisions ?? []).map((s) => ({ taskDefinition: revisionTaskDefinition(ev, s.arn), running: s.runningTaskCount ?? 0 })),
    circuitBreaker: d.deploymentCircuitBreaker,
    alarms: d.alarms,
    lifecycleHooks: d.lifecycleHookDetails?.map((h) => ({ ...h, expiresAt: h.expiresAt?.toISOString() })),
    rollback: d.rollback && { ...d.rollback, startedAt: d.rollback.startedAt?.toISOString(), taskDefinition: revisionTaskDefinition(ev, d.rollback.serviceRevisionArn) },
    bakeTimeInMinutes: d.deploymentConfiguration?.bakeTimeInMinutes,
  };
}

function nextSteps(spec: Spec, arn?: string): string[] {
  const steps = [`aws ecs list-service-deployments --cluster ${spec.cluster} --service ${spec.service}`];
  if (arn) steps.unshift(`aws ecs describe-service-deployments --service-deployment-arns ${arn}`);
  return steps;
}

async function resultFromServiceDeployments(ctx: CheckContext, spec: Spec, ev: Evidence): Promise<AttemptResult> {
  const verdict = judge(spec, ev);
  const d = ev.deployment;
  const details: Record<string, unknown> = {
    source: 'ListServiceDeployments',
    serviceDeployment: deploymentDetails(ev),
    serviceDeployments: ev.briefs.slice(0, RECENT_EVENTS).map((b) => ({
      id: resourceId(b.serviceDeploymentArn),
      status: b.status,
      statusReason: b.statusReason,
      taskDefinition: revisionTaskDefinition(ev, b.targetServiceRevisionArn),
      createdAt: b.createdAt?.toISOString(),
    })),
  };
  let message = `${where(spec)}: ${verdict.message}`;
  if (verdict.outcome === 'fail') {
    details.forensics = await forensics(ctx, spec, ev.service, verdict.forensicsTaskDefinition);
    message += forensicsText(details.forensics as Record<string, unknown>);
  }
  return {
    outcome: verdict.outcome,
    message,
    observations: observe(spec, ev),
    details,
    nextSteps: nextSteps(spec, d.serviceDeploymentArn),
    facts: {
      cluster: spec.cluster,
      service: spec.service,
      taskDefinition: targetTaskDefinition(ev),
      runningTaskDefinition: label(runningTaskDefinitionArn(ev.service)),
      serviceDeploymentArn: d.serviceDeploymentArn,
      serviceDeploymentStatus: d.status,
      lifecycleStage: d.lifecycleStage,
      ...(spec.stage ? { stage: spec.stage } : {}),
    },
  };
}

// --- the fallback: DescribeServices only ---------------------------------------------------------------

function fallbackVerdict(spec: Spec, service: Service): Verdict {
  const deployments = service.deployments ?? [];
  const primary = primaryDeployment(service);
  const chosen = spec.deployment && ECS_DEPLOYMENT_ID.test(spec.deployment) ? deployments.find((d) => d.id === spec.deployment) : primary;
  if (!chosen) return { outcome: 'fail', message: `deployment ${spec.deployment ?? 'PRIMARY'} not found in DescribeServices` };
  const expected = label(spec.taskDefinition) ?? label(chosen.taskDefinition)!;
  const running = label(primary?.taskDefinition) ?? '(none)';
  const failed = deployments.find((d) => d.rolloutState === 'FAILED' && label(d.taskDefinition) === expected);
  if (failed) {
    const back = running !== expected ? `; rolled back to ${running}; this rollout targeted ${expected}` : '';
    return { outcome: 'fail', message: `deployment ${failed.id} (${expected}) FAILED after ${failed.failedTasks ?? 0} failed tasks: ${failed.rolloutStateReason ?? 'no rolloutStateReason'}${back}`, forensicsTaskDefinition: expected };
  }
  if (running !== expected) {
    const draining = deployments.some((d) => d.status !== 'PRIMARY' && label(d.taskDefinition) === expected);
    const message = draining ? `rolling back to ${running}; this rollout targeted ${expected}` : `the service is on ${running}${primary?.rolloutState ? ` (PRIMARY ${primary.rolloutState})` : ''}; this rollout targeted ${expected}`;
    return { outcome: 'fail', message, forensicsTaskDefinition: expected };
  }
  const runningCount = primary?.runningCount ?? service.runningCount ?? 0;
  const desired = primary?.desiredCount ?? service.desiredCount ?? 0;
  const rollout = primary?.rolloutState ? ` ${primary.rolloutState}` : '';
  const progress = `PRIMARY deployment ${primary?.id}${rollout} on ${running}, running ${runningCount}/${desired}`;
  const settled = spec.stage ? true : (primary?.rolloutState ?? 'COMPLETED') === 'COMPLETED' && deployments.length === 1;
  if (settled && desired > 0 && runningCount >= desired) return { outcome: 'pass', message: progress + (spec.stage ? ` (gated at ${spec.stage})` : '') };
  return { outcome: 'retry', message: `not landed yet: ${progress}, deployments: ${deployments.map((d) => `${d.status} ${d.rolloutState ?? ''}`.trim()).join(', ')}` };
}

async function resultFromDescribeServices(ctx: CheckContext, spec: Spec, service: Service, why: string): Promise<AttemptResult> {
  const verdict = fallbackVerdict(spec, service);
  const details: Record<string, unknown> = {
    source: 'DescribeServices',
    fallbackReason: why,
    deployments: (service.deployments ?? []).map((d: Deployment) => ({
      id: d.id,
      status: d.status,
      taskDefinition: label(d.taskDefinition),
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
      running: d.runningCount,
      desired: d.desiredCount,
      failedTasks: d.failedTasks,
    })),
  };
  let message = `${where(spec)}: ${verdict.message} (${why}: judged from DescribeServices)`;
  if (verdict.outcome === 'fail') {
    details.forensics = await forensics(ctx, spec, service, verdict.forensicsTaskDefinition);
    message += forensicsText(details.forensics as Record<string, unknown>);
  }
  const primary = primaryDeployment(service);
  return {
    outcome: verdict.outcome,
    message,
    details,
    observations: [
      { what: 'PRIMARY deployment task definition', expected: label(spec.taskDefinition) ?? label(primary?.taskDefinition) ?? '?', actual: label(primary?.taskDefinition) ?? '(none)', ok: verdict.outcome === 'pass' },
      { what: 'PRIMARY rolloutState', expected: spec.stage ? 'any but FAILED' : 'COMPLETED', actual: String(primary?.rolloutState), ok: verdict.outcome === 'pass' },
    ],
    nextSteps: [`aws ecs describe-services --cluster ${spec.cluster} --services ${spec.service} --query 'services[0].deployments'`],
    facts: { cluster: spec.cluster, service: spec.service, taskDefinition: label(primary?.taskDefinition), source: 'DescribeServices' },
  };
}

export const ecsDeployment = defineCheck({
  type: 'ecs-deployment',
  summary: "An ECS service's rollout landed: its service deployment is SUCCESSFUL on the expected task definition (not rolled back).",
  schema,
  evidence: 'state',
  defaults: { timeoutMs: 15_000, retry: { intervalMs: 5_000, backoff: 1.5, maxIntervalMs: 15_000, withinMs: 900_000 } },
  describe: (spec) => {
    const which = spec.deployment ? `service deployment ${spec.deployment}` : 'the newest service deployment';
    const of = spec.taskDefinition ? ` of ${label(spec.taskDefinition)}` : '';
    const judged = spec.stage ? `has its target revision running and healthy at ${spec.stage}` : 'is SUCCESSFUL and the service runs it';
    return `ECS service ${spec.service} in cluster ${spec.cluster}: ${which}${of} ${judged}`;
  },
  explains: [
    { effect: 'ecs-service-stable', because: 'the rollout failed or was rolled back' },
    { effect: 'ecs-task-running', because: 'the rollout failed or was rolled back: its tasks are not running' },
    { effect: 'alb-targets-healthy', because: 'a failed rollout leaves no healthy targets of the new revision' },
    { effect: 'http', because: 'a failed or rolled-back rollout serves errors or the old revision' },
    { effect: 'alb-metrics', because: 'a failed rollout\'s tasks answer the load balancer with errors or slowly', when: (_, effect) => albBreached(effect, '5xx', 'latency', 'unhealthy') },
  ],
  async run(spec, ctx): Promise<AttemptResult> {
    const described = describeService(ctx, spec);
    const read = readServiceDeployments(ctx, spec);
    described.catch(() => undefined);
    read.catch(() => undefined);
    const service = await described; // a missing or INACTIVE service fails here, first
    const controller = service.deploymentController?.type ?? 'ECS';
    if (controller !== 'ECS') {
      return { outcome: 'error', message: `${where(spec)} uses the ${controller} deployment controller: ecs-deployment reads ECS service deployments only` };
    }
    let outcome: Read;
    try {
      outcome = await read;
    } catch (error) {
      const denied = deniedAction(error);
      if (!denied) throw error;
      return resultFromDescribeServices(ctx, spec, service, `${denied} denied`);
    }
    if ('fallback' in outcome) return resultFromDescribeServices(ctx, spec, service, outcome.fallback);
    const ev: Evidence = { ...outcome.evidence, service };
    if (spec.stage && ONGOING_STATUSES.has(ev.deployment.status ?? '')) {
      ev.targetTasks = await runningTargetTasks(ctx, spec, service, targetTaskDefinition(ev));
    }
    return resultFromServiceDeployments(ctx, spec, ev);
  },
});
