/** The datapoints a run and a fleet run publish (pure; the PutMetricData calls are tested against moto). */
import { describe, expect, it } from '@jest/globals';
import { fleetVerdictMetrics, verdictMetrics } from '../../runner/publish-metrics.js';
import type { CheckReport, RunReport } from '../../runner/result.js';

const at = new Date('2026-01-01T00:00:00.000Z');
const report = (scenario: string, status: RunReport['status'], checks: [string, CheckReport['status']][]) =>
  ({ scenario, status, checks: checks.map(([name, s]) => ({ name, status: s })) }) as unknown as RunReport;
/** "Name Scenario=…[ Check=…] = value" per datapoint. */
const lines = (data: ReturnType<typeof verdictMetrics>) =>
  data.map((d) => `${d.MetricName} ${(d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(' ')} = ${d.Value}`);

describe('verdictMetrics', () => {
  it('ScenarioPassed, then CheckPassed per check that ran; an inconclusive check is not a pass', () => {
    const data = verdictMetrics(report('api', 'failed', [['up', 'passed'], ['alb', 'inconclusive'], ['later', 'skipped']]), at);
    expect(lines(data)).toEqual(['ScenarioPassed Scenario=api = 0', 'CheckPassed Scenario=api Check=up = 1', 'CheckPassed Scenario=api Check=alb = 0']);
    expect(data.every((d) => d.Timestamp === at && d.Unit === 'Count')).toBe(true);
  });
});

describe('fleetVerdictMetrics', () => {
  it.each<[string, { service: string; report?: RunReport }[], string[]]>([
    [
      'one scenario file for every service: the service names the Scenario dimension',
      [
        { service: 'api-orders', report: report('stable', 'passed', [['stable', 'passed']]) },
        { service: 'api-users', report: report('stable', 'failed', [['stable', 'failed']]) },
      ],
      ['ScenarioPassed Scenario=api-orders = 1', 'CheckPassed Scenario=api-orders Check=stable = 1', 'ScenarioPassed Scenario=api-users = 0', 'CheckPassed Scenario=api-users Check=stable = 0'],
    ],
    ['a service that could not be verified (no report): ScenarioPassed 0, no checks', [{ service: 'web' }], ['ScenarioPassed Scenario=web = 0']],
    ['no services: nothing', [], []],
  ])('%s', (_label, services, expected) => {
    expect(lines(fleetVerdictMetrics(services, at))).toEqual(expected);
  });
});
