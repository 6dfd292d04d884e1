/**
 * The incident's sandbox for a test file: started once (beforeAll) in the healthy state with a 3 s
 * health-check interval, stopped in afterAll. Gate the suite with `requireTool(['moto', 'redis-server'])`.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { DEPLOYMENT_ALARM } from '../../scripts/sandbox/alb-metrics.js';
import { startSandbox, type Sandbox } from '../../scripts/sandbox/index.js';

export interface SandboxHandle {
  /** The running sandbox (read it inside hooks and tests). */
  readonly sandbox: Sandbox;
  /**
   * Waits until a logs window of `logWindowSeconds` holds no Redis error from an earlier state, and
   * the deployment alarm is OK (its period, METRICS_WINDOW_S, holds no slow request).
   */
  waitForCleanLogs(): Promise<void>;
}

export interface UseSandboxOptions {
  /** The scenario's log window (its `logWindow` var), seconds. */
  logWindowSeconds: number;
  /** Also point this process's SDK clients at the sandbox's emulator (in-process runs). */
  setProcessEnv?: boolean;
}

/** Starts the sandbox for the enclosing suite and waits until its target is healthy. */
export function useSandbox(options: UseSandboxOptions): SandboxHandle {
  let sandbox: Sandbox | undefined;
  let lastRedisError = 0;
  const savedEnv: Record<string, string | undefined> = {};
  beforeAll(async () => {
    sandbox = await startSandbox({
      state: 'healthy',
      healthCheckIntervalSeconds: 3,
      onLog: (line) => {
        if (line.includes('Redis connection failed')) lastRedisError = Date.now();
      },
    });
    if (options.setProcessEnv) {
      for (const [key, value] of Object.entries(sandbox.env)) {
        savedEnv[key] = process.env[key];
        process.env[key] = value;
      }
    }
    await sandbox.waitForTarget('healthy', 30_000);
  }, 90_000);
  afterAll(async () => {
    for (const [key, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await sandbox?.stop();
  }, 30_000);
  return {
    get sandbox() {
      if (!sandbox) throw new Error('useSandbox(): the sandbox is not started yet (read it inside a hook or a test)');
      return sandbox;
    },
    async waitForCleanLogs() {
      const wait = options.logWindowSeconds * 1000 + 1000 - (Date.now() - lastRedisError);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await sandbox!.waitForAlarm('OK', 30_000);
    },
  };
}

/**
 * The scenario's `metricsWindow` var in the sandbox tests: the deployment alarm's period, so that
 * the alarm being OK means the ALB metrics' window holds no slow request from an earlier state.
 */
export const METRICS_WINDOW_S = DEPLOYMENT_ALARM.periodSeconds;

/** The broken sandbox's verdict, check by check (scenarios/hokusai-api-development.yaml): the incident replayed. */
export const INCIDENT_STATUSES: Readonly<Record<string, string>> = {
  'service stable': 'passed',
  'task definition has HUGGINGFACE_API_KEY': 'passed',
  'tasks running': 'passed',
  'redis ingress from the API': 'failed',
  'elasticache available': 'passed',
  'no redis errors in logs': 'failed',
  'health latency': 'failed',
  'targets healthy': 'failed',
  'model 21 predict': 'passed',
  'deployment alarm': 'failed',
  'alb metrics': 'failed',
};

/** What the missing Redis ingress rule explains on the broken sandbox, in the scenario's order. */
export const INCIDENT_CONSEQUENCES = ['no redis errors in logs', 'health latency', 'targets healthy', 'deployment alarm', 'alb metrics'];
