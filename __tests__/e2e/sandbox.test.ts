/**
 * The incident, end to end: the shipped scenario run by the built CLI against the local sandbox
 * (real moto, redis-server, model API, ALB stand-in) in each of the incident's states, switched
 * without restarting anything.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { RunReport } from '../../runner/result.js';
import { startSandbox, type Sandbox } from '../../scripts/sandbox/index.js';
import { motoAvailable, redisAvailable } from '../../scripts/sandbox/services.js';

const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI = path.join(ROOT, 'dist/scripts/verify-deployment.js');
const SCENARIO = path.join(ROOT, 'scenarios/hokusai-api-development.yaml');
const LOG_WINDOW_S = 4;
const ALB_WAIT_S = 6;
const available = motoAvailable() && redisAvailable();
if (!available && process.env.CI === 'true') throw new Error('the sandbox needs moto and redis-server: see .ci/run');
const describeSandbox = available ? describe : describe.skip;
if (!available) console.warn('SKIPPED: sandbox end-to-end tests need python3 moto[server] and redis-server');

interface CliRun {
  code: number | null;
  report: RunReport;
  stdout: string;
  stderr: string;
  wallMs: number;
}

function runScenario(sandbox: Sandbox, extraArgs: string[] = []): Promise<CliRun> {
  const args = [CLI, 'run', SCENARIO, '--reporter', 'json', '--var', `baseUrl=${sandbox.vars.baseUrl}`, '--var', `logWindow=${LOG_WINDOW_S}s`, '--var', `albWait=${ALB_WAIT_S}s`, ...extraArgs];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...sandbox.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ code, report: JSON.parse(stdout) as RunReport, stdout, stderr, wallMs: Date.now() - started });
      } catch (error) {
        reject(new Error(`CLI exited ${code} without a JSON report: ${stderr}\n${stdout}`));
      }
    });
  });
}

const statusOf = (report: RunReport) => Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
const check = (report: RunReport, name: string) => report.checks.find((c) => c.name === name)!;

describeSandbox('the incident scenario against the sandbox', () => {
  let sandbox: Sandbox;
  let lastRedisError = 0;
  const waitForCleanLogs = async () => {
    const wait = LOG_WINDOW_S * 1000 + 1000 - (Date.now() - lastRedisError);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };

  beforeAll(async () => {
    sandbox = await startSandbox({
      state: 'healthy',
      healthCheckIntervalSeconds: 3,
      onLog: (line) => {
        if (line.includes('Redis connection failed')) lastRedisError = Date.now();
      },
    });
    await sandbox.waitForTarget('healthy', 30_000);
  }, 90_000);

  afterAll(async () => {
    await sandbox?.stop();
  }, 30_000);

  it('healthy: every check passes, exit 0', async () => {
    const run = await runScenario(sandbox);
    expect(run.code).toBe(0);
    expect(run.report.status).toBe('passed');
    expect(run.report.summary).toEqual({ passed: 9, failed: 0, errored: 0, skipped: 0 });
    expect(run.report.rootCause).toBeUndefined();
    expect(run.stdout).not.toContain(sandbox.apiKey);
    expect(run.stderr).not.toContain(sandbox.apiKey);
  }, 60_000);

  it('missing SG rule: the four symptoms fail and the root cause names the rule, within the retry budget', async () => {
    await sandbox.setState('missing-sg-rule');
    await sandbox.waitForTarget('unhealthy', 30_000);
    const run = await runScenario(sandbox);
    expect(run.code).toBe(1);
    expect(statusOf(run.report)).toEqual({
      'service stable': 'passed',
      'task definition has HUGGINGFACE_API_KEY': 'passed',
      'tasks running': 'passed',
      'redis ingress from the API': 'failed',
      'elasticache available': 'passed',
      'no redis errors in logs': 'failed',
      'health latency': 'failed',
      'targets healthy': 'failed',
      'model 21 predict': 'passed',
    });
    const root = run.report.rootCause!;
    expect(root.check).toBe('redis ingress from the API');
    expect(root.reason).toContain('sg-0454e74e2924a7754');
    expect(root.reason).toContain('sg-0864e6f6aee2a5cf4');
    expect(root.consequences).toEqual(['no redis errors in logs', 'health latency', 'targets healthy']);
    expect(root.fix?.command).toBe(
      'aws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754 --protocol tcp --port 6379 --source-group sg-0864e6f6aee2a5cf4',
    );
    expect(check(run.report, 'targets healthy').message).toContain('Target.Timeout');
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
    expect(run.report.summary.passed).toBe(9);
  }, 120_000);
});
