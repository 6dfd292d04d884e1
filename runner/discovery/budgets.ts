/**
 * How long each discovered check may take, derived from what AWS says about the service (target
 * group health checks, health-check grace period, rollout state), never an unbounded default.
 * Pure: every function maps discovered facts to a budget and the sentence that explains it.
 */
import type { HealthCheckSettings } from '../../checks/support/elbv2.js';
import type { Discovered } from './types.js';

/** A check's time budget, written into the generated scenario as `timeout:` and `retry:`. */
export interface Budget {
  /** Per-attempt timeout, ms. */
  timeoutMs: number;
  /** Deadline for all attempts together, ms (`retry.within`); absent when `attempts` bounds the check. */
  withinMs?: number;
  /** Total attempts (`retry.attempts`), when the check is bounded by a count instead of a deadline. */
  attempts?: number;
  /** Wait before the first retry, ms. */
  intervalMs: number;
  backoff: number;
  maxIntervalMs?: number;
  /** How the bound was derived, one line for the generated file. */
  why: string;
}

/** Added to the target group's own time to healthy: the first probe's offset and one poll of ours. */
export const TARGETS_MARGIN_MS = 10_000;
/** What an ECS task needs to pull its image and start, before load balancer health checks begin. */
export const TASK_START_MS = 60_000;
/** ELBv2's default `deregistration_delay.timeout_seconds`: a rollout drains the old tasks that long. */
export const DEFAULT_DEREGISTRATION_DELAY_MS = 300_000;
/** The most any discovered check waits, whatever AWS says (the ECS check types' own default). */
export const MAX_WITHIN_MS = 600_000;

/** ALB defaults, assumed when a target group reports no health-check settings. */
const ALB_DEFAULTS = { intervalSeconds: 30, healthyThreshold: 5, timeoutSeconds: 5 } as const;

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

/** Time for ELBv2 to mark a new target healthy: interval × healthy threshold + timeout, ms. */
export function timeToHealthyMs(settings: HealthCheckSettings | undefined): number {
  const interval = settings?.intervalSeconds ?? ALB_DEFAULTS.intervalSeconds;
  const threshold = settings?.healthyThreshold ?? ALB_DEFAULTS.healthyThreshold;
  const timeout = settings?.timeoutSeconds ?? ALB_DEFAULTS.timeoutSeconds;
  return (interval * threshold + timeout) * 1000;
}

/**
 * `alb-targets-healthy`: within the slowest target group's time to healthy plus TARGETS_MARGIN_MS,
 * polled once per health-check interval (2-10 s).
 */
export function targetsHealthyBudget(groups: Discovered['targetGroups']): Budget {
  const slowest = [...groups].sort((a, b) => timeToHealthyMs(b.healthCheck) - timeToHealthyMs(a.healthCheck))[0];
  const settings = slowest?.healthCheck;
  const interval = settings?.intervalSeconds ?? ALB_DEFAULTS.intervalSeconds;
  const threshold = settings?.healthyThreshold ?? ALB_DEFAULTS.healthyThreshold;
  const timeout = settings?.timeoutSeconds ?? ALB_DEFAULTS.timeoutSeconds;
  const withinMs = Math.min(timeToHealthyMs(settings) + TARGETS_MARGIN_MS, MAX_WITHIN_MS);
  const assumed = settings?.intervalSeconds === undefined || settings.healthyThreshold === undefined || settings.timeoutSeconds === undefined;
  return {
    timeoutMs: 10_000,
    withinMs,
    intervalMs: Math.min(Math.max(interval, 2), 10) * 1000,
    backoff: 1,
    why:
      `within ${seconds(withinMs)} = ${interval}s interval × ${threshold} healthy threshold + ${timeout}s timeout + ${seconds(TARGETS_MARGIN_MS)} margin` +
      ` (target group ${slowest?.name ?? '?'}${assumed ? ', ALB defaults assumed where it reports none' : ''})`,
  };
}

/**
 * `ecs-service-stable`: the time ECS needs to replace a task (start + health-check grace period +
 * targets' time to healthy); while a rollout is under way, plus the default deregistration delay
 * during which the old tasks drain. Capped at MAX_WITHIN_MS.
 */
export function rolloutBudget(found: Discovered): Budget {
  const graceMs = (found.healthCheckGracePeriodSeconds ?? 0) * 1000;
  const targetsMs = found.targetGroups.length > 0 ? (targetsHealthyBudget(found.targetGroups).withinMs ?? 0) : 0;
  const inProgress = found.rolloutState !== undefined && found.rolloutState !== 'COMPLETED';
  const drainMs = inProgress && found.targetGroups.length > 0 ? DEFAULT_DEREGISTRATION_DELAY_MS : 0;
  const withinMs = Math.min(TASK_START_MS + graceMs + targetsMs + drainMs, MAX_WITHIN_MS);
  const parts = [`${seconds(TASK_START_MS)} task start`, `${seconds(graceMs)} grace period`];
  if (targetsMs) parts.push(`${seconds(targetsMs)} targets healthy`);
  if (drainMs) parts.push(`${seconds(drainMs)} draining (default deregistration delay)`);
  const capped = withinMs === MAX_WITHIN_MS ? `, capped at ${seconds(MAX_WITHIN_MS)}` : '';
  return {
    timeoutMs: 10_000,
    withinMs,
    intervalMs: 5_000,
    backoff: 1.5,
    maxIntervalMs: 15_000,
    why: `within ${seconds(withinMs)} = ${parts.join(' + ')}${capped} (rollout ${found.rolloutState ?? 'state unknown'} at discovery)`,
  };
}

