/** The fleet reporters, one per single-run reporter name: pure functions from a FleetReport to text. */
import type { ReporterName, ReporterOptions, ReporterOutput } from '../reporters/index.js';
import { renderFleetGithub } from './render-github.js';
import { renderFleetJson } from './render-json.js';
import { renderFleetJunit } from './render-junit.js';
import { renderFleetPretty } from './render-pretty.js';
import type { FleetReport } from './types.js';

// A mapped type over ReporterName: a reporter without its fleet form does not compile.
const fleetReporters: { readonly [K in ReporterName]: (fleet: FleetReport, options: ReporterOptions) => ReporterOutput } = {
  pretty: renderFleetPretty,
  json: renderFleetJson,
  junit: renderFleetJunit,
  github: renderFleetGithub,
};

/** The fleet report as reporter `name` writes it (`stepSummary` for github). */
export function renderFleet(name: ReporterName, fleet: FleetReport, options: ReporterOptions): ReporterOutput {
  return fleetReporters[name](fleet, options);
}
