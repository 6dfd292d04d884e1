/** Verdicts and totals from reports' fields (status, summary counts), never from their text. */
import type { RunReport } from '../result.js';
import type { FleetReport, FleetServiceResult, FleetTotals, FleetVerdict } from './types.js';

/**
 * A run's verdict from its status and summary counts. Statuses and counts this version does not
 * know (a newer `inconclusive`, say) never map to `passed`.
 */
export function verdictOf(report: Pick<RunReport, 'status' | 'summary'>): FleetVerdict {
  const status: string = report.status;
  const summary = report.summary as unknown as Record<string, number | undefined>;
  const count = (key: string) => (typeof summary[key] === 'number' ? summary[key]! : 0);
  if (status === 'passed' && count('inconclusive') === 0) return 'passed';
  if (count('failed') > 0) return 'failed';
  if (count('errored') > 0) return 'errored';
  if (status === 'inconclusive' || count('inconclusive') > 0) return 'inconclusive';
  return 'failed';
}

export function totalsOf(results: readonly FleetServiceResult[]): FleetTotals {
  const totals: FleetTotals = { services: results.length, passed: 0, failed: 0, errored: 0, inconclusive: 0 };
  for (const result of results) totals[result.verdict] += 1;
  return totals;
}

/** How a fleet treats inconclusive services: as failures (the default: no evidence opens no gate) or as passes. */
export type InconclusivePolicy = 'fail' | 'pass';

/** Whether a service's verdict lets the fleet pass. */
export function isPassing(verdict: FleetVerdict, inconclusive: InconclusivePolicy = 'fail'): boolean {
  return verdict === 'passed' || (verdict === 'inconclusive' && inconclusive === 'pass');
}

/** The fleet report around `results`: status `passed` only when every service passes. */
export function fleetReport(
  results: FleetServiceResult[],
  options: { cluster?: string; startedAt: Date; durationMs: number; inconclusive?: InconclusivePolicy },
): FleetReport {
  const passing = results.length > 0 && results.every((r) => isPassing(r.verdict, options.inconclusive));
  return {
    version: 1,
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    status: passing ? 'passed' : 'failed',
    startedAt: options.startedAt.toISOString(),
    durationMs: Math.round(options.durationMs),
    totals: totalsOf(results),
    services: results,
  };
}
