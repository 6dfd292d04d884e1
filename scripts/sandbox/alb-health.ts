/**
 * Plays the ALB's health checker: calls the target's health-check path with the target group's
 * timeout and interval, applies the healthy/unhealthy thresholds, and records the resulting state
 * in the emulator (scripts/moto/ext_elbv2.py reads it from a tag on the target group).
 */
import { AddTagsCommand, RemoveTagsCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { request } from 'undici';
import { timeoutSignal } from '../../checks/support/abort.js';

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
  /**
   * Where the target starts: `initial` (just registered, the default) or the state a running
   * target has reached — `unhealthy` with the probe result that made it so, or `healthy` — as if
   * the thresholds had already been crossed. Probing goes on from there at once.
   */
  start?: { state: 'initial' } | { state: 'healthy' } | { state: 'unhealthy'; reason: string; description: string };
  onChange?(state: TargetState, reason: string): void;
}

export interface AlbHealthChecker {
  state(): TargetState;
  /** Resolves when the target reaches `state`; rejects after `timeoutMs` or when `signal` aborts. */
  waitFor(state: TargetState, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

interface Probe {
  ok: boolean;
  reason: string;
  description: string;
}

async function probe(url: string, timeoutMs: number, stopped: AbortSignal): Promise<Probe> {
  const started = performance.now();
  try {
    const signal = timeoutSignal(timeoutMs, stopped);
    const res = await request(url, { signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
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
  const start = options.start ?? { state: 'initial' };
  let state: TargetState = 'initial';
  let successes = start.state === 'healthy' ? settings.healthyThreshold : 0;
  let failures = start.state === 'unhealthy' ? settings.unhealthyThreshold : 0;
  const stop = new AbortController();
  const waiters = new Set<() => void>();

  const record = async (next: TargetState, probeResult?: Pick<Probe, 'reason' | 'description'>) => {
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

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const onStop = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => (stop.signal.removeEventListener('abort', onStop), resolve()), ms);
      stop.signal.addEventListener('abort', onStop, { once: true });
    });

  const loop = async () => {
    await record(start.state, start.state === 'unhealthy' ? start : undefined).catch(() => {});
    while (!stop.signal.aborted) {
      const started = Date.now();
      const result = await probe(`${options.baseUrl}${settings.path}`, settings.timeoutMs, stop.signal);
      if (stop.signal.aborted) break;
      if (result.ok) {
        successes++;
        failures = 0;
        if (state !== 'healthy' && successes >= settings.healthyThreshold) await record('healthy').catch(() => {});
      } else {
        failures++;
        successes = 0;
        if (failures >= settings.unhealthyThreshold && state !== 'unhealthy') await record('unhealthy', result).catch(() => {});
      }
      await pause(Math.max(0, settings.intervalMs - (Date.now() - started)));
    }
  };
  const running = loop();

  return {
    state: () => state,
    waitFor(target, timeoutMs, signal) {
      return new Promise((resolve, reject) => {
        if (state === target) return resolve();
        if (signal?.aborted) return reject(new Error(`stopped waiting for the target to become ${target}`));
        const done = (error?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        };
        const timer = setTimeout(() => done(new Error(`target did not become ${target} within ${timeoutMs} ms (it is ${state})`)), timeoutMs);
        const check = () => {
          if (state === target) done();
        };
        const onAbort = () => done(new Error(`stopped waiting for the target to become ${target}`));
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.add(check);
      });
    },
    async stop() {
      stop.abort();
      await running;
    },
  };
}
