/**
 * ecs-service-stable: the service has settled on one deployment, and it runs as many tasks as it
 * wants (more than zero). The question `aws ecs wait services-stable` answers, with the why.
 * With `stage` (under a lifecycle hook or `gate`, while the rollout waits and so cannot settle), it
 * judges the rollout's target revision at that stage instead: the PRIMARY deployment runs all its
 * desired tasks, with the source revision's deployment still beside it.
 */
import { z } from 'zod';
import type { Deployment, Service, ServiceEvent } from '@aws-sdk/client-ecs';
import { albBreached } from './support/relations.js';
import { defineCheck, type AttemptResult, type Observation } from './types.js';
import { describeService, primaryDeployment } from './support/ecs.js';
import { taskDefinitionLabel } from './support/ecs-tasks.js';
import { HOOK_STAGES, stageIndex } from './support/service-deployments.js';

const RECENT_EVENTS = 5;

const schema = z.strictObject({
  cluster: z.string().min(1).meta({ description: 'ECS cluster name or ARN.' }),
  service: z.string().min(1).meta({ description: 'ECS service name or ARN.' }),
  stage: z
    .enum(HOOK_STAGES)
    .optional()
    .meta({
      description:
        "Set while a lifecycle hook or gate runs at this stage: judge the rollout's target revision (the PRIMARY deployment runs its desired tasks) instead of waiting for one settled deployment.",
    }),
});
type Spec = z.output<typeof schema>;

function describeServicesCommand(spec: Spec): string {
  return (
    `aws ecs describe-services --cluster ${spec.cluster} --services ${spec.service} ` +
    `--query 'services[0].{status:status,running:runningCount,desired:desiredCount,deployments:deployments,events:events[:5]}'`
  );
}

function deploymentLabel(deployment: Deployment): string {
  const rollout = deployment.status === 'PRIMARY' && deployment.rolloutState ? ` ${deployment.rolloutState}` : '';
  return `${deployment.status ?? '?'}${rollout}`;
}

function progress(service: Service): string {
  const deployments = service.deployments ?? [];
  const labels = deployments.length ? deployments.map(deploymentLabel).join(', ') : 'none';
  return `running ${service.runningCount ?? 0}/${service.desiredCount ?? 0}, deployments: ${labels}`;
}

function deploymentDetails(deployment: Deployment) {
  return {
    id: deployment.id,
    status: deployment.status,
    taskDefinition: taskDefinitionLabel(deployment.taskDefinition),
    rolloutState: deployment.rolloutState,
    rolloutStateReason: deployment.rolloutStateReason,
    running: deployment.runningCount,
    desired: deployment.desiredCount,
    pending: deployment.pendingCount,
    failedTasks: deployment.failedTasks,
  };
}

/** ECS lists events newest first; keep the few that usually explain a stuck rollout. */
function recentEvents(events: ServiceEvent[] | undefined): string[] {
  return (events ?? []).slice(0, RECENT_EVENTS).map((event) => {
    const at = event.createdAt instanceof Date ? `${event.createdAt.toISOString()} ` : '';
    return `${at}${event.message ?? ''}`;
  });
}

function observe(service: Service, stage: string | undefined): Observation[] {
  const deployments = service.deployments ?? [];
  const primary = primaryDeployment(service);
  const observations: Observation[] = [
    { what: 'service status', expected: 'ACTIVE', actual: String(service.status), ok: service.status === 'ACTIVE' },
    {
      what: 'deployments',
      expected: stage ? 'a PRIMARY (the target revision), the source revision beside it' : 'exactly one (PRIMARY)',
      actual: deployments.map(deploymentLabel).join(', ') || 'none',
      ok: primary !== undefined && (stage !== undefined || deployments.length === 1),
    },
  ];
  if (primary?.rolloutState) {
    const allowed = stage ? ['IN_PROGRESS', 'COMPLETED'] : ['COMPLETED'];
    observations.push({ what: 'PRIMARY rolloutState', expected: allowed.join(' or '), actual: primary.rolloutState, ok: allowed.includes(primary.rolloutState) });
  }
  if (stage && stageIndex(stage) >= stageIndex('POST_SCALE_UP')) {
    const running = primary?.runningCount ?? 0;
    const desired = primary?.desiredCount ?? 0;
    observations.push({ what: 'PRIMARY deployment running tasks', expected: desired > 0 ? `${desired} (its desiredCount)` : 'desiredCount > 0', actual: `${running}/${desired}`, ok: desired > 0 && running >= desired });
    return observations;
  }
  const running = service.runningCount ?? 0;
  const desired = service.desiredCount ?? 0;
  observations.push({
    what: 'running tasks',
    expected: desired > 0 ? `${desired} (desiredCount)` : 'desiredCount > 0',
    actual: `${running}/${desired}`,
    ok: desired > 0 && (stage ? running >= desired : running === desired),
  });
  return observations;
}

/**
 * Under a stage: the rollout is IN_PROGRESS by design (it waits for this very check), so judge the
 * target revision — the PRIMARY deployment — instead of waiting for one settled deployment. Before
 * POST_SCALE_UP the target revision has no tasks yet: the service must still serve on its source.
 */
