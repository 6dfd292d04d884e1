/**
 * The `inconclusive` status end to end through the runner: retried like `retry`, ended per the
 * check's noData policy, counted apart, failing the run unless the policy is `pass`, never
 * evidence for the root cause, re-run by --watch, and FAILED for the Lambda hook.
 */
import { describe, it, expect, beforeEach } from '@jest/globals';
import { stringify } from 'yaml';
import { z } from 'zod';
import { checkTypes } from '../../checks/index.js';
import { defineCheck, type AttemptResult } from '../../checks/types.js';
import { finalizeReport, runStatus, withInconclusivePolicy } from '../../runner/finalize.js';
import { hookStatusOf, verdictOf } from '../../runner/lambda/outcome.js';
import { parseScenario } from '../../runner/load.js';
import { Masker } from '../../runner/mask.js';
import type { CheckReport, RunReport } from '../../runner/result.js';
import { isRetryable } from '../../runner/retry.js';
import { runScenario } from '../../runner/run.js';
import { watchScenario } from '../../runner/watch.js';
import { fakeCalls, resetFakes, scenarioFrom, type FakeOutcome } from '../support/fake-checks.js';

const DEFAULTS = { timeout: '2s', retry: { interval: '10ms', backoff: 1 } };

function fake(name: string, outcomes: FakeOutcome[], more: Record<string, unknown> = {}) {
  return { name, type: 'fake', id: name, outcomes, ...more };
}

async function run(checks: Record<string, unknown>[]) {
  return runScenario(scenarioFrom(stringify({ name: 'no data', defaults: DEFAULTS, checks })), {});
}

const byName = (report: RunReport, name: string) => report.checks.find((c) => c.name === name)!;

beforeEach(() => {
  resetFakes();
});

describe('an inconclusive attempt', () => {
  it('is retried like `retry` while the budget lasts', () => {
    expect(isRetryable({ outcome: 'inconclusive', message: 'no datapoints' })).toBe(true);
  });

  it('ends the check inconclusive when every attempt found no data, saying so', async () => {
    const report = await run([fake('metric', ['inconclusive'], { retry: { attempts: 3 } })]);
    const check = byName(report, 'metric');
    expect(fakeCalls('metric')).toHaveLength(3);
    expect(check).toMatchObject({ status: 'inconclusive', attempts: 3, lastOutcome: 'inconclusive', flaky: false });
    expect(check.message).toBe('inconclusive on attempt 3 (no data after 3 attempts)');
    expect(report.summary).toEqual({ passed: 0, failed: 0, errored: 0, skipped: 0, inconclusive: 1 });
    expect(report.status).toBe('failed');
    expect(report.rootCause).toBeUndefined();
  });

  it('passes when data arrives on a later attempt (not flagged as no data)', async () => {
    const report = await run([fake('metric', ['inconclusive', 'pass'], { retry: { attempts: 3 } })]);
    expect(byName(report, 'metric')).toMatchObject({ status: 'passed', attempts: 2, flaky: true });
    expect(report.summary).toEqual({ passed: 1, failed: 0, errored: 0, skipped: 0 });
  });

  it.each<[string | undefined, CheckReport['status'], RunReport['status'], string]>([
    [undefined, 'inconclusive', 'failed', 'no data after 2 attempts'],
    ['inconclusive', 'inconclusive', 'failed', 'no data after 2 attempts'],
    ['pass', 'passed', 'passed', 'no data after 2 attempts; noData: pass'],
    ['fail', 'failed', 'failed', 'no data after 2 attempts; noData: fail'],
  ])('noData: %s ends the check %s and the run %s', async (noData, status, runStatusWanted, suffix) => {
    const report = await run([fake('metric', ['inconclusive'], { retry: { attempts: 2 }, ...(noData ? { noData } : {}) })]);
    const check = byName(report, 'metric');
    expect(fakeCalls('metric')).toHaveLength(2);
    expect(check.status).toBe(status);
    expect(check.message).toContain(`(${suffix})`);
    // A pass by policy did not need retries to get through: it is not flaky.
    expect(check.flaky).toBe(false);
    expect(report.status).toBe(runStatusWanted);
  });

  it('a check that needs an inconclusive one is skipped, and says why', async () => {
    const report = await run([fake('metric', ['inconclusive']), fake('after', ['pass'], { needs: ['metric'] })]);
    expect(byName(report, 'after')).toMatchObject({ status: 'skipped', skip: { reason: 'needs', because: 'metric' } });
    expect(byName(report, 'after').skipReason).toContain('was inconclusive');
  });

  it('is not evidence: a failure next to it is analysed alone, and the inconclusive check is nobody\'s cause or consequence', async () => {
    const report = await run([fake('metric', ['inconclusive']), fake('broken', ['fail'])]);
    expect(report.rootCause).toMatchObject({ check: 'broken', consequences: [], independent: false });
  });
});

