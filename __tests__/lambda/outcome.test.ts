import { describe, expect, it } from '@jest/globals';
import type { RunReport } from '../../runner/result.js';
import { hookStatusOf, verdictOf, withCarriedOver } from '../../runner/lambda/outcome.js';

function report(status: string, summary: Record<string, number>): RunReport {
  return { version: 1, scenario: 's', file: 'f', status, startedAt: '2025-01-01T00:00:00.000Z', durationMs: 1, summary: { passed: 0, failed: 0, errored: 0, skipped: 0, ...summary }, checks: [] } as unknown as RunReport;
}

describe('verdictOf / hookStatusOf: only passed opens the gate', () => {
  it.each([
    ['passed', {}, 'passed', 'SUCCEEDED'],
    ['failed', { failed: 1 }, 'failed', 'FAILED'],
    ['failed', { errored: 1 }, 'errored', 'FAILED'],
    ['failed', { failed: 1, errored: 1 }, 'failed', 'FAILED'],
    // An inconclusive check (issue #11: no evidence) never passes.
    ['passed', { inconclusive: 1 }, 'inconclusive', 'FAILED'],
    ['inconclusive', { inconclusive: 2 }, 'inconclusive', 'FAILED'],
    ['failed', { inconclusive: 1, failed: 1 }, 'failed', 'FAILED'],
    ['something-new', {}, 'failed', 'FAILED'],
  ])('status %s with %j → %s → %s', (status, summary, verdict, hookStatus) => {
    const v = verdictOf(report(status, summary));
    expect(v).toBe(verdict);
    expect(hookStatusOf(v)).toBe(hookStatus);
  });
});

describe('withCarriedOver', () => {
  it('shows checks passed in earlier invocations as passed and counts again; others untouched', () => {
    const base = report('passed', { passed: 1, skipped: 2 });
    base.checks = [
      { name: 'a', status: 'skipped', skipReason: 'not selected (--only)' },
      { name: 'b', status: 'passed' },
      { name: 'c', status: 'skipped', skipReason: 'needs "x", which failed' },
    ] as never;
    const merged = withCarriedOver(base, ['a']);
    expect(merged.checks.map((c) => [c.name, c.status])).toEqual([['a', 'passed'], ['b', 'passed'], ['c', 'skipped']]);
    expect(merged.summary).toMatchObject({ passed: 2, skipped: 1 });
  });
});
