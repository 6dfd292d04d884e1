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
  /** What inconclusive checks make of the run (default `fail`). */
  inconclusive?: InconclusivePolicy;
}

/**
 * What inconclusive checks (no evidence) make of a run in which nothing failed or errored:
 * `fail` (the default: a gate does not open on no evidence) or `pass` (`--inconclusive pass`).
 */
export type InconclusivePolicy = 'pass' | 'fail';

/** Counts per status; `inconclusive` only when there is one (see RunReport['summary']). */
export function summarize(checks: readonly CheckReport[]): RunReport['summary'] {
  const count = (status: CheckReport['status']) => checks.filter((c) => c.status === status).length;
  const inconclusive = count('inconclusive');
  return { passed: count('passed'), failed: count('failed'), errored: count('error'), skipped: count('skipped'), ...(inconclusive ? { inconclusive } : {}) };
}

/**
 * The run's verdict: passed only when nothing failed or errored, the run was not cut short, and
 * no check was inconclusive unless the policy is `pass`.
 */
export function runStatus(summary: RunReport['summary'], interrupted: RunReport['interrupted'], policy: InconclusivePolicy = 'fail'): RunReport['status'] {
  const inconclusiveBlocks = policy === 'fail' && (summary.inconclusive ?? 0) > 0;
  return summary.failed === 0 && summary.errored === 0 && !interrupted && !inconclusiveBlocks ? 'passed' : 'failed';
}

/**
 * The report with its verdict decided again under `policy` (the CLI's `--inconclusive pass`):
 * only `status` can change; counts, checks and root cause stay as they are.
 */
export function withInconclusivePolicy(report: RunReport, policy: InconclusivePolicy): RunReport {
  const status = runStatus(report.summary, report.interrupted, policy);
  return status === report.status ? report : { ...report, status };
}

/**
 * Counts, verdict (see runStatus) and root cause, then every string masked with the scenario's
 * secrets. Pure apart from the masker.
 */
export function finalizeReport(input: FinalizeInput): RunReport {
  const summary = summarize(input.checks);
  const report: RunReport = {
    version: 1,
    scenario: input.scenario.name,
    file: input.scenario.file,
    status: runStatus(summary, input.interrupted, input.inconclusive),
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
