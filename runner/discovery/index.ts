/**
 * Zero-config discovery: from an ECS service, find what the standard post-deploy chain needs (its
 * target groups and their health checks, log group, security groups, task definition, deployment)
 * and write that chain, with budgets derived from AWS, as a commented scenario. `run --cluster
 * --service` runs the very text `init` prints.
 *
 * Modules: aws.ts (the look-ups), chain.ts (which checks), budgets.ts (how long each may take),
 * text.ts (the YAML). New dependencies to follow (issue #10) add a look-up and a chain step.
 */
export { discover, type DiscoverOptions } from './aws.js';
export { plannedChain, DEFAULT_ERROR_PATTERN, type Chain, type ChainCheck, type LeftOut } from './chain.js';
export {
  rolloutBudget,
  targetsHealthyBudget,
  timeToHealthyMs,
  worstCaseMs,
  HTTP_BUDGET,
  LOGS_BUDGET,
  TASKS_RUNNING_BUDGET,
  TARGETS_MARGIN_MS,
  type Budget,
} from './budgets.js';
export { scenarioText, budgetKeys, yamlDuration } from './text.js';
export { DiscoveryError, type Discovered, type DiscoveredContainer, type DiscoveredTargetGroup, type DiscoveryInput } from './types.js';
