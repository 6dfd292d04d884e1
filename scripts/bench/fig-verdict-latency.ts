/**
 * Figure 1 (verdict latency) and the comparison half of figure 3 (API calls per verdict).
 *
 * Each round: the fixture is made unhealthy (service 0/2 IN_PROGRESS, targets `initial`), every
 * contender of the round starts polling, each through its own counting proxy; once every one of
 * them has polled both resources (the proxies see DescribeServices and DescribeTargetHealth from
 * each), FLIP_AT_MS later the service and the targets turn healthy. T = when the flip calls are
 * sent (an upper bound on the true moment by the flip's own ~10–50 ms). Each contender's verdict
 * time minus T is its latency; its proxy's count is its API calls for that verdict.
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
/**
 * The flip comes FLIP_AT_MS + a jitter in [0, FLIP_JITTER_MS) after every contender polls: without
 * it the flip would land at a fixed phase of the 1 s runner's polls (its own first poll starts the
 * clock when it is the last to start) and flatter or hurt it. With only ROUNDS samples the jitter
 * is stratified, not random: round r gets the middle of its own fifth of the interval (in a
 * shuffled order), so the rounds cover every phase evenly and the median is the mid-phase case.
 */
const FLIP_JITTER_MS = 1_000;
const jitterFor = (round: number) => (((round * 3) % ROUNDS) + 0.5) / ROUNDS;
const ROUNDS = 5;
/** Rounds (1-based) that also run the slower contenders. */
const DEFAULTS_ROUNDS = 3;
const WAITER_ROUNDS = 1;
const SLACK_MS = 500;

export interface LatencySample {
  round: number;
  /** Verdict − T: process exit (CLI contenders) or promise resolution (SDK waiters). */
  latencyMs: number;
  /** Runner contenders: the report's end (startedAt + durationMs, wall clock) − T, before process teardown. */
  reportLatencyMs?: number;
  /** T measured from this contender's first API call. */
  flipAfterFirstCallMs: number;
  /** Target for this round (runner contenders): the retry delay in force at T + 0.5 s. */
  boundMs?: number;
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
  /** Runner contenders: the resolved retry policy of each check, as delays by attempt. */
  policies?: DelayFn[];
  samples: LatencySample[];
  skipped?: string;
}

export interface SimulatedRow {
  /** The flip is drawn uniformly from [fromMs, toMs) after the pollers start. */
  fromMs: number;
  toMs: number;
  /** [median, p95] latency after the flip. */
  fixed15s: [number, number];
  sdkWaiters: [number, number];
  runnerFast: [number, number];
  runnerDefaults: [number, number];
}

