/**
 * The standard post-deploy chain for a discovered service, as data: which checks, in which order,
 * what each needs first, and each one's budget. text.ts writes it as YAML.
 */
import { LOGS_BUDGET, TASKS_RUNNING_BUDGET, rolloutBudget, targetsHealthyBudget, type Budget } from './budgets.js';
import { dependencyChecks, entryPointCheck, isChainCheck, withDependencies } from './dependency-chain.js';
import type { Discovered, DiscoveryInput } from './types.js';

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
 * running → targets healthy (behind a load balancer with health checks), no error lines since the
 * deployment (awslogs), and the health endpoint (with `url`, or the load balancer's listener).
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
  if (found.containers.some((c) => c.logGroup)) {
    checks.push({
      name: 'no errors since the deployment',
      type: 'logs-absent',
      needs: ['service stable'],
      spec: { ...SERVICE_REF, pattern: DEFAULT_ERROR_PATTERN, sinceDeployment: true },
      budget: LOGS_BUDGET,
    });
  }
  // Issue #10: the health endpoint (--url or the load balancer), and the dependencies first, gating the rest.
  const health = entryPointCheck(input, found);
  if (isChainCheck(health)) checks.push(health);
  else if (found.targetGroups.length > 0 || input.url) leftOut.push(health);
  return withDependencies({ checks, leftOut }, dependencyChecks(found));
}
