/**
 * Figure 1 (verdict latency) and the comparison half of figure 3 (API calls per verdict).
 *
 * Each round: the fixture is made unhealthy (service 0/2 IN_PROGRESS, targets `initial`), every
 * contender of the round starts polling at once, each through its own counting proxy; at
 * FLIP_AT_MS the service and the targets turn healthy (T = when the flip calls are sent, so the
 * latency is an upper bound by the flip's own ~10–50 ms); each contender's verdict time minus T is
 * its latency, and its proxy's count is its API calls for that verdict.
 *
 * Contenders: the verify-deployment CLI (built, spawned) with a 1 s fixed retry interval and with
 * the check types' default policies; the SDK v3 waiters waitUntilServicesStable +
 * waitUntilTargetInService with their defaults (in this process); the AWS CLI's
 * `aws ecs wait services-stable` + `aws elbv2 wait target-in-service` when `aws` is installed.
 */
import { retryDelay } from '../../runner/retry.js';
import type { RunReport } from '../../runner/result.js';
import { awsClients, CLUSTER, REGION, SERVICE } from './aws-fixture.js';
import { childEnv, runChild, sleep } from './children.js';
import { awsEnv, writeScenario, type BenchContext } from './context.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';
import { scenarioFromYaml } from './in-process.js';
import { delayInForce, detectionDelay, fixedPoll, sdkWaiter, seededRandom, type DelayFn } from './simulate.js';
import { median, percentile } from './stats.js';

export const FLIP_AT_MS = 3_000;
const ROUNDS = 5;
/** Rounds (1-based) that also run the slower contenders. */
const DEFAULTS_ROUNDS = 3;
const WAITER_ROUNDS = 1;
const SLACK_MS = 500;

export interface LatencySample {
  round: number;
  latencyMs: number;
  ok: boolean;
  calls: Record<string, number>;
  totalCalls: number;
  /** Attempts per check (runner contenders). */
  attempts?: Record<string, number>;
  note?: string;
}

export interface ContenderResult {
  id: 'runner-fast' | 'runner-defaults' | 'sdk-waiters' | 'aws-cli-waiters';
  label: string;
  /** Target: latency ≤ boundMs (the retry delay in force at T + 0.5 s); runner contenders only. */
  boundMs?: number;
  samples: LatencySample[];
  skipped?: string;
}

export interface SimulatedRow {
  flipAtMs: number;
  fixed15sMs: number;
  sdkWaiterMedianMs: number;
  sdkWaiterP95Ms: number;
  runnerFastMs: number;
  runnerDefaultsMs: number;
}

export interface VerdictLatencyResult {
  flipAtMs: number;
  rounds: number;
  flipDurationsMs: number[];
  contenders: ContenderResult[];
  simulated: SimulatedRow[];
}

function scenarioYaml(targetGroupArn: string, retry: string | undefined): string {
  const retryLine = retry ? `\n  retry: ${retry}` : '';
  return `name: bench-verdict-latency
defaults:
  timeout: 10s${retryLine}
checks:
  - name: service stable
    type: ecs-service-stable
    cluster: ${CLUSTER}
    service: ${SERVICE}
  - name: targets healthy
    type: alb-targets-healthy
    targetGroupArn: ${targetGroupArn}
`;
}

/** Policies of a scenario's checks, as the runner resolved them (defaults merged). */
function policies(ctx: BenchContext, yaml: string): DelayFn[] {
  const scenario = scenarioFromYaml(yaml, 'latency', ctx.tmp);
  return scenario.checks.map((check) => (attempt: number) => retryDelay(check.retry, attempt - 1));
}

/** The wait in force at T across the scenario's checks (the verdict needs them all), + 0.5 s. */
function boundFor(delays: DelayFn[], flipAtMs: number): number {
  return Math.max(...delays.map((delay) => delayInForce(flipAtMs, delay))) + SLACK_MS;
}

