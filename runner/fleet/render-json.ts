/**
 * The fleet's machine report: `{ version: 1, cluster, status, startedAt, durationMs, totals,
 * services: [{ cluster, service, verdict, durationMs, error?, report }] }`, where each `report` is
 * exactly what `run --reporter json` writes for that service (null when nothing ran). A contract
 * like the single-run JSON: fields are added, never renamed or removed.
 */
import { render, type ReporterOptions, type ReporterOutput } from '../reporters/index.js';
import type { FleetReport, FleetServiceResult } from './types.js';

function serviceDocument(result: FleetServiceResult, options: ReporterOptions) {
  return {
    cluster: result.cluster ?? null,
    service: result.service,
    verdict: result.verdict,
    durationMs: result.durationMs,
    ...(result.error !== undefined ? { error: result.error } : {}),
    report: result.report ? (JSON.parse(render('json', result.report, options).text) as unknown) : null,
  };
}

/** The fleet report as one JSON document. */
export function fleetDocument(fleet: FleetReport, options: ReporterOptions) {
  return {
    version: fleet.version,
    cluster: fleet.cluster ?? null,
    status: fleet.status,
    startedAt: fleet.startedAt,
    durationMs: fleet.durationMs,
    totals: fleet.totals,
    services: fleet.services.map((result) => serviceDocument(result, options)),
  };
}

export function renderFleetJson(fleet: FleetReport, options: ReporterOptions): ReporterOutput {
  return { text: `${JSON.stringify(fleetDocument(fleet, options), null, 2)}\n` };
}
