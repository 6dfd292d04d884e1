/**
 * A local twin of the incident's environment on 127.0.0.1: the AWS emulator holding the incident's
 * resources, a real redis-server behind a security-group-aware gate, the model API shipping its logs
 * to the emulator, and an ALB stand-in recording target health. `break`/`fix` only change emulated
 * AWS resources; the moving parts read them, so nothing restarts.
 *
 * Start-up is on the demo's critical path: the emulator and redis-server are spawned first, and the
 * AWS SDK (~1-2 s to load) is imported while the emulator boots.
 */
import { randomBytes } from 'node:crypto';
import type { AlbHealthChecker, AlbHealthCheckerOptions, TargetState } from './alb-health.js';
import type { AlarmState, AlbMetrics, ServedRequest } from './alb-metrics.js';
import type { LogShipper } from './log-shipper.js';
import type { SandboxClients } from './aws.js';
import { HEALTH_CHECK, INCIDENT } from './incident.js';
import type { ProcessRecord } from './processes.js';
import type { SandboxResources } from './resources.js';
import type { SandboxRollout } from './rollout.js';
import { MissingTool, startMotoServer, startRedisServer, type MotoService, type RedisService } from './services.js';
import type { SandboxState } from './states.js';

export interface SandboxOptions {
  state?: SandboxState;
  /** Overrides the target group's health-check interval (tests use a shorter one). */
  healthCheckIntervalSeconds?: number;
  /** Each log line of the model API, as it is shipped. */
  onLog?(line: string): void;
  onTargetState?(state: TargetState, reason: string): void;
  /** Each change of the deployment alarm's state, with its StateReason. */
  onAlarm?(state: AlarmState, reason: string): void;
  /** Each child process (moto, redis-server) as soon as it is spawned, for a state file. */
  onChild?(record: ProcessRecord): void;
  /** Abandons the start-up: what started is stopped and the promise rejects. */
  signal?: AbortSignal;
}

