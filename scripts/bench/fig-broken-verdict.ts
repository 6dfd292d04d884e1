/**
 * Figure 7: time to the verdict on the incident's broken state (issue #12). The sandbox is started
 * through its CLI in the missing-rule state; once its ALB stand-in has marked the target unhealthy
 * (as the incident was found), the shipped scenario runs with its production budgets (only the base
 * URL is set) in three ways, each a fresh process timed from spawn to exit:
 *
 * - before: one check after the other, every check spending its own budget (the library with
 *   `concurrency: 1, cutExplainedRetries: false`, in a child process);
 * - sequential + cut: the CLI with `--concurrency 1` (explained checks stop retrying);
 * - after: the CLI with default options (4 checks at once, explained checks stop retrying).
 *
 * Each must reach the same statuses and root cause. "vs budgets" is what the failing checks' retry
 * policies would allow: the verdict a scenario author would expect to wait for without the cut.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkTypes } from '../../checks/index.js';
import { formatDuration } from '../../runner/duration.js';
import { loadScenario } from '../../runner/load.js';
import type { RunReport } from '../../runner/result.js';
import { retryDelay } from '../../runner/retry.js';
import type { PlannedCheck } from '../../runner/scenario.js';
import { childEnv, runChild, sleep } from './children.js';
import type { BenchContext } from './context.js';
import { median } from './stats.js';

/** The sandbox state the incident was found in (the missing Redis ingress rule). */
const BROKEN_STATE = 'missing-sg-rule';
const AFTER_ROUNDS = 3;
/** Target from issue #12: the verdict in under 8 s of wall time from process start. */
export const BROKEN_VERDICT_TARGET_MS = 8_000;

export interface BrokenVerdictRun {
  id: 'before' | 'sequential-cut' | 'after';
  label: string;
  wallMs: number[];
  /** Per check: status, attempts and consequenceOf (last round). */
  checks: { name: string; status: string; attempts: number; consequenceOf?: string }[];
  rootCause?: string;
  /** Same statuses and root cause as the `before` run. */
  sameVerdict: boolean;
}

export interface BrokenVerdictResult {
  runs: BrokenVerdictRun[];
  /** Each check's retry budget (withinMs, or attempts × timeout + the waits), ms. */
  budgets: { name: string; budgetMs: number }[];
  targetMs: number;
  skipped?: string;
}

/**
 * A check's worst case under its retry policy: every attempt timing out plus the waits between
 * them, bounded by the `within` deadline when there is one (a deadline alone bounds it by itself).
 */
export function retryBudgetMs(check: Pick<PlannedCheck, 'retry' | 'timeoutMs'>): number {
  const { retry } = check;
  if (retry.attempts === undefined) return retry.withinMs ?? Infinity;
  let waits = 0;
  for (let i = 0; i < retry.attempts - 1; i++) waits += retryDelay(retry, i);
  const spent = retry.attempts * check.timeoutMs + waits;
  return retry.withinMs === undefined ? spent : Math.min(spent, retry.withinMs);
}

interface Sandbox {
  process: ChildProcess;
  env: Record<string, string>;
  baseUrl: string;
  stateFile: string;
}

