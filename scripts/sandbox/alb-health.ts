/**
 * Plays the ALB's health checker: calls the target's health-check path with the target group's
 * timeout and interval, applies the healthy/unhealthy thresholds, and records the resulting state
 * in the emulator (scripts/moto/ext_elbv2.py reads it from a tag on the target group).
 */
import { AddTagsCommand, RemoveTagsCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { request } from 'undici';

export type TargetState = 'initial' | 'healthy' | 'unhealthy';

export interface HealthCheckSettings {
  path: string;
  timeoutMs: number;
  intervalMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

export interface AlbHealthCheckerOptions {
  elbv2: ElasticLoadBalancingV2Client;
  targetGroupArn: string;
  targetId: string;
  targetPort: number;
  /** Where the target really listens (the local model API). */
  baseUrl: string;
  settings: HealthCheckSettings;
  onChange?(state: TargetState, reason: string): void;
}

export interface AlbHealthChecker {
  state(): TargetState;
  /** Resolves when the target reaches `state` (or rejects after `timeoutMs`). */
  waitFor(state: TargetState, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

interface Probe {
  ok: boolean;
  reason: string;
  description: string;
}

async function probe(url: string, timeoutMs: number): Promise<Probe> {
  const started = performance.now();
  try {
    const res = await request(url, { signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await res.body.dump();
    if (performance.now() - started >= timeoutMs) return { ok: false, reason: 'Target.Timeout', description: 'Request timed out' };
    if (res.statusCode !== 200) {
      return { ok: false, reason: 'Target.ResponseCodeMismatch', description: `Health checks failed with these codes: [${res.statusCode}]` };
    }
    return { ok: true, reason: '', description: '' };
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError' || /timeout/i.test((error as Error).message)) {
      return { ok: false, reason: 'Target.Timeout', description: 'Request timed out' };
    }
    return { ok: false, reason: 'Target.FailedHealthChecks', description: 'Health checks failed' };
  }
}

export function startAlbHealthChecker(options: AlbHealthCheckerOptions): AlbHealthChecker {
  const { settings } = options;
  const tagKey = `moto:health:${options.targetId}:${options.targetPort}`;
  let state: TargetState = 'initial';
  let successes = 0;
  let failures = 0;
  let stopped = false;
  const waiters = new Set<() => void>();

  const record = async (next: TargetState, probeResult?: Probe) => {
    const { elbv2, targetGroupArn } = options;
    if (next === 'healthy') {
      await elbv2.send(new RemoveTagsCommand({ ResourceArns: [targetGroupArn], TagKeys: [tagKey] }));
    } else {
      const value = next === 'initial' ? 'initial|Elb.RegistrationInProgress|Target registration is in progress' : `unhealthy|${probeResult!.reason}|${probeResult!.description}`;
      await elbv2.send(new AddTagsCommand({ ResourceArns: [targetGroupArn], Tags: [{ Key: tagKey, Value: value }] }));
    }
    state = next;
    options.onChange?.(next, probeResult?.reason ?? '');
    for (const wake of waiters) wake();
  };

  const loop = async () => {
    await record('initial').catch(() => {});
    while (!stopped) {
      const started = Date.now();
      const result = await probe(`${options.baseUrl}${settings.path}`, settings.timeoutMs);
      if (stopped) break;
      if (result.ok) {
        successes++;
        failures = 0;
        if (state !== 'healthy' && successes >= settings.healthyThreshold) await record('healthy').catch(() => {});
      } else {
        failures++;
        successes = 0;
        if (failures >= settings.unhealthyThreshold) {
          if (state !== 'unhealthy') await record('unhealthy', result).catch(() => {});
        }
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, settings.intervalMs - (Date.now() - started)));
        stopWaits.add(() => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
  };
  const stopWaits = new Set<() => void>();
  const running = loop();

  return {
    state: () => state,
    waitFor(target, timeoutMs) {
      return new Promise((resolve, reject) => {
        if (state === target) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`target did not become ${target} within ${timeoutMs} ms (it is ${state})`));
        }, timeoutMs);
        const check = () => {
          if (state !== target) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    async stop() {
      stopped = true;
      for (const wake of stopWaits) wake();
      await running;
    },
  };
}
