/**
 * The incident, end to end: the shipped scenario run by the built CLI against the local sandbox
 * (real moto, redis-server, model API, ALB stand-in) in each of the incident's states, switched
 * without restarting anything.
 */
import { beforeAll, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunReport } from '../../runner/result.js';
import type { Sandbox } from '../../scripts/sandbox/index.js';
import { INCIDENT_CONSEQUENCES, INCIDENT_STATUSES, METRICS_WINDOW_S, useSandbox } from '../support/sandbox.js';
import { runCli, runCliReport, type CliResult } from '../support/cli.js';
import { requireTool } from '../support/tools.js';
import { useTempDirs } from '../support/temp.js';

const tempDir = useTempDirs();

const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..');
const SCENARIO = path.join(ROOT, 'scenarios/hokusai-api-development.yaml');
const LOG_WINDOW_S = 4;
const ALB_WAIT_S = 6;
const describeSandbox = requireTool(['moto', 'redis-server'], 'the sandbox end-to-end tests');

type CliRun = CliResult & { report: RunReport };

/** The built CLI against the sandbox, through the shared runner (its children are killed with the test). */
function cli(sandbox: Sandbox, args: string[], onStderr?: (text: string) => void): Promise<CliResult> {
  return runCli(args, { env: { ...sandbox.env, CI: 'true' }, killAfterMs: 170_000, onStderr });
}

function runScenario(sandbox: Sandbox, extraArgs: string[] = [], file = SCENARIO, metricsWindowS: number = METRICS_WINDOW_S): Promise<CliRun> {
  const vars = ['--var', `baseUrl=${sandbox.vars.baseUrl}`, '--var', `logWindow=${LOG_WINDOW_S}s`, '--var', `albWait=${ALB_WAIT_S}s`, '--var', `metricsWindow=${metricsWindowS}s`];
  return runCliReport<RunReport>(['run', file, ...(file === SCENARIO ? vars : []), ...extraArgs], { env: { ...sandbox.env, CI: 'true' }, killAfterMs: 170_000 });
}

const statusOf = (report: RunReport) => Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
const check = (report: RunReport, name: string) => report.checks.find((c) => c.name === name)!;