interface Running {
  done: Promise<{ endedAt: number; ok: boolean; attempts?: Record<string, number>; note?: string }>;
  proxy: CountingProxy;
}

async function startRunner(ctx: BenchContext, file: string): Promise<Running> {
  const proxy = await startCountingProxy(ctx.moto.endpoint);
  const done = runChild(process.execPath, [ctx.cli, 'run', file, '--reporter', 'json', '--concurrency', '2', '--timeout', '90s'], {
    env: childEnv(awsEnv(proxy.endpoint)),
    killAfterMs: 120_000,
  }).then((child) => {
    let report: RunReport | undefined;
    try {
      report = JSON.parse(child.stdout) as RunReport;
    } catch {
      // reported below
    }
    const attempts = report ? Object.fromEntries(report.checks.map((c) => [c.name, c.attempts])) : undefined;
    const note = child.code === 0 ? undefined : `exit ${child.code}: ${report?.checks.map((c) => c.message).join('; ') ?? child.stderr.slice(-300)}`;
    return { endedAt: child.endedAt, ok: child.code === 0, attempts, note };
  });
  return { done, proxy };
}

async function startSdkWaiters(ctx: BenchContext): Promise<Running> {
  const proxy = await startCountingProxy(ctx.moto.endpoint);
  const clients = await awsClients(proxy.endpoint);
  const { waitUntilServicesStable } = await import('@aws-sdk/client-ecs');
  const { waitUntilTargetInService } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const done = Promise.all([
    waitUntilServicesStable({ client: clients.ecs, maxWaitTime: 120 }, { cluster: CLUSTER, services: [SERVICE] }),
    waitUntilTargetInService({ client: clients.elbv2, maxWaitTime: 120 }, { TargetGroupArn: ctx.fixture.targetGroupArn }),
  ]).then(
    () => ({ endedAt: performance.now(), ok: true }),
    (error: unknown) => ({ endedAt: performance.now(), ok: false, note: String((error as Error)?.message ?? error).slice(0, 200) }),
  );
  return { done: done.finally(() => clients.destroy()), proxy };
}

async function startAwsCliWaiters(ctx: BenchContext): Promise<Running> {
  const proxy = await startCountingProxy(ctx.moto.endpoint);
  const env = childEnv(awsEnv(proxy.endpoint));
  const common = ['--endpoint-url', proxy.endpoint, '--region', REGION];
  const done = Promise.all([
    runChild('aws', ['ecs', 'wait', 'services-stable', '--cluster', CLUSTER, '--services', SERVICE, ...common], { env, killAfterMs: 120_000 }),
    runChild('aws', ['elbv2', 'wait', 'target-in-service', '--target-group-arn', ctx.fixture.targetGroupArn, ...common], { env, killAfterMs: 120_000 }),
  ]).then((children) => ({
    endedAt: Math.max(...children.map((c) => c.endedAt)),
    ok: children.every((c) => c.code === 0),
    note: children.some((c) => c.code !== 0) ? children.map((c) => c.stderr.trim().slice(-200)).join(' | ') : undefined,
  }));
  return { done, proxy };
}