/** `sandbox up --state missing-sg-rule` in the background; resolves once it printed its exports. */
async function startSandbox(ctx: BenchContext): Promise<Sandbox> {
  const stateFile = path.join(ctx.tmp, 'broken-verdict-sandbox.json');
  const child = spawn(process.execPath, [ctx.cli, 'sandbox', 'up', '--state', BROKEN_STATE], {
    env: childEnv({ VERIFY_DEPLOYMENT_SANDBOX_FILE: stateFile }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  for (let i = 0; i < 600 && !/--var baseUrl=\S+\n/.test(output) && child.exitCode === null; i++) await sleep(100);
  const env = Object.fromEntries([...output.matchAll(/^export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const baseUrl = /--var baseUrl=(\S+)/.exec(output)?.[1];
  const sandbox = { process: child, env, baseUrl: baseUrl ?? '', stateFile };
  if (!baseUrl || !env.AWS_ENDPOINT_URL) {
    await stopSandbox(ctx, sandbox);
    throw new Error(`sandbox up printed no exports: ${output.slice(-2000)}`);
  }
  return sandbox;
}

/** `sandbox down`, then SIGTERM if `up` is still there (never SIGKILL first: it would orphan moto and redis-server). */
async function stopSandbox(ctx: BenchContext, sandbox: Sandbox): Promise<void> {
  const up = sandbox.process;
  if (up.exitCode !== null || up.signalCode !== null) return;
  const exited = new Promise((resolve) => up.once('close', resolve));
  await runChild(process.execPath, [ctx.cli, 'sandbox', 'down'], { env: childEnv({ VERIFY_DEPLOYMENT_SANDBOX_FILE: sandbox.stateFile }), killAfterMs: 30_000 }).catch(() => undefined);
  const term = setTimeout(() => up.kill('SIGTERM'), 15_000);
  const kill = setTimeout(() => up.kill('SIGKILL'), 45_000);
  await exited;
  clearTimeout(term);
  clearTimeout(kill);
}

/** The library in a fresh process, one check at a time, nothing cut short: today's behaviour before #12. */
const BEFORE_SCRIPT = `
const [lib, file, baseUrl] = process.argv.slice(1);
const { loadScenario, runScenario, checkTypes } = await import(lib);
const scenario = await loadScenario(file, { checkTypes, vars: { baseUrl } });
const report = await runScenario(scenario, { concurrency: 1, cutExplainedRetries: false });
process.stdout.write(JSON.stringify(report));
`;

async function timedRun(ctx: BenchContext, sandbox: Sandbox, scenarioFile: string, id: BrokenVerdictRun['id']): Promise<{ wallMs: number; report: RunReport }> {
  const env = childEnv(sandbox.env);
  const library = pathToFileURL(path.join(ctx.root, 'dist', 'runner', 'index.js')).href;
  const args =
    id === 'before'
      ? ['--input-type=module', '-e', BEFORE_SCRIPT, library, scenarioFile, sandbox.baseUrl]
      : [ctx.cli, 'run', scenarioFile, '--var', `baseUrl=${sandbox.baseUrl}`, '--reporter', 'json', ...(id === 'sequential-cut' ? ['--concurrency', '1'] : [])];
  const run = await runChild(process.execPath, args, { env, cwd: ctx.root, killAfterMs: 10 * 60_000 });
  try {
    return { wallMs: run.wallMs, report: JSON.parse(run.stdout) as RunReport };
  } catch {
    throw new Error(`${id}: no JSON report (exit ${run.code}): ${run.stderr.slice(-2000)}`);
  }
}

/** Waits until the ALB stand-in has marked the target unhealthy (read from the emulator), as the incident was found. */
async function waitForUnhealthyTarget(sandbox: Sandbox, timeoutMs: number): Promise<void> {
  const { DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const { env } = sandbox;
  const elb = new ElasticLoadBalancingV2Client({
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
  try {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const arn = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups?.[0]?.TargetGroupArn;
      const health = arn ? await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })) : undefined;
      if (health?.TargetHealthDescriptions?.every((d) => d.TargetHealth?.State === 'unhealthy') && health.TargetHealthDescriptions.length > 0) return;
      await sleep(500);
    }
    throw new Error(`the sandbox's target did not turn unhealthy within ${formatDuration(timeoutMs)}`);
  } finally {
    elb.destroy();
  }
}

const verdictOf = (report: RunReport) => JSON.stringify({ statuses: report.checks.map((c) => c.status), cause: report.rootCause?.check });

export async function measureBrokenVerdict(ctx: BenchContext): Promise<BrokenVerdictResult> {
  const scenarioFile = path.join(ctx.root, 'scenarios', 'hokusai-api-development.yaml');
  const planned = await loadScenario(scenarioFile, { checkTypes, env: { HOKUSAI_API_KEY: 'unused' } });
  const budgets = planned.checks.map((check) => ({ name: check.name, budgetMs: retryBudgetMs(check) }));
  const result: BrokenVerdictResult = { runs: [], budgets, targetMs: BROKEN_VERDICT_TARGET_MS };
  let sandbox: Sandbox | undefined;
  try {
    sandbox = await startSandbox(ctx);
    await waitForUnhealthyTarget(sandbox, 60_000);
    const plan: [BrokenVerdictRun['id'], string, number][] = [
      ['before', 'before: one at a time, every check spends its budget', 1],
      ['sequential-cut', '--concurrency 1, explained checks not retried', 1],
      ['after', 'after: default options (4 at once, explained checks not retried)', AFTER_ROUNDS],
    ];
    let reference: string | undefined;
    for (const [id, label, rounds] of plan) {
      const run: BrokenVerdictRun = { id, label, wallMs: [], checks: [], sameVerdict: true };
      for (let round = 0; round < rounds; round++) {
        const { wallMs, report } = await timedRun(ctx, sandbox, scenarioFile, id);
        run.wallMs.push(wallMs);
        run.checks = report.checks.map((c) => ({ name: c.name, status: c.status, attempts: c.attempts, ...(c.consequenceOf ? { consequenceOf: c.consequenceOf } : {}) }));
        run.rootCause = report.rootCause?.check;
        reference ??= verdictOf(report);
        run.sameVerdict &&= verdictOf(report) === reference;
      }
      ctx.log(`  ${id}: median ${(median(run.wallMs) / 1000).toFixed(2)} s (${run.wallMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')}), same verdict: ${run.sameVerdict}`);
      result.runs.push(run);
    }
  } catch (error) {
    result.skipped = error instanceof Error ? error.message : String(error);
    ctx.log(`  broken verdict: ${result.skipped}`);
  } finally {
    if (sandbox) await stopSandbox(ctx, sandbox);
  }
  return result;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * The verdicts against the whole scenario's budgets: their sum is what one-at-a-time checks may
 * take when every one spends its budget; the longest is the floor when they all run at once.
 */
export function budgetLine(r: Pick<BrokenVerdictResult, 'budgets'>, before: BrokenVerdictRun | undefined, after: BrokenVerdictRun | undefined): string {
  const finite = r.budgets.filter((b) => Number.isFinite(b.budgetMs));
  const sum = finite.reduce((total, b) => total + b.budgetMs, 0);
  const longest = finite.reduce((top, b) => (b.budgetMs > top.budgetMs ? b : top), { name: '?', budgetMs: 0 });
  const share = (run: BrokenVerdictRun | undefined) => (run && sum > 0 ? `${((median(run.wallMs) / sum) * 100).toFixed(1)} %` : 'n/a');
  return (
    `Budgets of all ${r.budgets.length} checks (retry policy worst case: every attempt timing out, plus the waits, capped by \`within\`): ` +
    `${finite.map((b) => `${b.name} ${formatDuration(b.budgetMs)}`).join(', ')}${finite.length < r.budgets.length ? ' (the others unbounded)' : ''}. ` +
    `Sum ${formatDuration(sum)} (one at a time, every check spending its budget); longest ${longest.name} ${formatDuration(longest.budgetMs)}. ` +
    `Before took ${share(before)} of the sum, after ${share(after)}: on the broken state most checks end at their first attempt either way, and the ones that would keep retrying are the consequences the cut stops.`
  );
}

/** The figure's section of BENCHMARKS.md. */
export function renderBrokenVerdict(r: BrokenVerdictResult): string {
  const head = ['## 8. Time to the verdict on the broken state', ''];
  if (r.skipped) return [...head, `Not measured: ${r.skipped}`].join('\n');
  const before = r.runs.find((run) => run.id === 'before');
  // The checks the cut stopped early: what their budgets would have let them wait for.
  const explained = new Set(r.runs.flatMap((run) => run.checks.filter((c) => c.consequenceOf).map((c) => c.name)));
  const explainedBudgets = r.budgets.filter((b) => explained.has(b.name));
  const longest = Math.max(0, ...explainedBudgets.map((b) => b.budgetMs));
  const after = r.runs.find((run) => run.id === 'after');
  const rows = r.runs.map((run) => {
    const wall = median(run.wallMs);
    const cut = run.checks.filter((c) => c.consequenceOf).map((c) => `${c.name} (${c.attempts})`);
    return [
      run.label,
      `**${seconds(wall)}**${run.wallMs.length > 1 ? ` (${run.wallMs.map(seconds).join(', ')})` : ''}`,
      before && run !== before ? `${(median(before.wallMs) / wall).toFixed(1)}× faster` : '—',
      cut.join(', ') || 'none',
      run.sameVerdict ? '✅' : '❌ differs',
    ];
  });
  const met = after ? median(after.wallMs) < r.targetMs : false;
  return [
    ...head,
    `The shipped scenario with its production budgets (only \`--var baseUrl\`) against the sandbox in state \`${BROKEN_STATE}\`, once its ALB stand-in marked the target unhealthy; spawn → exit of a fresh process each. Root cause every time: ${after?.rootCause ?? '?'}.`,
    '',
    '| run | wall time (median) | vs before | stopped as a consequence (attempts) | same statuses and root cause |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    `Retry budgets of the checks stopped as consequences: ${explainedBudgets.map((b) => `${b.name} ${formatDuration(b.budgetMs)}`).join(', ')}; without the cut the verdict waits at least the longest, ${formatDuration(longest)} (after: ${((median(after?.wallMs ?? [0]) / longest) * 100).toFixed(0)}% of it). ` +
      `Target (#12): under ${seconds(r.targetMs)} with default options — ${met ? '✅ met' : '❌ not met'}.`,
    '',
    budgetLine(r, before, after),
  ].join('\n');
}
