/**
 * The standard post-deploy chain for a discovered service, as data: which checks, in which order,
 * what each needs first, and each one's budget. text.ts writes it as YAML.
 */
import { ALB_METRICS_BUDGET, DEPLOYMENT_ALARMS_BUDGET, LOGS_BUDGET, TASKS_RUNNING_BUDGET, rolloutBudget, targetsHealthyBudget, type Budget } from './budgets.js';
import { dependencyChecks, entryPointCheck, isChainCheck, withDependencies } from './dependency-chain.js';
import type { Discovered, DiscoveredTargetGroup, DiscoveryInput } from './types.js';

/**
 * How far back at most the zero-config log check looks, as the scenario's `logWindow` var (override
 * with `--var logWindow=10s`): since the deployment, but never longer than this. A run soon after
 * a deployment still sees every error since it started; a run long after it (the runbook's
 * `--watch` after an infrastructure fix, no redeploy) judges the recent logs, so errors from
 * before the fix stop failing it once this much time has passed without new ones.
 */
export const DEFAULT_LOG_WINDOW = '5m';

/**
 * How far back at most the zero-config `alb-metrics` check looks, as the scenario's `metricsWindow`
 * var (override with `--var metricsWindow=10m`): since the deployment, but never longer than this,
 * for the same reason as DEFAULT_LOG_WINDOW (5xx from before an infrastructure fix stop counting
 * once this much time has passed). The shipped scenario names its own metrics window the same.
 */
export const DEFAULT_METRICS_WINDOW = '5m';

/** The default "something went wrong" filter pattern for application logs. */
export const DEFAULT_ERROR_PATTERN = '?ERROR ?FATAL ?Exception ?Traceback ?panic';

/** One check of the chain: the scenario keys (spec included) and the budget its `timeout`/`retry` come from. */
export interface ChainCheck {
  name: string;
  type: string;
  needs?: string[];
  /** The type-specific keys, with `${vars.*}` references where the scenario declares the value. */
  spec: Record<string, unknown>;
  budget: Budget;
}

/** A part of the chain left out, and why (shown in the generated file's header). */
export interface LeftOut {
  name: string;
  why: string;
}

export interface Chain {
  checks: ChainCheck[];
  leftOut: LeftOut[];
}

const SERVICE_REF = { cluster: '${vars.cluster}', service: '${vars.service}' };

/**
 * The zero-config `alb-metrics` bounds: since the deployment (a previous revision's 5xx are not the
 * rollout's) but at most the `metricsWindow` var back (DEFAULT_METRICS_WINDOW), a 5xx rate a healthy service stays well under, judged only with enough requests to
 * mean something, and missing evidence passes (zero-config never blocks a rollout on evidence it
 * does not have; the check's message says `noData: pass`).
 */
export const ALB_METRICS_DEFAULTS = { sinceDeployment: true, window: '${vars.metricsWindow}', max5xxRate: '5%', minRequests: 50, noData: 'pass' } as const;

/** Why a target group gets no `alb-metrics`, or undefined when it does (behind application load balancers only). */
function noAlbMetrics(group: DiscoveredTargetGroup): string | undefined {
  const arns = group.loadBalancerArns ?? [];
  if (arns.length === 0) return `target group ${group.name} is not attached to a load balancer: no ALB metrics exist for it`;
  const types = group.loadBalancerTypes;
  if (!types || types.length !== arns.length || types.includes('unknown')) return `the load balancer of target group ${group.name} could not be read`;
  const other = types.find((t) => t !== 'application');
  return other ? `target group ${group.name} is behind a ${other} load balancer, which publishes other metrics than AWS/ApplicationELB` : undefined;
}

/** The target groups that get an `alb-metrics` check: attached only to application load balancers. Pure. */
export function albMetricsGroups(found: Pick<Discovered, 'targetGroups'>): DiscoveredTargetGroup[] {
  return found.targetGroups.filter((g) => noAlbMetrics(g) === undefined);
}

/**
 * One `alb-metrics` per target group behind an application load balancer, and `cloudwatch-alarms`
 * when ECS watches deployment alarms. Neither `needs` another check (like the health endpoint):
 * a breach stays evidence even when the targets or the rollout fail, so the root cause can use it.
 */