export async function measureVerdictLatency(ctx: BenchContext): Promise<VerdictLatencyResult> {
  const fastYaml = scenarioYaml(ctx.fixture.targetGroupArn, '{ interval: 1s, backoff: 1, within: 90s }');
  const defaultsYaml = scenarioYaml(ctx.fixture.targetGroupArn, undefined);
  const fastFile = await writeScenario(ctx, 'latency-fast', fastYaml);
  const defaultsFile = await writeScenario(ctx, 'latency-defaults', defaultsYaml);
  const fastPolicies = policies(ctx, fastYaml);
  const defaultPolicies = policies(ctx, defaultsYaml);

  const contenders: ContenderResult[] = [
    { id: 'runner-fast', label: 'verify-deployment, retry interval 1 s (backoff 1)', boundMs: boundFor(fastPolicies, FLIP_AT_MS), samples: [] },
    {
      id: 'runner-defaults',
      label: 'verify-deployment, check-type default retry policies (ecs-service-stable 5 s ×1.5 ≤15 s; alb-targets-healthy 10 s)',
      boundMs: boundFor(defaultPolicies, FLIP_AT_MS),
      samples: [],
    },
    { id: 'sdk-waiters', label: 'SDK v3 waitUntilServicesStable + waitUntilTargetInService, defaults (minDelay 15 s; max 600 s / 120 s)', samples: [] },
    {
      id: 'aws-cli-waiters',
      label: '`aws ecs wait services-stable` + `aws elbv2 wait target-in-service` (AWS CLI, 15 s fixed delay)',
      samples: [],
      ...(ctx.awsCli ? {} : { skipped: 'the AWS CLI is not installed: its figure is simulated below' }),
    },
  ];
  const byId = (id: ContenderResult['id']) => contenders.find((c) => c.id === id)!;
  const flipDurationsMs: number[] = [];

  for (let round = 1; round <= ROUNDS; round++) {
    await ctx.fixture.setUnhealthy();
    const running = new Map<ContenderResult['id'], Running>();
    running.set('runner-fast', await startRunner(ctx, fastFile));
    if (round <= DEFAULTS_ROUNDS) running.set('runner-defaults', await startRunner(ctx, defaultsFile));
    if (round <= WAITER_ROUNDS) {
      running.set('sdk-waiters', await startSdkWaiters(ctx));
      if (ctx.awsCli) running.set('aws-cli-waiters', await startAwsCliWaiters(ctx));
    }
    const started = performance.now();
    await sleep(FLIP_AT_MS - (performance.now() - started));
    const flipAt = performance.now();
    await ctx.fixture.setHealthy();
    flipDurationsMs.push(performance.now() - flipAt);

    for (const [id, run] of running) {
      const outcome = await run.done;
      const counts = run.proxy.counts();
      await run.proxy.stop();
      byId(id).samples.push({
        round,
        latencyMs: outcome.endedAt - flipAt,
        ok: outcome.ok,
        calls: counts,
        totalCalls: Object.values(counts).reduce((a, b) => a + b, 0),
        ...(outcome.attempts ? { attempts: outcome.attempts } : {}),
        ...(outcome.note ? { note: outcome.note } : {}),
      });
    }
    const fast = byId('runner-fast').samples.at(-1)!;
    ctx.log(`  round ${round}/${ROUNDS}: runner (1 s) ${(fast.latencyMs / 1000).toFixed(2)} s after T${[...running.keys()].length > 1 ? ` (+${[...running.keys()].length - 1} other contenders)` : ''}`);
  }

  return { flipAtMs: FLIP_AT_MS, rounds: ROUNDS, flipDurationsMs, contenders, simulated: simulate(fastPolicies, defaultPolicies) };
}

/** The polling models at T = 3 s (as measured), 60 s and 300 s (a slow rollout). */
function simulate(fastPolicies: DelayFn[], defaultPolicies: DelayFn[]): SimulatedRow[] {
  const random = seededRandom(20_240_601);
  const DRAWS = 2000;
  return [FLIP_AT_MS, 60_000, 300_000].map((flipAtMs) => {
    const waiterDraws = Array.from({ length: DRAWS }, () =>
      Math.max(detectionDelay(flipAtMs, sdkWaiter(15, 600), random), detectionDelay(flipAtMs, sdkWaiter(15, 120), random)),
    );
    const runnerDelay = (delays: DelayFn[]) => Math.max(...delays.map((delay) => detectionDelay(flipAtMs, delay)));
    return {
      flipAtMs,
      fixed15sMs: detectionDelay(flipAtMs, fixedPoll(15_000)),
      sdkWaiterMedianMs: median(waiterDraws),
      sdkWaiterP95Ms: percentile(waiterDraws, 95),
      runnerFastMs: runnerDelay(fastPolicies),
      runnerDefaultsMs: runnerDelay(defaultPolicies),
    };
  });
}

