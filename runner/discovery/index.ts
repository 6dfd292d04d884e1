/**
 * Zero-config discovery: from an ECS service, find what the standard post-deploy chain needs (its
 * target groups, their health checks and load balancer types, log group, security groups, task
 * definition, deployment and its alarms)
 * and write that chain, with budgets derived from AWS, as a commented scenario. `run --cluster
 * --service` runs the very text `init` prints.
 *
 * Modules: aws.ts (the look-ups), chain.ts (which checks), budgets.ts (how long each may take),
 * text.ts (the YAML); dependencies.ts and entry-point.ts (issue #10: the data stores the configuration
 * points at, the load balancer in front) with dependency-chain.ts (their checks, run first).
 */
export { discover, type DiscoverOptions } from './aws.js';
export { plannedChain, albMetricsGroups, ALB_METRICS_DEFAULTS, DEFAULT_ERROR_PATTERN, DEFAULT_LOG_WINDOW, DEFAULT_METRICS_WINDOW, type Chain, type ChainCheck, type LeftOut } from './chain.js';
export {
  rolloutBudget,
  targetsHealthyBudget,
  timeToHealthyMs,
  worstCaseMs,
  HTTP_BUDGET,
  DEPENDENCY_HEALTH_BUDGET,
  NETWORK_PATH_BUDGET,
  TASK_DEFINITION_BUDGET,
  httpBudget,
  LOGS_BUDGET,
  TASKS_RUNNING_BUDGET,
  TARGETS_MARGIN_MS,
  ALB_METRICS_BUDGET,
  DEPLOYMENT_ALARMS_BUDGET,
  type Budget,
} from './budgets.js';
export { scenarioText, budgetKeys, yamlDuration } from './text.js';
export { dependencyChecks, discoveryLines, entryPointCheck, successCodes, withDependencies } from './dependency-chain.js';
export { discoverDependencies } from './dependencies.js';
export { discoverEntryPoint, describeLoadBalancers, baseUrlOf, forwardsTo } from './entry-point.js';
export {
  DiscoveryError,
  type Discovered,
  type DiscoveredContainer,
  type DiscoveredDependency,
  type DiscoveredEntryPoint,
  type DiscoveredTargetGroup,
  type DiscoveryInput,
  type UnmatchedEndpoint,
} from './types.js';
