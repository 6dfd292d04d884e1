/**
 * Fleets: many services of a cluster verified in one process (runFleet, through SharedClients),
 * or merged from reports written elsewhere (mergeReports), reported per service with totals.
 *
 * Modules: list.ts (ListServices), select.ts (prefix/exclude, chunks), shared-clients.ts (one
 * Describe call per resource at a time), run-fleet.ts, summarize.ts, verdict.ts, render*.ts.
 */
export { listClusterServices, FleetError, type ListServicesOptions } from './list.js';
export { selectServices, unknownExclusions, chunk, serviceNameOf, type ServiceSelection } from './select.js';
export { SharedClients, operationName, DESCRIBE_SERVICES_BATCH, DEFAULT_MAX_AGE_MS, type SharedClientsOptions, type SharingStats } from './shared-clients.js';
export { runFleet, DEFAULT_FLEET_CONCURRENCY, type FleetRunOptions } from './run-fleet.js';
export { mergeReports, runReportFromJson, expectedServices, type ReportInput, type ExpectedService, type MergeOptions } from './summarize.js';
export { verdictOf, totalsOf, isPassing, fleetReport, type InconclusivePolicy } from './verdict.js';
export { renderFleet } from './render.js';
export { fleetDocument } from './render-json.js';
export { fleetVerdictLine } from './wording.js';
export { FLEET_VERDICTS, type FleetReport, type FleetServiceResult, type FleetTotals, type FleetVerdict } from './types.js';