function stagedVerdict(service: Service, stage: string, where: string): { outcome: 'pass' | 'retry'; message: string } {
  const primary = primaryDeployment(service);
  const gated = `(gated at ${stage}: rollout completion is not judged)`;
  if (stageIndex(stage) < stageIndex('POST_SCALE_UP')) {
    const serving = (service.runningCount ?? 0) >= (service.desiredCount ?? 0);
    return serving
      ? { outcome: 'pass', message: `${where} serves on its current revision ${gated}; the target revision is not scaled up before POST_SCALE_UP: ${progress(service)}` }
      : { outcome: 'retry', message: `${where} not serving all its desired tasks before the scale-up ${gated}: ${progress(service)}` };
  }
  const running = primary?.runningCount ?? 0;
  const desired = primary?.desiredCount ?? 0;
  const target = taskDefinitionLabel(primary?.taskDefinition);
  if (primary && desired > 0 && running >= desired) {
    return { outcome: 'pass', message: `${where}: the target revision ${target} runs ${running}/${desired} tasks ${gated}; ${progress(service)}` };
  }
  return { outcome: 'retry', message: `${where}: the target revision ${target ?? '(no PRIMARY deployment)'} runs ${running}/${desired} tasks ${gated}; ${progress(service)}` };
}

export const ecsServiceStable = defineCheck({
  type: 'ecs-service-stable',
  summary: 'An ECS service is ACTIVE with one COMPLETED deployment and runningCount == desiredCount > 0.',
  schema,
  evidence: 'state',
  defaults: { timeoutMs: 10_000, retry: { intervalMs: 5_000, backoff: 1.5, maxIntervalMs: 15_000, withinMs: 600_000 } },
  describe: (spec) =>
    spec.stage
      ? `ECS service ${spec.service} in cluster ${spec.cluster} is ACTIVE and its rollout's target revision runs all its desired tasks at ${spec.stage}`
      : `ECS service ${spec.service} in cluster ${spec.cluster} is ACTIVE, has one COMPLETED deployment and runs all its desired tasks`,
  explains: [
    { effect: 'ecs-task-running', because: 'the service does not run its desired tasks' },
    { effect: 'alb-targets-healthy', because: 'tasks that do not run cannot be healthy targets' },
    { effect: 'http', because: 'with tasks not running, requests go unanswered' },
    { effect: 'alb-metrics', because: 'with tasks not running, the load balancer\'s targets fail requests or are unhealthy', when: (_, effect) => albBreached(effect, '5xx', 'unhealthy') },
  ],
  async run(spec, ctx): Promise<AttemptResult> {
    const service = await describeService(ctx, spec);
    const where = `ECS service ${spec.service} (cluster ${spec.cluster})`;
    const primary = primaryDeployment(service);
    const running = service.runningCount ?? 0;
    const desired = service.desiredCount ?? 0;
    const base = {
      observations: observe(service, spec.stage),
      details: {
        deployments: (service.deployments ?? []).map(deploymentDetails),
        recentEvents: recentEvents(service.events),
      },
      nextSteps: [describeServicesCommand(spec)],
      facts: {
        cluster: spec.cluster,
        service: spec.service,
        taskDefinition: taskDefinitionLabel(primary?.taskDefinition ?? service.taskDefinition),
        runningCount: running,
        desiredCount: desired,
      },
    };

    const controller = service.deploymentController?.type ?? 'ECS';
    if (controller !== 'ECS') {
      return {
        ...base,
        outcome: 'error',
        message: `${where} uses the ${controller} deployment controller: ecs-service-stable only understands ECS rolling deployments`,
      };
    }
    // A rollback leaves the failed deployment ACTIVE beside a new PRIMARY: any FAILED one counts.
    const failed = (service.deployments ?? []).find((d) => d.rolloutState === 'FAILED');
    if (failed) {
      const reason = failed.rolloutStateReason ?? 'no rolloutStateReason';
      return {
        ...base,
        outcome: 'fail',
        message: `${where}: deployment ${failed.id} (${taskDefinitionLabel(failed.taskDefinition)}) FAILED after ${failed.failedTasks ?? 0} failed tasks: ${reason}`,
      };
    }
    if (desired === 0) {
      return {
        ...base,
        outcome: 'fail',
        message: `${where} is scaled to zero (desiredCount 0): no task is serving`,
        fix: { summary: `set a desiredCount above 0 for ${spec.service} (Terraform, autoscaling minimum, or update-service) and redeploy` },
      };
    }
    if (spec.stage) return { ...base, ...stagedVerdict(service, spec.stage, where) };
    const stable =
      (service.deployments ?? []).length === 1 &&
      primary !== undefined &&
      (primary.rolloutState === undefined || primary.rolloutState === 'COMPLETED') &&
      running === desired;
    if (stable) {
      return { ...base, outcome: 'pass', message: `${where} is stable on ${taskDefinitionLabel(primary.taskDefinition)}: ${progress(service)}` };
    }
    const latestEvent = service.events?.[0]?.message;
    return {
      ...base,
      outcome: 'retry',
      message: `${where} not stable yet: ${progress(service)}${latestEvent ? `; latest event: ${latestEvent}` : ''}`,
    };
  },
});
