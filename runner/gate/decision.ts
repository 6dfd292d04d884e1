/** From a run report to what a gate tells the paused rollout: CONTINUE on a pass, ROLLBACK on anything else. */
import type { HookAction } from '../../checks/support/service-deployments.js';
import { verdictOf, type Verdict } from '../lambda/outcome.js';
import type { RunReport } from '../result.js';

export interface GateDecision {
  action: HookAction;
  /** The run's verdict, as the Lambda hook and the fleet outputs name it. */
  verdict: Verdict;
  /** One line: why (the root cause, else the first check that did not pass). Masked as the report is. */
  reason: string;
}

function whyNot(report: RunReport): string {
  if (report.interrupted === 'timeout') return `the run's --timeout expired before every check passed`;
  if (report.rootCause) return `${report.rootCause.check}: ${report.rootCause.reason}`;
  const first = report.checks.find((c) => c.status === 'failed' || c.status === 'error') ?? report.checks.find((c) => c.status !== 'passed');
  if (first) return `${first.name} ${first.status}: ${first.skipReason ?? first.message}`;
  return report.checks.length === 0 ? 'the scenario has no checks' : 'not every check passed';
}

/**
 * The gate's decision: `CONTINUE` only when the run passed (every selected check passed); `ROLLBACK`
 * when anything failed, errored, was inconclusive or did not run (the same rule as the Lambda hook:
 * `verdictOf`). Pure. Interrupted runs (SIGINT/SIGTERM) are the caller's to handle: it should not act.
 */
export function gateDecision(report: RunReport): GateDecision {
  const verdict = verdictOf(report);
  if (verdict === 'passed') {
    const { passed } = report.summary;
    return { action: 'CONTINUE', verdict, reason: `${passed} check${passed === 1 ? '' : 's'} passed` };
  }
  return { action: 'ROLLBACK', verdict, reason: whyNot(report) };
}