describeSandbox('the incident scenario against the sandbox', () => {
  const twin = useSandbox({ logWindowSeconds: LOG_WINDOW_S });
  const waitForCleanLogs = () => twin.waitForCleanLogs();
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = twin.sandbox;
  });

  it('healthy: every check passes, exit 0', async () => {
    const run = await runScenario(sandbox);
    expect(run.code).toBe(0);
    expect(run.report.status).toBe('passed');
      expect(run.report.summary).toEqual({ passed: 11, failed: 0, errored: 0, skipped: 0, inconclusive: 0 });
    expect(run.report.rootCause).toBeUndefined();
    expect(run.stdout).not.toContain(sandbox.apiKey);
    expect(run.stderr).not.toContain(sandbox.apiKey);
  }, 60_000);

  it('missing SG rule: the four symptoms fail and the root cause names the rule, within the retry budget', async () => {
    await sandbox.setState('missing-sg-rule');
    await sandbox.waitForTarget('unhealthy', 30_000);
    // The slow /health answers are in the metrics (the alarm saw one), and the check's window holds
    // several: a 10 s window can fall between two health checks (every 5 s) and hold only a fast
    // predict request of this very run.
    await sandbox.waitForAlarm('ALARM', 30_000);
    const run = await runScenario(sandbox, [], SCENARIO, 2 * METRICS_WINDOW_S);
    expect(run.code).toBe(1);
    expect(statusOf(run.report)).toEqual(INCIDENT_STATUSES);
    const root = run.report.rootCause!;
    expect(root.check).toBe('redis ingress from the API');
    expect(root.reason).toContain('sg-0454e74e2924a7754');
    expect(root.reason).toContain('sg-0864e6f6aee2a5cf4');
    expect(root.consequences).toEqual(INCIDENT_CONSEQUENCES);
    expect(root.fix?.command).toBe(
      'aws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754 --protocol tcp --port 6379 --source-group sg-0864e6f6aee2a5cf4',
    );
    expect(check(run.report, 'targets healthy').message).toContain('Target.Timeout');
    // The latency the missing rule causes, as the load balancer's metrics and the deployment alarm see it.
    expect(check(run.report, 'deployment alarm').message).toMatch(
      /alarm hokusai-api-development-target-response-time-p95 in ALARM since .*: Threshold Crossed: 1 datapoint \[2(\.\d+)? \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(1\.0\)\./,
    );
    expect(check(run.report, 'alb metrics').message).toMatch(/^p95 response time 2(\.\d+)?s over 20s > 1s$/);
    // The missing rule is definitive: one attempt, not the 5-attempt budget.
    expect(check(run.report, 'redis ingress from the API').attempts).toBe(1);
    // Bounded by the budgets: health latency 2 attempts x 8s + 1s, targets within 6s, the rest fast.
    expect(run.report.durationMs).toBeLessThan(2 * 8_000 + 1_000 + ALB_WAIT_S * 1000 + 15_000);
  }, 120_000);

  it('missing secret: the task definition and predict fail, predict on its first attempt; root cause names the secret', async () => {
    await sandbox.setState('missing-secret');
    await sandbox.waitForTarget('healthy', 30_000);
    await waitForCleanLogs();
    const run = await runScenario(sandbox);
    expect(run.code).toBe(1);
    const failed = run.report.checks.filter((c) => c.status !== 'passed').map((c) => c.name);
    expect(failed).toEqual(['task definition has HUGGINGFACE_API_KEY', 'model 21 predict']);
    const predict = check(run.report, 'model 21 predict');
    expect(predict.attempts).toBe(1);
    expect(predict.message).toContain('HuggingFace token not configured');
    const root = run.report.rootCause!;
    expect(root.check).toBe('task definition has HUGGINGFACE_API_KEY');
    expect(root.reason).toContain('HUGGINGFACE_API_KEY');
    expect(root.consequences).toEqual(['model 21 predict']);
  }, 120_000);

  it('both broken: the SG rule is the main cause and the secret an independent one', async () => {
    await sandbox.setState('both');
    await sandbox.waitForTarget('unhealthy', 30_000);
    const run = await runScenario(sandbox);
    expect(run.code).toBe(1);
    const root = run.report.rootCause!;
    expect(root.check).toBe('redis ingress from the API');
    expect(root.consequences).not.toContain('model 21 predict');
    expect(root.otherCauses?.map((c) => c.check)).toEqual(['task definition has HUGGINGFACE_API_KEY']);
    expect(root.otherCauses?.[0]?.consequences).toEqual(['model 21 predict']);
  }, 120_000);

  it('after fix, the same run passes without restarting anything', async () => {
    await sandbox.setState('healthy');
    expect(await sandbox.state()).toBe('healthy');
    await sandbox.waitForTarget('healthy', 30_000);
    await waitForCleanLogs();
    const run = await runScenario(sandbox);
    expect(run.code).toBe(0);
    expect(run.report.summary.passed).toBe(11);
    expect(check(run.report, 'deployment alarm').message).toBe('1 alarm OK: hokusai-api-development-target-response-time-p95');
    expect(check(run.report, 'alb metrics').message).toMatch(/^p95 response time \d+ms over 10s ≤ 1s$/);
  }, 120_000);

  it('init discovers the service and writes a scenario that validates and passes', async () => {
    // Errors logged while the earlier states were broken belong to the previous deployment.
    await sandbox.redeploy();
    const init = await cli(sandbox, ['init', '--cluster', 'hokusai-development', '--service', 'hokusai-api-development', '--url', sandbox.apiUrl]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('target groups:   hokusai-api-development (health check /health)');
    expect(init.stdout).toContain('log groups:      /ecs/hokusai-api-development');
    expect(init.stdout).toContain('security groups: sg-0864e6f6aee2a5cf4');
    expect(init.stdout).toContain('secrets: [HUGGINGFACE_API_KEY]');
    // The 5xx check looks since the deployment, at most the declared metricsWindow back.
    expect(init.stdout).toContain('metricsWindow: 5m');
    expect(init.stdout).toContain('window: ${vars.metricsWindow}');
    const file = path.join(await tempDir('vd-init-'), 'verify.yaml');
    await writeFile(file, init.stdout);
    const run = await runScenario(sandbox, [], file);
    expect({ code: run.code, failed: run.report.checks.filter((c) => c.status !== 'passed').map((c) => c.message) }).toEqual({ code: 0, failed: [] });
    expect(init.stdout).toMatch(/# {3}REDIS_URL → ElastiCache replication group hokusai-redis-development \(master\.hokusai-redis-development\.[a-z0-9]+\.use1\.cache\.amazonaws\.com:6379\) → sg-0454e74e2924a7754 → port 6379/);
    expect(run.report.checks.map((c) => [c.type, c.status])).toEqual([
      ['ecs-task-definition', 'passed'],
      ['elasticache-available', 'passed'],
      ['sg-ingress', 'passed'],
      ['ecs-deployment', 'passed'],
      ['ecs-service-stable', 'passed'],
      ['ecs-task-running', 'passed'],
      ['alb-targets-healthy', 'passed'],
      // The target group is behind the sandbox's ALB: zero-config reads its 5xx rate since the deployment (at most metricsWindow back).
      ['alb-metrics', 'passed'],
      ['cloudwatch-alarms', 'passed'],
      ['logs-absent', 'passed'],
      ['http', 'passed'],
    ]);
  }, 60_000);

  it('run --cluster --service runs the discovered chain without a file', async () => {
    const run = await cli(sandbox, ['run', '--cluster', 'hokusai-development', '--service', 'hokusai-api-development', '--url', sandbox.apiUrl, '--reporter', 'json']);
    const report = JSON.parse(run.stdout) as RunReport;
    expect({ code: run.code, failed: report.checks.filter((c) => c.status !== 'passed').map((c) => c.message) }).toEqual({ code: 0, failed: [] });
    expect(report.file).toBe('discovered:hokusai-development/hokusai-api-development');
    expect(report.summary).toEqual({ passed: 11, failed: 0, errored: 0, skipped: 0, inconclusive: 0 });
    // The incident's REDIS_URL still has no scheme after the fix: a warning, never a failure.
    expect(report.checks.find((c) => c.type === 'ecs-task-definition')?.warnings).toEqual([expect.stringContaining('REDIS_URL (container api) has no scheme')]);
  }, 60_000);

  it('run --cluster --service on the broken sandbox follows REDIS_URL to the missing rule: root cause, fix command, scheme warning', async () => {
    await sandbox.setState('missing-sg-rule');
    await sandbox.waitForTarget('unhealthy', 30_000);
    const args = ['--cluster', 'hokusai-development', '--service', 'hokusai-api-development', '--url', sandbox.apiUrl];
    const init = await cli(sandbox, ['init', ...args]);
    // Health check every 3 s, healthy after 2, timeout 2 s: 3 × 2 + 2 + the 10 s margin.
    expect(init.stdout).toContain('# budget: within 18s = 3s interval × 2 healthy threshold + 2s timeout + 10s margin (target group hokusai-api-development)');
    const run = await cli(sandbox, ['run', ...args, '--reporter', 'json']);
    const report = JSON.parse(run.stdout) as RunReport;
    expect(run.code).toBe(1);
    const root = report.rootCause!;
    expect(report.checks.find((c) => c.name === root.check)?.type).toBe('sg-ingress');
    expect(root.reason).toContain('no ingress rule on sg-0454e74e2924a7754 allows tcp/6379 from sg-0864e6f6aee2a5cf4');
    expect(root.fix?.command).toBe(
      'aws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754 --protocol tcp --port 6379 --source-group sg-0864e6f6aee2a5cf4',
    );
    expect(report.checks.flatMap((c) => c.warnings ?? [])).toEqual([expect.stringContaining('REDIS_URL (container api) has no scheme')]);
    // Nothing the missing rule explains spends its retry budget: each was skipped or cut short as its consequence.
    const skipped = root.skipped ?? [];
    expect(root.consequences.length + skipped.length).toBeGreaterThan(0);
    for (const name of [...root.consequences, ...skipped]) {
      const explained = check(report, name);
      expect(explained.status === 'skipped' || explained.consequenceOf === root.check).toBe(true);
    }
    // What it explains ran and failed; what never ran (it needed the failed check) is listed apart.
    for (const name of root.consequences) expect(check(report, name).status).toBe('failed');
    for (const name of skipped) expect(check(report, name).skip?.reason).toBe('needs');
    await sandbox.setState('healthy');
    await sandbox.waitForTarget('healthy', 30_000);
  }, 90_000);

  it('run --cluster --service names a missing service plainly (exit 2)', async () => {
    const run = await cli(sandbox, ['run', '--cluster', 'hokusai-development', '--service', 'no-such-service']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ECS service no-such-service not found in cluster hokusai-development');
    expect(run.stderr).not.toContain('    at ');
  }, 30_000);

  it('--from resumes at a check; the ones before it are not evaluated', async () => {
    await waitForCleanLogs();
    const run = await runScenario(sandbox, ['--from', 'targets healthy']);
    expect(run.code).toBe(0);
    expect(run.report.checks.filter((c) => c.status === 'passed').map((c) => c.name)).toEqual(['targets healthy', 'model 21 predict', 'deployment alarm', 'alb metrics']);
    expect(run.report.checks.filter((c) => c.status === 'skipped').every((c) => c.skipReason === 'not evaluated (--from)')).toBe(true);
  }, 60_000);

  it('--watch re-runs the failing step until the fix lands, then exits 0', async () => {
    await sandbox.setState('missing-sg-rule');
    let fixed = false;
    const run = await cli(sandbox, ['run', SCENARIO, '--var', `baseUrl=${sandbox.apiUrl}`, '--only', 'redis ingress from the API', '--watch', '--interval', '1s', '--timeout', '60s', '--reporter', 'json'], (stderr) => {
      if (!fixed && stderr.includes('--watch round 1: 1 not passing')) {
        fixed = true;
        void sandbox.setState('healthy');
      }
    });
    expect(fixed).toBe(true);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as RunReport;
    expect(report.status).toBe('passed');
    expect(report.checks.find((c) => c.name === 'redis ingress from the API')?.status).toBe('passed');
    expect(run.stderr).toMatch(/--watch round [2-9]: all passing; done/);
  }, 90_000);
});