describe('the run verdict with inconclusive checks', () => {
  const summary = (counts: Partial<RunReport['summary']>): RunReport['summary'] => ({ passed: 1, failed: 0, errored: 0, skipped: 0, ...counts });

  it.each<[string, RunReport['status'], RunReport['summary'], RunReport['interrupted'], 'pass' | 'fail']>([
    ['inconclusive, default policy', 'failed', summary({ inconclusive: 1 }), undefined, 'fail'],
    ['inconclusive, --inconclusive pass', 'passed', summary({ inconclusive: 1 }), undefined, 'pass'],
    ['inconclusive and failed, --inconclusive pass', 'failed', summary({ inconclusive: 1, failed: 1 }), undefined, 'pass'],
    ['inconclusive and errored, --inconclusive pass', 'failed', summary({ inconclusive: 1, errored: 1 }), undefined, 'pass'],
    ['inconclusive, interrupted, --inconclusive pass', 'failed', summary({ inconclusive: 1 }), 'SIGINT', 'pass'],
    ['none inconclusive', 'passed', summary({}), undefined, 'fail'],
  ])('%s → %s', (_label, status, counts, interrupted, policy) => {
    expect(runStatus(counts, interrupted, policy)).toBe(status);
  });

  it('withInconclusivePolicy changes only the status', () => {
    const check: CheckReport = { name: 'm', type: 'cloudwatch-metric', status: 'inconclusive', attempts: 1, durationMs: 1, message: 'no datapoints', observations: [], details: {}, flaky: false, description: 'm', lastOutcome: 'inconclusive' };
    const report = finalizeReport({ scenario: { name: 's', file: 's.yaml', masker: new Masker() }, checkTypes, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, checks: [check] });
    expect(report.status).toBe('failed');
    const passed = withInconclusivePolicy(report, 'pass');
    expect(passed).toEqual({ ...report, status: 'passed' });
    expect(withInconclusivePolicy(report, 'fail')).toBe(report);
  });

  it('the Lambda hook answers FAILED for an inconclusive run, even one passed by --inconclusive pass', async () => {
    const report = await run([fake('ok', ['pass']), fake('metric', ['inconclusive'])]);
    expect(verdictOf(report)).toBe('inconclusive');
    expect(hookStatusOf(verdictOf(report))).toBe('FAILED');
    expect(hookStatusOf(verdictOf(withInconclusivePolicy(report, 'pass')))).toBe('FAILED');
  });
});

describe('--watch with inconclusive checks', () => {
  /** A check that finds no data until the test publishes it. */
  function publishing() {
    const state = { published: false, runs: 0 };
    const metric = defineCheck({
      type: 'metric-like',
      summary: 'inconclusive until published',
      schema: z.strictObject({}),
      describe: () => 'metric-like',
      async run(): Promise<AttemptResult> {
        state.runs += 1;
        return state.published ? { outcome: 'pass', message: 'datapoints in bounds' } : { outcome: 'inconclusive', message: 'no datapoints over 5m' };
      },
    });
    const scenario = parseScenario('name: watch\nchecks:\n  - { name: m, type: metric-like }\n', { checkTypes: [metric], env: {}, displayName: 'w.yaml', dir: process.cwd() });
    return { state, scenario };
  }

  it('re-runs an inconclusive check until its data arrives', async () => {
    const { state, scenario } = publishing();
    const report = await watchScenario(scenario, {
      intervalMs: 20,
      deadlineMs: 10_000,
      onRound: (round) => {
        if (round === 2) state.published = true;
      },
    });
    expect(report.status).toBe('passed');
    expect(state.runs).toBe(3);
  });

  it('with inconclusive: pass, stops at once and passes the run', async () => {
    const { state, scenario } = publishing();
    const report = await watchScenario(scenario, { intervalMs: 20, deadlineMs: 10_000, inconclusive: 'pass' });
    expect(state.runs).toBe(1);
    expect(report.summary.inconclusive).toBe(1);
    expect(report.status).toBe('passed');
  });
});
