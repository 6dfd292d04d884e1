/** From a run report to a verdict, a hook status, and a log-sized report. */
import type { RunReport } from '../result.js';

/**
 * The verdict of a run, as the fleet and action outputs name it. Only `passed` opens a gate:
 * `failed`, `errored`, `inconclusive` (no evidence: no datapoints, an alarm in INSUFFICIENT_DATA) all answer FAILED.
 * `ignored`: the event asked for no run (an in-progress deployment event).
 */
export type Verdict = 'passed' | 'failed' | 'errored' | 'inconclusive' | 'ignored';

/** The one verdict rule (runner/fleet/verdict.ts): a failed count wins, then errored, then inconclusive. */
export { verdictOf } from '../fleet/verdict.js';

export function hookStatusOf(verdict: Verdict): 'SUCCEEDED' | 'FAILED' {
  return verdict === 'passed' ? 'SUCCEEDED' : 'FAILED';
}

/** Whether some check already ended in a verdict no later invocation can change. */
export function hasDefinitiveFailure(report: RunReport): boolean {
  return report.checks.some((c) => {
    const status: string = c.status;
    return status !== 'passed' && status !== 'skipped';
  });
}

/**
 * The report with the checks that passed in earlier invocations (and were not run again, so they
 * are "not selected" here) shown as passed, and the summary counted again.
 */
export function withCarriedOver(report: RunReport, passedBefore: readonly string[]): RunReport {
  if (passedBefore.length === 0) return report;
  const carried = new Set(passedBefore);
  const checks = report.checks.map((c) =>
    c.status === 'skipped' && carried.has(c.name) ? { ...c, status: 'passed' as const, message: 'passed in an earlier invocation of this hook', skipReason: undefined } : c,
  );
  const count = (status: string) => checks.filter((c) => c.status === status).length;
  return { ...report, checks, summary: { ...report.summary, passed: count('passed'), skipped: count('skipped') } };
}

/** CloudWatch Logs takes events up to 256 KB: above this, the log line drops per-check evidence. */
export const MAX_LOG_REPORT_CHARS = 200_000;

/** The report as the log line carries it: whole when it fits, else without observations and details. */
export function reportForLog(report: RunReport): RunReport | (RunReport & { truncated: string }) {
  if (JSON.stringify(report).length <= MAX_LOG_REPORT_CHARS) return report;
  const checks = report.checks.map((c) => ({ ...c, observations: [], details: {}, message: c.message.slice(0, 2000) }));
  return { ...report, checks, truncated: 'observations and details left out: the report exceeded the log line limit' };
}
