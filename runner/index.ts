/** The library API: load a scenario, run it, render the report. */
export { loadScenario, parseScenario, BUILTIN_DEFAULTS } from './load.js';
export { runScenario, RunTimeout, type RunOptions } from './run.js';
export { ScenarioError, formatProblem, type Problem } from './problems.js';
export { scenarioJsonSchema } from './schema.js';
export { parseDuration, formatDuration } from './duration.js';
export { Masker } from './mask.js';
export type { Scenario, PlannedCheck } from './scenario.js';
export type { RunReport, CheckReport, CheckStatus, RootCause } from './result.js';
export type { RunEvent, RunEventListener } from './events.js';
export { checkTypes, findCheckType } from '../checks/index.js';
export type { CheckType, AttemptResult, CheckContext, Observation } from '../checks/types.js';
export { discover, scenarioText, plannedChain, DiscoveryError, DEFAULT_ERROR_PATTERN, type DiscoverOptions } from './discovery/index.js';
export type { Discovered, DiscoveryInput, Budget, Chain, ChainCheck } from './discovery/index.js';
