/**
 * The incident's broken state, as the on-call engineer meets it: the sandbox started through its CLI
 * in the missing-rule state, the shipped scenario run by the built CLI with its production budgets
 * (only the base URL set) and default options. The verdict is the same as ever; what changes is that
 * the symptoms the missing rule explains stop retrying at once (`consequenceOf`) instead of spending
 * their budgets (health latency 2 attempts, targets healthy 2 minutes). How long that takes is the
 * bench's figure (scripts/bench/fig-broken-verdict.ts), not an assertion here.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../runner/result.js';
import { INCIDENT_CONSEQUENCES, INCIDENT_STATUSES } from '../support/sandbox.js';
import { requireTool } from '../support/tools.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI = path.join(ROOT, 'dist/cli/verify-deployment.js'); // what ships (package.json bin)
const SCENARIO = path.join(ROOT, 'scenarios/hokusai-api-development.yaml');
/** The sandbox state the incident was found in (the missing Redis ingress rule). */
const BROKEN_STATE = 'missing-sg-rule';

/** What `sandbox up` printed: the exports for the AWS SDK and the scenario's base URL. */
interface UpOutput {
  env: Record<string, string>;
  baseUrl: string;
}

function parseUp(output: string): UpOutput {
  const env = Object.fromEntries([...output.matchAll(/^export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const baseUrl = /--var baseUrl=(\S+)/.exec(output)?.[1];
  if (!env.AWS_ENDPOINT_URL || !baseUrl) throw new Error(`sandbox up printed no exports:\n${output}`);
  return { env, baseUrl };
}

/** Waits until the ALB stand-in has marked the target unhealthy: the state the incident was found in. */
async function waitForUnhealthyTarget(env: Record<string, string>, timeoutMs: number): Promise<void> {
  const elb = new ElasticLoadBalancingV2Client({
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
  try {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      const groups = await elb.send(new DescribeTargetGroupsCommand({}));
      const arn = groups.TargetGroups?.[0]?.TargetGroupArn;
      const health = arn ? await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })) : undefined;
      last = health?.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State).join(',') ?? 'no target group';
      if (last === 'unhealthy') return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the target never turned unhealthy within ${timeoutMs} ms (last: ${last})`);
  } finally {
    elb.destroy();
  }
}

requireTool(['moto', 'redis-server'], 'the broken-state verdict test')('the incident\'s broken state, default options, production budgets', () => {
  let up: ChildProcess | undefined;
  let dir: string | undefined;
  let report: RunReport;
  let code: number | null;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vd-broken-verdict-'));
    const env = { ...process.env, VERIFY_DEPLOYMENT_SANDBOX_FILE: path.join(dir, 'sandbox.json') };
    up = spawn(process.execPath, [CLI, 'sandbox', 'up', '--state', BROKEN_STATE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    up.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    up.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    for (let i = 0; i < 240 && !output.includes('Sandbox up') && up.exitCode === null; i++) await new Promise((r) => setTimeout(r, 250));
    // The exports follow the "Sandbox up" line: give the pipe a moment.
    for (let i = 0; i < 20 && !/--var baseUrl=\S+\n/.test(output); i++) await new Promise((r) => setTimeout(r, 100));
    const sandbox = parseUp(output);
    await waitForUnhealthyTarget(sandbox.env, 60_000);

    const run = spawnSync(process.execPath, [CLI, 'run', SCENARIO, '--var', `baseUrl=${sandbox.baseUrl}`, '--reporter', 'json'], {
      cwd: ROOT,
      env: { ...process.env, ...sandbox.env, CI: 'true' },
      encoding: 'utf8',
      // Far above the expected seconds; far below the 2 min budget the cut is there to avoid.
      timeout: 60_000,
    });
    code = run.status;
    try {
      report = JSON.parse(run.stdout) as RunReport;
    } catch {
      throw new Error(`the run printed no JSON report (exit ${run.status}): ${run.stderr}`);
    }
  }, 150_000);

  afterAll(async () => {
    if (up && up.exitCode === null) {
      const exited = new Promise((resolve) => up!.once('close', resolve));
      spawnSync(process.execPath, [CLI, 'sandbox', 'down'], { env: { ...process.env, VERIFY_DEPLOYMENT_SANDBOX_FILE: path.join(dir!, 'sandbox.json') }, timeout: 20_000 });
      // `down` stops it; SIGTERM (never SIGKILL first: it would orphan moto and redis-server) if not.
      const timer = setTimeout(() => up!.kill('SIGTERM'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    if (dir && existsSync(dir)) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('reaches the same verdict as ever: the same statuses, the missing rule as the root cause', () => {
    expect(code).toBe(1);
    expect(Object.fromEntries(report.checks.map((c) => [c.name, c.status]))).toEqual(INCIDENT_STATUSES);
    expect(report.rootCause).toMatchObject({
      check: 'redis ingress from the API',
      consequences: INCIDENT_CONSEQUENCES,
      independent: false,
    });
  });

  it.each(['health latency', 'targets healthy'])('%s stops retrying once the missing rule is found: consequenceOf it, after one or two attempts', (name) => {
    const check = report.checks.find((c) => c.name === name)!;
    expect(check.consequenceOf).toBe('redis ingress from the API');
    expect(check.attempts).toBeGreaterThanOrEqual(1);
    expect(check.attempts).toBeLessThanOrEqual(2);
    expect(check.message).toContain('not retried: explained by redis ingress from the API');
    // Its last observation is kept: what the engineer needs to see.
    expect(check.observations.length).toBeGreaterThan(0);
  });

  it('the deployment alarm is in ALARM and the ALB metrics breach latency, both explained by the missing rule', () => {
    const name = 'hokusai-api-development-target-response-time-p95';
    const alarm = report.checks.find((c) => c.name === 'deployment alarm')!;
    expect(alarm).toMatchObject({ status: 'failed', attempts: 1 });
    expect(alarm.details).toMatchObject({ deploymentAlarms: { alarmNames: [name], enable: true, rollback: true }, alarms: [{ name, state: 'ALARM' }] });
    expect(alarm.message).toContain('Threshold Crossed: 1 datapoint [2');
    const alb = report.checks.find((c) => c.name === 'alb metrics')!;
    expect(alb).toMatchObject({ status: 'failed', attempts: 1 });
    // The production window (5m, whole minutes) reads the history the sandbox starts with.
    expect(alb.message).toMatch(/^p95 response time 2(\.\d+)?s over 5m > 1s$/);
    expect(alb.observations).toContainEqual(expect.objectContaining({ what: 'p95 response time over 5m', ok: false }));
    expect(report.rootCause?.otherCauses ?? []).toEqual([]);
  });

  it('the cause and the checks that failed on their own carry no consequenceOf', () => {
    for (const name of ['redis ingress from the API', 'no redis errors in logs']) {
      const check = report.checks.find((c) => c.name === name)!;
      expect(check).toMatchObject({ status: 'failed', attempts: 1 });
      expect(check.message).not.toContain('not retried');
      expect(check.consequenceOf).toBeUndefined();
    }
  });
});
