/**
 * The one place a run's check reports become a RunReport: counts, verdict, root cause and masking.
 * `runScenario` and `--watch` (mergeReports) both end here, so they cannot disagree.
 */
import type { CheckType } from '../checks/types.js';
import { analyzeRootCause } from './root-cause.js';
import type { CheckReport, RunReport } from './result.js';
import type { Scenario } from './scenario.js';

export interface FinalizeInput {
  /** For the name, the file and the masker. */
  scenario: Pick<Scenario, 'name' | 'file' | 'masker'>;
  /** The check types the scenario uses: their cause→effect relations drive the root cause. */
  checkTypes: readonly CheckType[];
  /** ISO 8601 time the run (or the first watch round) started. */
  startedAt: string;
  durationMs: number;
  /** One report per check, in file order. */
  checks: CheckReport[];
  /** Set when a signal or the run deadline cut the run short. */
  interrupted?: RunReport['interrupted'];
}

export function summarize(checks: readonly CheckReport[]): RunReport['summary'] {
  const count = (status: CheckReport['status']) => checks.filter((c) => c.status === status).length;
  return { passed: count('passed'), failed: count('failed'), errored: count('error'), skipped: count('skipped') };
}

/**
 * Counts, verdict (passed only when nothing failed or errored and the run was not cut short) and
 * root cause, then every string masked with the scenario's secrets. Pure apart from the masker.
 */
export function finalizeReport(input: FinalizeInput): RunReport {
  const summary = summarize(input.checks);
  const report: RunReport = {
    version: 1,
    scenario: input.scenario.name,
    file: input.scenario.file,
    status: summary.failed === 0 && summary.errored === 0 && !input.interrupted ? 'passed' : 'failed',
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    summary,
    checks: input.checks,
    ...(input.interrupted ? { interrupted: input.interrupted } : {}),
  };
  const rootCause = analyzeRootCause(report, input.checkTypes);
  if (rootCause) report.rootCause = rootCause;
  return input.scenario.masker.maskDeep(report);
}

/** The distinct check types a scenario uses. */
export function checkTypesOf(scenario: Pick<Scenario, 'checks'>): CheckType[] {
  return [...new Set(scenario.checks.map((c) => c.checkType))];
}
