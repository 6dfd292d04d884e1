/** The library API: load a scenario, run it, render the report. */
export { loadScenario, parseScenario, BUILTIN_DEFAULTS } from './load.js';
export { runScenario, RunTimeout, type RunOptions, type RunStop } from './run.js';
export { finalizeReport, type FinalizeInput } from './finalize.js';
export { watchScenario, mergeReports, type WatchOptions } from './watch.js';
export { render, reporterNames, isReporterName, isMachineReporter, shouldUseColor, type ReporterName, type ReporterOptions, type ReporterOutput } from './reporters/index.js';
export { ScenarioError, formatProblem, type Problem } from './problems.js';
export { scenarioJsonSchema } from './schema.js';
export { parseDuration, formatDuration } from './duration.js';
export { Masker } from './mask.js';
export type { Scenario, PlannedCheck } from './scenario.js';
export type { RunReport, CheckReport, CheckStatus, RootCause, CauseReport, SkipInfo } from './result.js';
export type { RunEvent, RunEventListener } from './events.js';
export { checkTypes, findCheckType } from '../checks/index.js';
export type { CheckType, AttemptResult, CheckContext, Observation } from '../checks/types.js';