/** `ecs-task-running`, after the service is stable: its tasks already run, one ECS refresh at most. */
export const TASKS_RUNNING_BUDGET: Budget = {
  timeoutMs: 15_000,
  withinMs: 30_000,
  intervalMs: 5_000,
  backoff: 1,
  why: 'within 30s: runs after the service is stable, so its tasks already run',
};

/** `logs-absent`: a match is definitive; only a transient AWS error is retried. */
export const LOGS_BUDGET: Budget = {
  timeoutMs: 20_000,
  withinMs: 40_000,
  intervalMs: 2_000,
  backoff: 2,
  why: 'within 40s: a match fails at once; only a transient AWS error is retried',
};

/** `http`: one attempt of three samples, as a health check sees the endpoint. */
export const HTTP_BUDGET: Budget = {
  timeoutMs: 10_000,
  attempts: 1,
  intervalMs: 1_000,
  backoff: 1,
  why: 'one attempt of 3 samples, 10s at most',
};

/** The longest a check with this budget can take, ms. */
export function worstCaseMs(budget: Budget): number {
  if (budget.withinMs !== undefined) return budget.withinMs;
  const attempts = budget.attempts ?? 1;
  let waits = 0;
  for (let i = 0; i < attempts - 1; i++) waits += Math.min(budget.intervalMs * budget.backoff ** i, budget.maxIntervalMs ?? Infinity);
  return attempts * budget.timeoutMs + waits;
}

/** `ecs-task-definition` (secrets exist, connections): a task definition does not change by waiting. */
export const TASK_DEFINITION_BUDGET: Budget = {
  timeoutMs: 10_000,
  attempts: 2,
  intervalMs: 2_000,
  backoff: 1,
  why: '2 attempts: a task definition and its secrets do not change by waiting; the second covers a transient AWS error',
};

/** `sg-ingress` on a dependency's path: a missing rule fails at once; only a transient AWS error is retried. */
export const NETWORK_PATH_BUDGET: Budget = {
  timeoutMs: 10_000,
  attempts: 2,
  intervalMs: 2_000,
  backoff: 1,
  why: '2 attempts: a missing rule fails at once (rules do not appear by waiting)',
};

/** `elasticache-available` / `rds-available`: a store briefly modifying or backing up is waited for, not long. */
export const DEPENDENCY_HEALTH_BUDGET: Budget = {
  timeoutMs: 10_000,
  withinMs: 30_000,
  intervalMs: 5_000,
  backoff: 1,
  why: 'within 30s: a store that is modifying or backing up gets a few polls; stopped or missing fails at once',
};

/**
 * `http` on the health-check path: one attempt of 3 samples, each allowed the target group's
 * health-check timeout (ALB default 5 s), 10-30 s in all.
 */
export function httpBudget(settings: HealthCheckSettings | undefined): Budget {
  const timeout = settings?.timeoutSeconds ?? ALB_DEFAULTS.timeoutSeconds;
  const timeoutMs = Math.min(Math.max(3 * timeout * 1000, 10_000), 30_000);
  return { timeoutMs, attempts: 1, intervalMs: 1_000, backoff: 1, why: `one attempt of 3 samples, ${seconds(timeoutMs)} at most (3 × the ${timeout}s health-check timeout, 10-30s)` };
}

/**
 * `alb-metrics`: one attempt. CloudWatch metrics lag by minutes, so a retry budget would only slow
 * the verdict; too few requests or no datapoints passes by the chain's `noData: pass`.
 */
export const ALB_METRICS_BUDGET: Budget = {
  timeoutMs: 15_000,
  attempts: 1,
  intervalMs: 1_000,
  backoff: 1,
  why: 'one attempt: metrics lag by minutes, so waiting would only slow the verdict; missing evidence passes (noData: pass), only a 5xx breach fails',
};

/** `cloudwatch-alarms` (the deployment alarms): ALARM and OK are verdicts at once; the second attempt covers a transient AWS error. */
export const DEPLOYMENT_ALARMS_BUDGET: Budget = {
  timeoutMs: 10_000,
  attempts: 2,
  intervalMs: 2_000,
  backoff: 1,
  why: '2 attempts: an alarm in ALARM fails at once, OK passes; INSUFFICIENT_DATA passes, as ECS itself only rolls back on ALARM (noData: pass)',
};
