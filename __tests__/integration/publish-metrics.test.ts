/**
 * The verdict as CloudWatch metrics against moto: publishVerdictMetrics and `run --publish-metrics`
 * (and the scenario's publishMetrics key) put ScenarioPassed and CheckPassed, read back with
 * ListMetrics and GetMetricData; a publish that fails is a warning and leaves the exit code alone.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { ClientPool } from '../../runner/clients.js';
import { publishVerdictMetrics } from '../../runner/publish-metrics.js';
import type { RunReport } from '../../runner/result.js';
import { killAllCli, runCli } from '../support/cli.js';
import { useClientPool } from '../support/clients.js';
import { useMoto } from '../support/moto.js';
import { freePort } from '../support/ports.js';
import { latestMetricValue } from '../support/metrics.js';
import { requireTool } from '../support/tools.js';

const suite = requireTool('moto', 'publish-metrics integration tests');

suite('publishing the verdict to CloudWatch (moto)', () => {
  useMoto({ resetBetweenTests: true });
  let cloudwatch: CloudWatchClient;
  let tmp: string;

  beforeAll(() => {
    cloudwatch = new CloudWatchClient({});
    tmp = mkdtempSync(path.join(tmpdir(), 'vd-publish-'));
  });
  afterAll(() => {
    cloudwatch?.destroy();
    killAllCli();
    rmSync(tmp, { recursive: true, force: true });
  });
  const aws = useClientPool();

  /** The metrics of `namespace`: "name Scenario=…[ Check=…]" lines, sorted. */
  async function listed(namespace: string): Promise<string[]> {
    const out = await cloudwatch.send(new ListMetricsCommand({ Namespace: namespace }));
    return (out.Metrics ?? []).map((m) => [m.MetricName, ...(m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).sort()].join(' ')).sort();
  }

  const value = (namespace: string, name: string, dimensions: Record<string, string>) => latestMetricValue(cloudwatch, namespace, name, dimensions);

  const report = (status: 'passed' | 'failed', checks: [string, string][]): RunReport =>
    ({ scenario: 'hokusai', status, checks: checks.map(([name, s]) => ({ name, status: s })) }) as unknown as RunReport;

  it('puts ScenarioPassed and CheckPassed for each check that ran (skipped ones put nothing)', async () => {
    const outcome = await publishVerdictMetrics(report('failed', [['api-health', 'passed'], ['no-errors', 'failed'], ['after', 'skipped']]), { namespace: 'Deploy/Test', clients: aws.pool });
    expect(outcome).toEqual({ ok: true, datapoints: 3 });
    expect(await listed('Deploy/Test')).toEqual(['CheckPassed Check=api-health Scenario=hokusai', 'CheckPassed Check=no-errors Scenario=hokusai', 'ScenarioPassed Scenario=hokusai']);
    expect(await value('Deploy/Test', 'ScenarioPassed', { Scenario: 'hokusai' })).toBe(0);
    expect(await value('Deploy/Test', 'CheckPassed', { Scenario: 'hokusai', Check: 'api-health' })).toBe(1);
    expect(await value('Deploy/Test', 'CheckPassed', { Scenario: 'hokusai', Check: 'no-errors' })).toBe(0);
  });

  it('says why when CloudWatch cannot be reached, never throws', async () => {
    const closed = await freePort();
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${closed}`;
    try {
      const offline = new ClientPool({ region: 'us-east-1' });
      const outcome = await publishVerdictMetrics(report('passed', []), { namespace: 'Deploy/Test', clients: offline });
      await offline.destroy();
      expect(outcome.ok).toBe(false);
      expect(outcome.ok ? '' : outcome.reason).toMatch(/cloudwatch:PutMetricData/);
    } finally {
      process.env.AWS_ENDPOINT_URL = saved;
    }
  });

  function scenario(extra = ''): string {
    const file = path.join(tmp, `s-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      [
        'name: hokusai-api',
        extra,
        'defaults: { retry: { attempts: 1 } }',
        'checks:',
        '  - { name: passes, type: exec, command: [sh, -c, "exit 0"] }',
        '  - { name: fails, type: exec, command: [sh, -c, "exit 3"] }',
        '',
      ].join('\n'),
    );
    return file;
  }

  it('run --publish-metrics puts the failed verdict and exits 1 as without it', async () => {
    const result = await runCli(['run', scenario(), '--publish-metrics', 'Deploy/Cli', '--no-color']);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('warning');
    expect(await value('Deploy/Cli', 'ScenarioPassed', { Scenario: 'hokusai-api' })).toBe(0);
    expect(await value('Deploy/Cli', 'CheckPassed', { Scenario: 'hokusai-api', Check: 'passes' })).toBe(1);
    expect(await value('Deploy/Cli', 'CheckPassed', { Scenario: 'hokusai-api', Check: 'fails' })).toBe(0);
  }, 60_000);

  it("the scenario's publishMetrics key publishes too; --publish-metrics overrides its namespace", async () => {
    const file = scenario('publishMetrics: { namespace: Deploy/FromScenario }');
    expect((await runCli(['run', file, '--only', 'passes'])).code).toBe(0);
    expect(await value('Deploy/FromScenario', 'ScenarioPassed', { Scenario: 'hokusai-api' })).toBe(1);
    expect(await listed('Deploy/FromScenario')).toEqual(['CheckPassed Check=passes Scenario=hokusai-api', 'ScenarioPassed Scenario=hokusai-api']);
    await runCli(['run', file, '--only', 'passes', '--publish-metrics', 'Deploy/Flag']);
    expect(await value('Deploy/Flag', 'ScenarioPassed', { Scenario: 'hokusai-api' })).toBe(1);
  }, 60_000);

  it('a publish that fails is a warning on stderr; the exit code stays the verdict', async () => {
    const closed = await freePort();
    const result = await runCli(['run', scenario(), '--only', 'passes', '--publish-metrics', 'Deploy/Cli'], { env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${closed}`, AWS_MAX_ATTEMPTS: '1' } });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: the verdict was not published to CloudWatch namespace Deploy\/Cli: .*cloudwatch:PutMetricData.*\(the exit code is unchanged\)/);
  }, 60_000);

  it.each([['AWS/ECS'], [':ab'], ['']])('refuses --publish-metrics %j as a usage error (exit 2)', async (namespace) => {
    const result = await runCli(['run', scenario(), '--publish-metrics', namespace]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--publish-metrics expects a CloudWatch namespace');
  }, 30_000);
});
