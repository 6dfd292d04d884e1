/**
 * A local twin of the incident's environment on 127.0.0.1: the AWS emulator holding the incident's
 * resources, a real redis-server behind a security-group-aware gate, the model API shipping its logs
 * to the emulator, and an ALB stand-in recording target health. `break`/`fix` only change emulated
 * AWS resources; the moving parts read them, so nothing restarts.
 */
import { randomBytes } from 'node:crypto';
import { sandboxAwsEnv, sandboxClients, type SandboxClients } from './aws.js';
import { startAlbHealthChecker, type AlbHealthChecker, type TargetState } from './alb-health.js';
import { INCIDENT } from './incident.js';
import { startLogShipper, type LogShipper } from './log-shipper.js';
import { startModelApi, type ModelApi } from './model-api.js';
import { createIncidentResources, HEALTH_CHECK, type SandboxResources } from './resources.js';
import { pinEcsTaskStates, startMotoServer, startRedisServer, type MotoService, type RedisService } from './services.js';
import { startSgGate, type SgGate } from './sg-gate.js';
import { applyState, currentState, deploy, findApiToRedisRule, runningDeployment, type SandboxState } from './states.js';

export interface SandboxOptions {
  state?: SandboxState;
  /** Overrides the target group's health-check interval (tests use a shorter one). */
  healthCheckIntervalSeconds?: number;
  /** Each log line of the model API, as it is shipped. */
  onLog?(line: string): void;
  onTargetState?(state: TargetState, reason: string): void;
}

export interface Sandbox {
  motoEndpoint: string;
  apiUrl: string;
  redisPort: number;
  apiKey: string;
  resources: SandboxResources;
  /** Environment for a verify-deployment run against the sandbox (AWS endpoint + API key). */
  env: Record<string, string>;
  /** `--var` values that point scenarios/hokusai-api-development.yaml at the sandbox. */
  vars: Record<string, string>;
  aws: SandboxClients;
  setState(state: SandboxState): Promise<void>;
  /** A new deployment of the task definition the service runs now (a fresh `sinceDeployment` window). */
  redeploy(): Promise<void>;
  state(): Promise<SandboxState>;
  targetState(): TargetState;
  waitForTarget(state: TargetState, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const cleanup: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const step of cleanup.splice(0).reverse()) await Promise.resolve(step()).catch(() => {});
  };
  try {
    const [moto, redis]: [MotoService, RedisService] = await Promise.all([startMotoServer(), startRedisServer()]);
    cleanup.push(() => moto.stop(), () => redis.stop());
    await pinEcsTaskStates(moto.endpoint);
    const aws = sandboxClients(moto.endpoint);
    cleanup.push(() => aws.destroy());

    const redisUrl = `redis://master.${INCIDENT.replicationGroupId}.lenvj6.use1.cache.amazonaws.com:${INCIDENT.redisPort}`;
    const resources = await createIncidentResources(aws, redisUrl, { healthCheckIntervalSeconds: options.healthCheckIntervalSeconds });

    const gate: SgGate = await startSgGate({ redisPort: redis.port, isAllowed: async () => Boolean(await findApiToRedisRule(aws)) });
    cleanup.push(() => gate.close());

    const logger: LogShipper = await startLogShipper(aws.logs, INCIDENT.logGroup, `ecs/${INCIDENT.container}/sandbox-task`, options.onLog);
    cleanup.push(() => logger.close());

    let tokenCache: { value: boolean; at: number } | undefined;
    const apiKey = `hk_sandbox_${randomBytes(12).toString('hex')}`;
    const api: ModelApi = await startModelApi({
      redisHost: '127.0.0.1',
      redisPort: gate.port,
      apiKey,
      logger,
      hasHuggingFaceToken: async () => {
        if (!tokenCache || Date.now() - tokenCache.at > 500) {
          const deployment = await runningDeployment(aws);
          tokenCache = { value: deployment.taskDefinition === resources.taskDefinitionWithSecret, at: Date.now() };
        }
        return tokenCache.value;
      },
    });
    cleanup.push(() => api.close());

    await applyState(aws, resources, options.state ?? 'healthy');

    const checker: AlbHealthChecker = startAlbHealthChecker({
      elbv2: aws.elbv2,
      targetGroupArn: resources.targetGroupArn,
      targetId: INCIDENT.targetIp,
      targetPort: INCIDENT.containerPort,
      baseUrl: api.url,
      settings: resources.healthCheck,
      onChange: options.onTargetState,
    });
    cleanup.push(() => checker.stop());

    return {
      motoEndpoint: moto.endpoint,
      apiUrl: api.url,
      redisPort: redis.port,
      apiKey,
      resources,
      aws,
      env: { ...sandboxAwsEnv(moto.endpoint), HOKUSAI_API_KEY: apiKey },
      vars: { baseUrl: api.url },
      setState: (state) => {
        tokenCache = undefined;
        return applyState(aws, resources, state);
      },
      state: () => currentState(aws, resources),
      redeploy: async () => {
        const current = await runningDeployment(aws);
        await deploy(aws, resources, current.taskDefinition ?? resources.taskDefinitionWithSecret);
      },
      targetState: () => checker.state(),
      waitForTarget: (state, timeoutMs) => checker.waitFor(state, timeoutMs),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export { HEALTH_CHECK, INCIDENT };
export type { SandboxState, TargetState };
