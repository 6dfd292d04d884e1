/**
 * Cause→effect relations several check types share, for the root-cause report. Conditions look
 * only at what the checks observed (their facts and messages), never at names.
 */
import type { CauseRelation, FailureView } from '../types.js';

/** An HTTP check that saw the service hang or answer slowly (not one that got a wrong answer). */
export function httpTimedOutOrSlow(effect: FailureView): boolean {
  const { latencyMs, maxLatencyMs, networkError, attemptTimedOut } = effect.facts as { latencyMs?: number; maxLatencyMs?: number; networkError?: string; attemptTimedOut?: boolean };
  // No answer came (refused, reset, timed out in a phase: the http check's networkError), or the
  // runner cut the attempt at its timeout before the check could say which phase hung.
  if (networkError !== undefined || attemptTimedOut === true) return true;
  return typeof latencyMs === 'number' && typeof maxLatencyMs === 'number' && latencyMs > maxLatencyMs;
}

/** An HTTP check that got a server error back. */
export function httpServerError(effect: FailureView): boolean {
  const { status } = effect.facts as { status?: number };
  return typeof status === 'number' && status >= 500;
}

/** The kinds of breach an `alb-metrics` check reports in its `breached` fact. */
export type AlbBreach = '5xx' | 'latency' | 'unhealthy';

/**
 * An `alb-metrics` check that saw one of these breaches (not one that found no data): what the
 * causes of a failing or slow service explain, as they explain the `http` check's 5xx and timeouts.
 */
export function albBreached(effect: FailureView, ...kinds: AlbBreach[]): boolean {
  return ((effect.facts.breached as string[] | undefined) ?? []).some((b) => (kinds as string[]).includes(b));
}

/** What an unreachable dependency (Redis behind a blocked SG, a cache that is down) shows up as. */
export function dependencyUnreachableEffects(what: string): CauseRelation[] {
  return [
    { effect: 'redis-ping', because: `${what}: connections to Redis cannot succeed` },
    { effect: 'logs-absent', because: `${what}: the service logs connection errors` },
    { effect: 'http', because: `${what}: requests wait on the dependency until it times out`, when: (_, effect) => httpTimedOutOrSlow(effect) },
    { effect: 'alb-targets-healthy', because: `${what}: slow health checks make the load balancer mark targets unhealthy` },
    {
      effect: 'alb-metrics',
      because: `${what}: requests fail or wait on the dependency, so the load balancer sees 5xx and slow answers`,
      when: (_, effect) => albBreached(effect, '5xx', 'latency'),
    },
    { effect: 'cloudwatch-alarms', because: `${what}: the service's alarms fire on its errors and latency`, when: (_, effect) => ((effect.facts.inAlarm as string[] | undefined) ?? []).length > 0 },
  ];
}
