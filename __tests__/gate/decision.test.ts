/** The gate's decision: CONTINUE only on a pass; every other verdict rolls back, with a reason from the report. */
import { describe, expect, it } from '@jest/globals';
import { gateDecision } from '../../runner/gate/decision.js';
import type { CheckReport, RunReport } from '../../runner/result.js';
import { sampleReports } from '../support/sample-reports.js';

function withChecks(base: RunReport, statuses: CheckReport['status'][], extra: Partial<RunReport> = {}): RunReport {
  const checks = statuses.map((status, i) => ({ ...base.checks[0]!, name: `check ${i}`, status, message: `check ${i} ${status}` }));
  const count = (s: string) => checks.filter((c) => c.status === s).length;
  const failed = count('failed') + count('error') > 0;
  return { ...base, checks, rootCause: undefined, summary: { passed: count('passed'), failed: count('failed'), errored: count('error'), skipped: count('skipped') }, status: failed ? 'failed' : 'passed', ...extra };
}

describe('gateDecision', () => {
  it('CONTINUE when every check passed', () => {
    expect(gateDecision(sampleReports.allPassed)).toEqual({ action: 'CONTINUE', verdict: 'passed', reason: `${sampleReports.allPassed.summary.passed} checks passed` });
  });

  it.each([
    ['a failed check', ['passed', 'failed'], {}, 'failed', /^check 1 failed: check 1 failed$/],
    ['an errored check (AccessDenied: no evidence is not a pass)', ['passed', 'error'], {}, 'errored', /^check 1 error: check 1 error$/],
    ['an inconclusive run', ['passed'], { status: 'inconclusive', summary: { passed: 1, failed: 0, errored: 0, skipped: 0, inconclusive: 1 } }, 'inconclusive', /./],
    ['a run whose --timeout expired', ['passed', 'skipped'], { interrupted: 'timeout', status: 'failed' }, 'failed', /--timeout expired/],
  ] as const)('ROLLBACK on %s', (_what, statuses, extra, verdict, reason) => {
    const decision = gateDecision(withChecks(sampleReports.allPassed, [...statuses], extra as Partial<RunReport>));
    expect(decision.action).toBe('ROLLBACK');
    expect(decision.verdict).toBe(verdict);
    expect(decision.reason).toMatch(reason);
  });

  it('names the root cause when the report has one', () => {
    const report = sampleReports.withRootCause;
    const decision = gateDecision(report);
    expect(decision).toMatchObject({ action: 'ROLLBACK', verdict: 'failed' });
    expect(decision.reason).toBe(`${report.rootCause!.check}: ${report.rootCause!.reason}`);
  });

  it('a status this code does not know never continues', () => {
    const report = { ...sampleReports.allPassed, status: 'something-new' } as unknown as RunReport;
    expect(gateDecision(report).action).toBe('ROLLBACK');
  });
});