export interface Sandbox {
  motoEndpoint: string;
  apiUrl: string;
  redisPort: number;
  apiKey: string;
  resources: SandboxResources;
  /** The emulator and redis-server processes. */
  children: ProcessRecord[];
  /** Environment for a verify-deployment run against the sandbox (AWS endpoint + API key). */
  env: Record<string, string>;
  /** `--var` values that point scenarios/hokusai-api-development.yaml at the sandbox. */
  vars: Record<string, string>;
  aws: SandboxClients;
  setState(state: SandboxState): Promise<void>;
  /**
   * A blue/green rollout of a new task definition revision, paused at a PAUSE hook awaiting action
   * at `stage` (default POST_TEST_TRAFFIC_SHIFT); see rollout.ts.
   */
  rollout(options?: { stage?: string }): Promise<SandboxRollout>;
  /** What the emulator recorded of ContinueServiceDeployment on the newest rollout (`<action>|<hookId>`). */
  recordedContinue(serviceArn: string): Promise<string | undefined>;
  /** A new deployment of the task definition the service runs now (a fresh `sinceDeployment` window). */
  redeploy(): Promise<void>;
  state(): Promise<SandboxState>;
  targetState(): TargetState;
  /** Resolves once the ALB stand-in records `state`; rejects after `timeoutMs` or on `signal`. */
  waitForTarget(state: TargetState, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** The deployment alarm's state as the sandbox last set it (see alb-metrics.ts). */
  alarmState(): AlarmState | undefined;
  /** Resolves once the deployment alarm is in `state`; rejects after `timeoutMs` or on `signal`. */
  waitForAlarm(state: AlarmState, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/** Whether the API can reach Redis in `state` (the ingress rule exists). */
const redisReachable = (state: SandboxState) => state === 'healthy' || state === 'missing-secret';

/**
 * Where the ALB stand-in starts: the state the incident was found in, not a fresh registration.
 * A target whose /health waits on an unreachable Redis has long been `unhealthy (Target.Timeout)`.
 */
function targetStart(state: SandboxState): AlbHealthCheckerOptions['start'] {
  return redisReachable(state) ? { state: 'healthy' } : { state: 'unhealthy', reason: 'Target.Timeout', description: 'Request timed out' };
}

/**
 * Starts the sandbox in `options.state` (default healthy). Children run in their own process
 * groups and are stopped by `stop()`, or on this process's exit (see processes.ts).
 * Throws `MissingTool` (one line per missing tool) when moto or redis-server is not installed, an
 * Error when one does not start, and the signal's reason when `signal` aborts.
 */
// ~70 lines: one linear start-up in which each step registers its own cleanup before the next can
// fail; the parts with logic of their own (startModel, startTargetHealth) are split out.
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const cleanup: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    // Stopped together: nothing here depends on another part being up while it stops.
    await Promise.all(cleanup.splice(0).reverse().map((step) => Promise.resolve().then(step).catch(() => {})));
  };
  const checkpoint = () => options.signal?.throwIfAborted();
  const spawnOptions = { processGroup: true, onSpawn: options.onChild, signal: options.signal };
  const state = options.state ?? 'healthy';
  const started = [
    startMotoServer({}, { ...spawnOptions, stopGraceMs: 150 }).then((moto) => (cleanup.push(() => moto.stop()), moto)),
    startRedisServer({}, spawnOptions).then((redis) => (cleanup.push(() => redis.stop()), redis)),
  ] as const;
  try {
    const [parts, moto, redis]: [Parts, MotoService, RedisService] = await Promise.all([loadParts(), ...started]);
    checkpoint();
    await parts.pinEcsTaskStates(moto.endpoint);
    const aws = parts.sandboxClients(moto.endpoint);
    cleanup.push(() => aws.destroy());
    const resources = await parts.createIncidentResources(aws, { healthCheckIntervalSeconds: options.healthCheckIntervalSeconds });
    checkpoint();

    const [gate, logger] = await Promise.all([
      parts.startSgGate({ redisPort: redis.port, isAllowed: async () => Boolean(await parts.findApiToRedisRule(aws)) }),
      parts.startLogShipper(aws.logs, INCIDENT.logGroup, `ecs/${INCIDENT.container}/sandbox-task`, options.onLog),
      parts.applyState(aws, resources, state),
    ]);
    cleanup.push(() => gate.close(), () => logger.close());
    let checker: AlbHealthChecker | undefined;
    const metrics = startMetrics(parts, { aws, resources, state, hosts: () => checker?.state() ?? targetStart(state)!.state, onAlarm: options.onAlarm });
    const model = await startModel(parts, aws, resources, gate.port, logger, metrics);
    cleanup.push(() => model.api.close());
    checkpoint();

    checker = startTargetHealth(parts, { aws, resources, apiUrl: model.api.url, logger, state, onChange: options.onTargetState });
    // Stopped first (cleanup runs in reverse): its probes call the model API and the emulator.
    cleanup.push(() => checker!.stop(), () => metrics.stop());
    // Returned once the emulator shows the target's starting state, the log and metric history is
    // published and the deployment alarm has its state.
    await Promise.all([checker.waitFor(targetStart(state)!.state, 5_000), logger.flush(), metrics.start(servedHistory(state, resources.healthCheck))]);

    return {
      motoEndpoint: moto.endpoint,
      apiUrl: model.api.url,
      redisPort: redis.port,
      apiKey: model.apiKey,
      resources,
      children: [moto.process, redis.process],
      aws,
      env: { ...parts.sandboxAwsEnv(moto.endpoint), HOKUSAI_API_KEY: model.apiKey },
      vars: { baseUrl: model.api.url },
      setState: (next) => {
        model.forgetToken();
        return parts.applyState(aws, resources, next);
      },
      state: () => parts.currentState(aws, resources),
      redeploy: async () => {
        const current = await parts.runningDeployment(aws);
        await parts.deploy(aws, resources, current.taskDefinition ?? resources.taskDefinitionWithSecret);
      },
      rollout: (rolloutOptions) => parts.startRollout(aws, resources, rolloutOptions),
      recordedContinue: (serviceArn) => parts.recordedContinue(aws, serviceArn),
      targetState: () => checker.state(),
      waitForTarget: (target, timeoutMs, signal) => checker.waitFor(target, timeoutMs, signal),
      alarmState: () => metrics.alarmState(),
      waitForAlarm: (alarm, timeoutMs, signal) => metrics.waitForAlarm(alarm, timeoutMs, signal),
      stop,
    };
  } catch (error) {
    // A child that failed to start is stopped by its own start function; stop the others.
    const outcomes = await Promise.allSettled(started);
    await stop();
    // Name every missing tool at once, not one per attempt.
    const missing = outcomes.flatMap((o) => (o.status === 'rejected' && o.reason instanceof MissingTool ? [o.reason.message] : []));
    if (missing.length > 0) throw new MissingTool(missing.join('\n'));
    throw error;
  }
}

/** The model API, with a fresh API key; whether it has the secret is read from the emulator (cached 500 ms). */
// The model API gets the local redis-server (behind the security-group gate) as its own
// host/port options, not from the task definition's REDIS_URL, which names the emulated group.
async function startModel(parts: Parts, aws: SandboxClients, resources: SandboxResources, redisPort: number, logger: LogShipper, metrics: AlbMetrics) {
  let tokenCache: { value: boolean; at: number } | undefined;
  const apiKey = `hk_sandbox_${randomBytes(12).toString('hex')}`;
  const api = await parts.startModelApi({
    redisHost: '127.0.0.1',
    redisPort,
    apiKey,
    logger,
    onServed: (status, durationMs) => metrics.record({ status, durationMs }),
    hasHuggingFaceToken: async () => {
      if (!tokenCache || Date.now() - tokenCache.at > 500) {
        const deployment = await parts.runningDeployment(aws);
        tokenCache = { value: parts.hasSecret(resources, deployment.taskDefinition), at: Date.now() };
      }
      return tokenCache.value;
    },
  });
  return { api, apiKey, forgetToken: () => (tokenCache = undefined) };
}

/**
 * The ALB stand-in, starting from the target state `state` implies. A target found unhealthy has
 * the failed health checks that made it so in its log group, as it had when the team looked.
 */
function startTargetHealth(
  parts: Parts,
  o: { aws: SandboxClients; resources: SandboxResources; apiUrl: string; logger: LogShipper; state: SandboxState; onChange?: SandboxOptions['onTargetState'] },
): AlbHealthChecker {
  const start = targetStart(o.state);
  if (start?.state === 'unhealthy') {
    const { intervalMs, timeoutMs, unhealthyThreshold } = o.resources.healthCheck;
    for (const entry of parts.failedHealthCheckHistory(unhealthyThreshold, intervalMs, timeoutMs)) o.logger.logAt(entry.time, entry.level, entry.line);
  }
  return parts.startAlbHealthChecker({
    elbv2: o.aws.elbv2,
    targetGroupArn: o.resources.targetGroupArn,
    targetId: INCIDENT.targetIp,
    targetPort: INCIDENT.containerPort,
    baseUrl: o.apiUrl,
    settings: o.resources.healthCheck,
    start,
    onChange: o.onChange,
  });
}

/** How long the history of ALB metrics the sandbox starts with reaches back. */
const METRICS_HISTORY_MS = 5 * 60_000;

/**
 * The requests the target served before the sandbox started, as found: one health check every
 * interval, each waiting the Redis timeout when Redis is unreachable in `state`, else a few ms.
 */
export function servedHistory(state: SandboxState, healthCheck: { intervalMs: number; timeoutMs: number }, now = Date.now()): ServedRequest[] {
  const durationMs = redisReachable(state) ? 4 : healthCheck.timeoutMs + 6;
  const history: ServedRequest[] = [];
  for (let at = now - METRICS_HISTORY_MS; at < now; at += healthCheck.intervalMs) history.push({ status: 200, durationMs, at });
  return history;
}

/**
 * The ALB-like metrics (AWS/ApplicationELB, the load balancer's and target group's dimensions) and
 * the deployment alarm; `hosts` is the health checker's current view of the one target.
 */
function startMetrics(
  parts: Parts,
  o: { aws: SandboxClients; resources: SandboxResources; state: SandboxState; hosts: () => TargetState; onAlarm?: SandboxOptions['onAlarm'] },
): AlbMetrics {
  const tail = (arn: string) => /:(?:loadbalancer\/)?((?:app|targetgroup)\/[^/]+\/[^/]+)$/.exec(arn)?.[1] ?? arn;
  return parts.createAlbMetrics({
    cloudwatch: o.aws.cloudwatch,
    loadBalancer: tail(o.resources.loadBalancerArn),
    targetGroup: tail(o.resources.targetGroupArn),
    alarmName: o.resources.alarmName,
    hosts: () => ({ healthy: o.hosts() === 'healthy' ? 1 : 0, unhealthy: o.hosts() === 'unhealthy' ? 1 : 0 }),
    onAlarm: o.onAlarm,
  });
}

type Parts = Awaited<ReturnType<typeof loadParts>>;

/** The parts that load the AWS SDK, imported while the emulator starts. */
const loadParts = () => import('./parts.js');

export { HEALTH_CHECK, INCIDENT };
export type { SandboxRollout, SandboxState, TargetState };
