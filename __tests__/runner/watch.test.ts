import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { defineCheck } from '../../checks/types.js';
import { parseScenario } from '../../runner/load.js';
import { watchScenario } from '../../runner/watch.js';

/** A check whose verdict the test flips between rounds: the environment getting fixed. */
function toggles() {
  const state = { healthy: new Set<string>(), runs: new Map<string, number>() };
  const toggle = defineCheck({
    type: 'toggle',
    summary: 'passes once the test marks it healthy',
    schema: z.strictObject({ id: z.string() }),
    describe: (spec) => `toggle ${spec.id}`,
    async run(spec) {
      state.runs.set(spec.id, (state.runs.get(spec.id) ?? 0) + 1);
      return state.healthy.has(spec.id) ? { outcome: 'pass', message: `${spec.id} ok` } : { outcome: 'fail', message: `${spec.id} broken` };
    },
    explains: [{ effect: 'toggle-effect', because: 'the cause is broken' }],
  });
  const effect = defineCheck({ ...toggle, type: 'toggle-effect', explains: undefined });
  const scenario = parseScenario(
    [
      'name: watch',
      'checks:',
      '  - { name: a, type: toggle, id: a }',
      '  - { name: b, type: toggle-effect, id: b }',
      '  - { name: c, type: toggle, id: c, needs: [a] }',
    ].join('\n'),
    { checkTypes: [toggle, effect], env: {}, displayName: 'watch.yaml', dir: process.cwd() },
  );
  return { state, scenario };
}

describe('watchScenario (runbook mode)', () => {
  it('re-runs only what is not passing until everything passes', async () => {
    const { state, scenario } = toggles();
    state.healthy.add('b');
    const rounds: { round: number; failing: string[]; next?: number }[] = [];
    const report = await watchScenario(scenario, {
      intervalMs: 20,
      deadlineMs: 10_000,
      onRound: (round, r, next) => {
        rounds.push({ round, failing: r.checks.filter((c) => c.status !== 'passed').map((c) => c.name), next });
        if (round === 2) state.healthy.add('a').add('c');
      },
    });
    expect(report.status).toBe('passed');
    expect(report.summary).toEqual({ passed: 3, failed: 0, errored: 0, skipped: 0 });
    expect(report.rootCause).toBeUndefined();
    // Round 1: a fails, c is skipped for it; round 2 re-runs a and c only; round 3 passes.
    expect(rounds).toEqual([
      { round: 1, failing: ['a', 'c'], next: 20 },
      { round: 2, failing: ['a', 'c'], next: 20 },
      { round: 3, failing: [], next: undefined },
    ]);
    expect(state.runs.get('b')).toBe(1);
    expect(state.runs.get('a')).toBe(3);
  });

  it('gives up at the deadline with the last merged report and its root cause', async () => {
    const { state, scenario } = toggles();
    const started = Date.now();
    const report = await watchScenario(scenario, { intervalMs: 200, deadlineMs: 1_500 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.status).toBe('failed');
    expect(report.rootCause?.check).toBe('a');
    // b failed and a explains it; c needs a and never ran.
    expect(report.rootCause?.consequences).toEqual(['b']);
    expect(report.rootCause?.skipped).toEqual(['c']);
    expect(state.runs.get('a')!).toBeGreaterThan(1);
  });

  it('stops promptly when interrupted while waiting between rounds', async () => {
    const { scenario } = toggles();
    const controller = new AbortController();
    const started = Date.now();
    const report = await watchScenario(scenario, {
      intervalMs: 60_000,
      deadlineMs: 120_000,
      signal: controller.signal,
      onRound: (round) => {
        if (round === 1) setTimeout(() => controller.abort('SIGINT'), 50);
      },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.interrupted).toBe('SIGINT');
    expect(report.status).toBe('failed');
  });
});
