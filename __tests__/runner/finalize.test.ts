import { describe, expect, it } from '@jest/globals';
import { checkTypes } from '../../checks/index.js';
import { finalizeReport } from '../../runner/finalize.js';
import { Masker } from '../../runner/mask.js';
import type { CheckReport, RunReport } from '../../runner/result.js';
import { mergeReports } from '../../runner/watch.js';
import { scenarioFrom } from '../support/fake-checks.js';

function check(name: string, status: CheckReport['status'], extra: Partial<CheckReport> = {}): CheckReport {
  return { name, type: 'http', status, attempts: 1, durationMs: 5, message: `${name} ${status}`, observations: [], details: {}, flaky: false, description: name, ...extra };
}

function finalize(checks: CheckReport[], interrupted?: RunReport['interrupted'], masker = new Masker()): RunReport {
  return finalizeReport({ scenario: { name: 's', file: 's.yaml', masker }, checkTypes, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 10, checks, interrupted });
}

describe('finalizeReport', () => {
  it.each<[string, CheckReport['status'][], RunReport['interrupted'], RunReport['status']]>([
    ['all passed', ['passed', 'passed'], undefined, 'passed'],
    ['passed and skipped', ['passed', 'skipped'], undefined, 'passed'],
    ['one failed', ['passed', 'failed'], undefined, 'failed'],
    ['one errored', ['passed', 'error'], undefined, 'failed'],
    ['interrupted with no failure', ['passed', 'skipped'], 'SIGINT', 'failed'],
    ['cut by the deadline', ['passed', 'skipped'], 'timeout', 'failed'],
  ])('%s → %s', (_label, statuses, interrupted, status) => {
    const report = finalize(statuses.map((s, i) => check(`c${i}`, s)), interrupted);
    expect(report.status).toBe(status);
    expect(report.summary).toEqual({
      passed: statuses.filter((s) => s === 'passed').length,
      failed: statuses.filter((s) => s === 'failed').length,
      errored: statuses.filter((s) => s === 'error').length,
      skipped: statuses.filter((s) => s === 'skipped').length,
    });
    expect(report.interrupted).toBe(interrupted);
  });

  it('names the root cause from failed checks only and masks every string, the root cause included', () => {
    const masker = new Masker();
    masker.add('hunter2-secret');
    const report = finalize([check('a', 'failed', { message: 'token hunter2-secret refused' }), check('b', 'error')], undefined, masker);
    expect(report.rootCause).toMatchObject({ check: 'a', reason: 'token *** refused', independent: false });
    expect(JSON.stringify(report)).not.toContain('hunter2-secret');
  });
});

describe('mergeReports (--watch) finalizes like a run', () => {
  it('recounts, re-judges and re-analyses the merged checks with the same rules', () => {
    const scenario = scenarioFrom('name: s\nchecks:\n  - { name: a, type: fake, outcomes: [fail] }\n  - { name: b, type: fake, outcomes: [fail] }\n');
    const first = finalize([check('a', 'failed'), check('b', 'error')]);
    const next = finalize([check('a', 'passed'), check('b', 'error')]);
    const merged = mergeReports(first, next, new Set(['a']), scenario);
    expect(merged.summary).toEqual({ passed: 1, failed: 0, errored: 1, skipped: 0 });
    expect(merged.status).toBe('failed');
    // b errored: not evidence, so no root cause once a passes.
    expect(merged.rootCause).toBeUndefined();
    expect(merged.durationMs).toBe(first.durationMs + next.durationMs);
    expect(merged.startedAt).toBe(first.startedAt);
  });
});
