/**
 * The run's explanation registry: the checks that failed definitively so far, and whether one of
 * them explains a running check's latest attempt. A running check consults it before each retry
 * wait, is woken during a wait when a new definitive cause appears, and has an attempt still
 * waiting for its answer past IN_FLIGHT_GRACE_MS cut (runWithRetry), so a symptom that cannot heal
 * while its cause stands stops at once instead of spending its budget.
 *
 * The relation evaluation is root-cause.ts's own (`explainingRelation`): what cuts a retry short
 * here is what the analysis of the finished report will call a consequence. The converse does not
 * hold: only a failure about the present state (CheckType.evidence `'state'`, the default) cuts.
 * A failure on past evidence (`'window'`: log events, metric datapoints, an alarm's last
 * evaluation) may describe a state already fixed, so the checks it explains keep their budgets;
 * the analysis may still name it a cause.
 */
import type { AttemptResult, CauseRelation, CheckType, FailureView } from '../checks/types.js';
import type { CheckReport } from './result.js';
import { isRetryable } from './retry.js';
import { explainingRelation, failureView, isDefinitive } from './root-cause.js';

interface Cause {
  view: FailureView;
  relations: readonly CauseRelation[];
}

/** What a relation's `when` sees of a running check: its latest attempt. */
export function attemptView(check: { name: string; type: string }, result: AttemptResult): FailureView {
  return { name: check.name, type: check.type, message: result.message, facts: result.facts ?? {}, definitive: result.outcome === 'fail' };
}

/**
 * Whether a definitive failure of this check type may stop the retries of the checks it explains:
 * only when it describes the present state (`evidence` `'state'`, the default), never past evidence.
 */
export function cutsRetries(checkType: Pick<CheckType, 'evidence'>): boolean {
  return (checkType.evidence ?? 'state') === 'state';
}

export class ExplanationRegistry {
  private readonly causes: Cause[] = [];
  private readonly listeners = new Set<() => void>();

  /**
   * Records a finished check of `checkType`. A definitive failure (`failed` on a `fail` attempt, not
   * on a spent budget) about the present state (`evidence` `'state'` or unset) becomes a cause, and
   * every subscriber is told. Other reports, and failures on past evidence (`'window'`), are ignored.
   */
  add(report: CheckReport, checkType: Pick<CheckType, 'explains' | 'evidence'>): void {
    if (report.status !== 'failed' || !isDefinitive(report) || !cutsRetries(checkType)) return;
    this.causes.push({ view: failureView(report), relations: checkType.explains ?? [] });
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * The name of the definitive cause that explains `check`'s latest attempt, or undefined. Only a
   * failing or not-ready attempt (`retry`, `fail`, a retryable error) can be explained. Of several
   * causes, the most upstream one is named: the one no other explaining cause explains (the missing
   * rule, not the log errors it causes); with none such, the first to have failed.
   */
  explainedBy(check: { name: string; type: string }, result: AttemptResult): string | undefined {
    if (result.outcome !== 'fail' && !isRetryable(result)) return undefined;
    const effect = attemptView(check, result);
    const explaining = this.causes.filter((cause) => explainingRelation(cause.view, effect, cause.relations));
    const upstream = explaining.find((cause) => !explaining.some((other) => other !== cause && explainingRelation(other.view, cause.view, other.relations)));
    return (upstream ?? explaining[0])?.view.name;
  }

  /** Calls `listener` each time a new definitive cause is recorded; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
