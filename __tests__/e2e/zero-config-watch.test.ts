/**
 * The runbook after an infrastructure-only fix (no redeploy), zero-config: `run --cluster --service
 * --watch` goes green once the log check's window (since the deployment, at most `logWindow`) no
 * longer holds the errors from before the fix, and a real error after the fix still fails it.
 * The built CLI against the local sandbox; `--var logWindow=20s` stands in for the default 5m.
 */
import { beforeAll, expect, it } from '@jest/globals';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import type { CheckReport, RunReport } from '../../runner/result.js';
import { INCIDENT } from '../../scripts/sandbox/incident.js';
import { startLogShipper } from '../../scripts/sandbox/log-shipper.js';
import type { Sandbox } from '../../scripts/sandbox/index.js';
import { runCliReport, type CliResult } from '../support/cli.js';
import { useSandbox } from '../support/sandbox.js';
import { requireTool } from '../support/tools.js';

const LOG_WINDOW_S = 20;
const LOG_CHECK = 'no errors since the deployment';
const describeSandbox = requireTool(['moto', 'redis-server'], 'the zero-config --watch end-to-end test');

function watch(sandbox: Sandbox, timeout: string): Promise<CliResult & { report: RunReport }> {
  const args = ['run', '--cluster', INCIDENT.cluster, '--service', INCIDENT.service, '--url', sandbox.apiUrl, '--var', `logWindow=${LOG_WINDOW_S}s`];
  return runCliReport<RunReport>([...args, '--watch', '--interval', '2s', '--timeout', timeout], { env: { ...sandbox.env, CI: 'true' }, killAfterMs: 170_000 });
}

const logCheck = (report: RunReport): CheckReport => report.checks.find((c) => c.name === LOG_CHECK)!;

describeSandbox('zero-config --watch after an infrastructure-only fix', () => {
  const twin = useSandbox({ logWindowSeconds: LOG_WINDOW_S });
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = twin.sandbox;
  });

  it('broken → fix (no redeploy) → --watch passes once the capped window holds no error from before the fix', async () => {
    const deployed = (await sandbox.aws.ecs.send(new DescribeServicesCommand({ cluster: INCIDENT.cluster, services: [INCIDENT.service] }))).services?.[0]?.deployments?.find(
      (d) => d.status === 'PRIMARY',
    )?.createdAt;
    expect(deployed).toBeInstanceOf(Date);
    await sandbox.setState('missing-sg-rule');
    await sandbox.waitForTarget('unhealthy', 30_000);
    // The health checker's requests keep logging Redis errors until the rule is back.
    await sandbox.setState('healthy');
    const run = await watch(sandbox, '90s');
    expect({ code: run.code, failed: run.report.checks.filter((c) => c.status !== 'passed').map((c) => `${c.name}: ${c.message}`) }).toEqual({ code: 0, failed: [] });
    // The errors from before the fix were seen first (they are since the deployment, and recent) …
    expect(run.stderr).toMatch(/--watch round 1: \d+ not passing: [^\n]*no errors since the deployment/);
    // … and the window that passed is logWindow long, not since the deployment (which holds them).
    const { startTime, endTime } = logCheck(run.report).details as { startTime: string; endTime: string };
    expect(Date.parse(endTime) - Date.parse(startTime)).toBe(LOG_WINDOW_S * 1000);
    expect(Date.parse(startTime)).toBeGreaterThan(deployed!.getTime());
    expect(run.report.durationMs).toBeLessThan(LOG_WINDOW_S * 1000 + 30_000);
  }, 150_000);

  it('a real error after the fix still fails the watch, with the line as evidence', async () => {
    const shipper = await startLogShipper(sandbox.aws.logs, INCIDENT.logGroup, `ecs/${INCIDENT.container}/after-the-fix`);
    shipper.log('ERROR', 'Traceback (most recent call last): KeyError: model_id');
    await shipper.close();
    const run = await watch(sandbox, '8s');
    expect(run.code).toBe(1);
    const check = logCheck(run.report);
    expect(check.status).toBe('failed');
    expect(check.message).toMatch(/^1 event matches .* ERROR: Traceback \(most recent call last\): KeyError: model_id$/);
    expect(run.report.checks.filter((c) => c.status !== 'passed').map((c) => c.name)).toEqual([LOG_CHECK]);
    expect(run.stderr).toMatch(/--watch round \d+: 1 not passing: no errors since the deployment; gave up after [^\n]*: --timeout leaves no time for another round/);
  }, 60_000);
});
