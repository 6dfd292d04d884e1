/** The library API: load a scenario, run it, render the report. The CLI uses only this module. */
export { loadScenario, parseScenario, BUILTIN_DEFAULTS } from './load.js';
export { runScenario, RunTimeout, type RunOptions, type RunStop } from './run.js';
export { finalizeReport, withInconclusivePolicy, type FinalizeInput, type InconclusivePolicy } from './finalize.js';
export { watchScenario, mergeReports, type WatchOptions } from './watch.js';
export { render, reporterNames, isReporterName, isMachineReporter, shouldUseColor, type ReporterName, type ReporterOptions, type ReporterOutput } from './reporters/index.js';
export { ScenarioError, formatProblem, didYouMean, type Problem } from './problems.js';
export { scenarioJsonSchema } from './schema.js';
export { parseDuration, formatDuration, MAX_DURATION_MS } from './duration.js';
export { Masker } from './mask.js';
// Text helpers of the pretty reporter, shared with the CLI's live progress display.
export { createPaint, oneLine, truncate, type Paint } from './reporters/text.js';
export { neutralize } from '../checks/support/untrusted.js';
export { STATUS_LOOK } from './reporters/wording.js';
export type { Scenario, PlannedCheck } from './scenario.js';
export type { RunReport, CheckReport, CheckStatus, RootCause, CauseReport, SkipInfo } from './result.js';
export type { RunEvent, RunEventListener } from './events.js';
export { checkTypes, findCheckType } from '../checks/index.js';
export type { CheckType, AttemptOutcome, AttemptResult, CheckContext, Observation } from '../checks/types.js';
export { discover, scenarioText, plannedChain, discoveryLines, DiscoveryError, DEFAULT_ERROR_PATTERN, type DiscoverOptions } from './discovery/index.js';
export type { Discovered, DiscoveryInput, Budget, Chain, ChainCheck } from './discovery/index.js';
export { parseDeploymentEvent, parseEcsArn, isRollbackInvocation, LIFECYCLE_STAGES, type DeploymentEvent, type LifecycleStage } from './deployment-event.js';
export {
  callContext,
  findPausedHook,
  waitForPausedHook,
  HookLookupError,
  gateDecision,
  resolveEventRun,
  EventResolutionError,
  continueServiceDeployment,
  HOOK_STAGES,
  rolloutVars,
  describeServiceRevisionResolver,
  type PausedHook,
  type HookQuery,
  type WaitResult,
  type GateDecision,
  type EventRun,
  type HookAction,
  type RolloutTarget,
  type RevisionResolver,
} from './gate/index.js';
export type { RolloutContext } from './discovery/chain.js';
export { ClientPool } from './clients.js';
export { runFleet, listClusterServices, selectServices, mergeReports as mergeFleetReports, renderFleet, SharedClients, FleetError, type FleetReport, type FleetServiceResult, type FleetVerdict, type FleetRunOptions } from './fleet/index.js';
/** The fleet API as one namespace (the CLI's whole-cluster commands use it): `fleet.runFleet`, `fleet.renderFleet`, … */
export * as fleet from './fleet/index.js';