function metricChecks(found: Discovered): Chain {
  const checks: ChainCheck[] = [];
  const leftOut: LeftOut[] = [];
  const many = found.targetGroups.length > 1;
  for (const group of found.targetGroups) {
    const name = many ? `ALB 5xx rate (${group.name})` : 'ALB 5xx rate';
    const why = noAlbMetrics(group);
    if (why) leftOut.push({ name, why });
    else checks.push({ name, type: 'alb-metrics', spec: { ...SERVICE_REF, targetGroupArn: group.arn, ...ALB_METRICS_DEFAULTS }, budget: ALB_METRICS_BUDGET });
  }
  if (found.deploymentAlarms?.length) {
    checks.push({ name: 'deployment alarms', type: 'cloudwatch-alarms', spec: { ...SERVICE_REF, noData: 'pass' }, budget: DEPLOYMENT_ALARMS_BUDGET });
  }
  return { checks, leftOut };
}

/**
 * What a rollout-driven run (a lifecycle hook, `gate`, `run --event`) knows beyond the service:
 * the lifecycle stage it waits at and the target revision's task definition. With `stage`, the
 * ECS checks judge the target revision at that stage instead of waiting for the rollout to end
 * (which cannot happen while the rollout waits for them).
 */
export interface RolloutContext {
  stage?: string;
  taskDefinition?: string;
}

/** `stage: ${vars.stage}` when the run has a stage (the scenario declares the var then). */
const stageRef = (input: RolloutContext) => (input.stage ? { stage: '${vars.stage}' } : {});

/**
 * The chain: the dependencies (task definition secrets and endpoints, each data store's health and
 * network path; dependency-chain.ts), then rollout landed (ecs-deployment), service stable → tasks
 * running → targets healthy (behind a load balancer with health checks), the ALB's 5xx rate (behind
 * an application load balancer) and the deployment alarms (when ECS watches some), no error lines
 * since the deployment, at most the last `logWindow` (awslogs), and the health endpoint (with `url`, or the load balancer's listener).
 * A check that could not pass on a healthy service (health checks disabled) is left out, never a
 * false alarm.
 */
export function plannedChain(input: DiscoveryInput & RolloutContext, found: Discovered): Chain {
  const checks: ChainCheck[] = [
    // First: a rollout the circuit breaker or an alarm rolled back leaves the service *stable on the
    // old revision*, which ecs-service-stable passes; ecs-deployment fails it at once, with why.
    {
      name: 'rollout landed',
      type: 'ecs-deployment',
      spec: { ...SERVICE_REF, ...(input.taskDefinition ? { taskDefinition: '${vars.taskDefinition}' } : {}), ...stageRef(input) },
      budget: rolloutBudget(found),
    },
    { name: 'service stable', type: 'ecs-service-stable', spec: { ...SERVICE_REF, ...stageRef(input) }, budget: rolloutBudget(found) },
    { name: 'tasks running', type: 'ecs-task-running', needs: ['service stable'], spec: SERVICE_REF, budget: TASKS_RUNNING_BUDGET },
  ];
  const leftOut: LeftOut[] = [];
  const unchecked = found.targetGroups.filter((g) => g.healthCheck?.enabled === false);
  if (unchecked.length > 0) {
    leftOut.push({ name: 'targets healthy', why: `health checks are disabled on ${unchecked.map((g) => g.name).join(', ')}: target health cannot be verified` });
  } else if (found.targetGroups.length > 0) {
    checks.push({ name: 'targets healthy', type: 'alb-targets-healthy', needs: ['tasks running'], spec: SERVICE_REF, budget: targetsHealthyBudget(found.targetGroups) });
  }
  const metrics = metricChecks(found);
  checks.push(...metrics.checks);
  leftOut.push(...metrics.leftOut);
  if (found.containers.some((c) => c.logGroup)) {
    checks.push({
      name: 'no errors since the deployment',
      type: 'logs-absent',
      needs: ['service stable'],
      spec: { ...SERVICE_REF, pattern: DEFAULT_ERROR_PATTERN, sinceDeployment: true, since: '${vars.logWindow}' },
      budget: LOGS_BUDGET,
    });
  }
  // Issue #10: the health endpoint (--url or the load balancer), and the dependencies first, gating the rest.
  const health = entryPointCheck(input, found);
  if (isChainCheck(health)) checks.push(health);
  else if (found.targetGroups.length > 0 || input.url) leftOut.push(health);
  return withDependencies({ checks, leftOut }, dependencyChecks(found));
}
