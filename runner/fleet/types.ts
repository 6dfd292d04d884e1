/** A fleet run's result: one verdict (and report) per ECS service, and the totals. */
import type { RunReport } from '../result.js';

/**
 * One service's verdict, read from its report's facts (never from text):
 * `passed` every check passed; `failed` a check failed (or the run was cut short);
 * `errored` no check failed but one errored, or no report at all (discovery or the scenario failed);
 * `inconclusive` nothing failed or errored but a check found no evidence either way.
 */
export type FleetVerdict = 'passed' | 'failed' | 'errored' | 'inconclusive';

export const FLEET_VERDICTS: readonly FleetVerdict[] = ['passed', 'failed', 'errored', 'inconclusive'];

export interface FleetServiceResult {
  cluster?: string;
  service: string;
  verdict: FleetVerdict;
  /** The service's run report (secret-masked); absent when nothing ran (see `error`). */
  report?: RunReport;
  /** Why there is no report: discovery failed, the scenario did not load, the report was unreadable. */
  error?: string;
  /** Wall time of this service: discovery (or loading) plus its run, ms. */
  durationMs: number;
}

/** Service counts per verdict. */
export interface FleetTotals {
  services: number;
  passed: number;
  failed: number;
  errored: number;
  inconclusive: number;
}

export interface FleetReport {
  version: 1;
  /** The cluster every service belongs to; undefined when merged reports name several (or none). */
  cluster?: string;
  /** `passed` only when every service passed (inconclusive ones too when `inconclusive` is `pass`). */
  status: 'passed' | 'failed';
  startedAt: string;
  durationMs: number;
  totals: FleetTotals;
  /** In the order the services were listed (sorted by name for a whole cluster). */
  services: FleetServiceResult[];
}