export interface VerdictLatencyResult {
  flipAtMs: number;
  flipJitterMs: number;
  rounds: number;
  flipDurationsMs: number[];
  /** Per round: how long until every contender had polled both resources once. */
  pollingAfterMs: number[];
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

/** The wait in force at T (from the first poll) across the scenario's checks (the verdict needs them all), + 0.5 s. */
export function boundFor(delays: DelayFn[], flipAtMs: number): number {
  return Math.max(...delays.map((delay) => delayInForce(flipAtMs, delay))) + SLACK_MS;
}

interface Outcome {
  /** performance.now() at exit / resolution. */
  endedAt: number;
  /** Date.now() clock: the report's end (runner contenders). */
  reportEndWall?: number;
  ok: boolean;
  attempts?: Record<string, number>;
  note?: string;
}

interface Running {
  done: Promise<Outcome>;
  proxy: CountingProxy;
}

/** The actions every contender must have sent once before the clock for T starts. */
const FIRST_POLL = ['DescribeServices', 'DescribeTargetHealth'];

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
    const reportEndWall = report ? Date.parse(report.startedAt) + report.durationMs : undefined;
    return { endedAt: child.endedAt, ok: child.code === 0, attempts, note, ...(reportEndWall ? { reportEndWall } : {}) };
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
    (): Outcome => ({ endedAt: performance.now(), ok: true }),
    (error: unknown): Outcome => ({ endedAt: performance.now(), ok: false, note: String((error as Error)?.message ?? error).slice(0, 200) }),
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
  ]).then((children): Outcome => ({
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
    { id: 'runner-fast', label: 'verify-deployment, retry interval 1 s (backoff 1)', policies: fastPolicies, samples: [] },
    {
      id: 'runner-defaults',
      label: 'verify-deployment, check-type default retry policies (ecs-service-stable 5 s ×1.5 ≤15 s; alb-targets-healthy 10 s)',
      policies: defaultPolicies,
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
  const pollingAfterMs: number[] = [];

  for (let round = 1; round <= ROUNDS; round++) {
    await ctx.fixture.setUnhealthy();
    const running = new Map<ContenderResult['id'], Running>();
    running.set('runner-fast', await startRunner(ctx, fastFile));
    if (round <= DEFAULTS_ROUNDS) running.set('runner-defaults', await startRunner(ctx, defaultsFile));
    if (round <= WAITER_ROUNDS) {
      running.set('sdk-waiters', await startSdkWaiters(ctx));
      if (ctx.awsCli) running.set('aws-cli-waiters', await startAwsCliWaiters(ctx));
    }
    // The clock for T starts once every contender polls (the AWS CLI takes seconds to start under load).
    const started = performance.now();
    const polling = () => [...running.values()].every((run) => FIRST_POLL.every((action) => run.proxy.calls.some((call) => call.action === action)));
    while (!polling() && performance.now() - started < 30_000) await sleep(20);
    const pollingAt = performance.now();
    pollingAfterMs.push(pollingAt - started);
    await sleep(FLIP_AT_MS + jitterFor(round) * FLIP_JITTER_MS);
    const flipAt = performance.now();
    const flipAtWall = Date.now();
    await ctx.fixture.setHealthy();
    flipDurationsMs.push(performance.now() - flipAt);

    for (const [id, run] of running) {
      const outcome = await run.done;
      const counts = run.proxy.counts();
      const firstCall = run.proxy.calls[0]?.at ?? pollingAt;
      await run.proxy.stop();
      const contender = byId(id);
      const flipAfterFirstCallMs = flipAt - firstCall;
      contender.samples.push({
        round,
        latencyMs: outcome.endedAt - flipAt,
        ...(outcome.reportEndWall !== undefined ? { reportLatencyMs: outcome.reportEndWall - flipAtWall } : {}),
        flipAfterFirstCallMs,
        ...(contender.policies ? { boundMs: boundFor(contender.policies, flipAfterFirstCallMs) } : {}),
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

  return { flipAtMs: FLIP_AT_MS, flipJitterMs: FLIP_JITTER_MS, rounds: ROUNDS, flipDurationsMs, pollingAfterMs, contenders, simulated: simulate(fastPolicies, defaultPolicies) };
}

/**
 * The polling models for a flip drawn uniformly from a window (so no poller is favoured by a flip
 * that happens to land on its poll): the first minute, and minutes 1–10 (a slow rollout).
 */
function simulate(fastPolicies: DelayFn[], defaultPolicies: DelayFn[]): SimulatedRow[] {
  const random = seededRandom(20_240_601);
  const DRAWS = 2000;
  const windows: [number, number][] = [
    [0, 60_000],
    [60_000, 600_000],
  ];
  return windows.map(([fromMs, toMs]) => {
    const flips = Array.from({ length: DRAWS }, () => fromMs + random() * (toMs - fromMs));
    const stats = (latencies: number[]): [number, number] => [median(latencies), percentile(latencies, 95)];
    const all = (delays: DelayFn[]) => (flip: number) => Math.max(...delays.map((delay) => detectionDelay(flip, delay, random)));
    return {
      fromMs,
      toMs,
      fixed15s: stats(flips.map(all([fixedPoll(15_000), fixedPoll(15_000)]))),
      sdkWaiters: stats(flips.map(all([sdkWaiter(15, 600), sdkWaiter(15, 120)]))),
      runnerFast: stats(flips.map(all(fastPolicies))),
      runnerDefaults: stats(flips.map(all(defaultPolicies))),
    };
  });
}
