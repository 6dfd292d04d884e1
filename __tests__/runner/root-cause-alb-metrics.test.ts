/**
 * The zero-config chain's `alb-metrics` is explained by the same causes as its `http` check: a
 * failed rollout, stopped tasks, a missing secret, errors in the logs, an unreachable dependency.
 * A breach is their consequence; an alb-metrics failure with no breach (no data) is nobody's.
 */
import { describe, expect, it } from '@jest/globals';
import { checkTypes } from '../../checks/index.js';
import type { CheckReport, RunReport } from '../../runner/result.js';
import { analyzeRootCause } from '../../runner/root-cause.js';

function definitive(name: string, type: string, facts: Record<string, unknown> = {}, status: CheckReport['status'] = 'failed'): CheckReport {
  return { name, type, status, attempts: 1, durationMs: 1, message: `${name} ${status}`, observations: [], details: {}, flaky: false, description: name, facts, lastOutcome: status === 'passed' ? 'pass' : 'fail' };
}

function report(checks: CheckReport[]): RunReport {
  return { version: 1, scenario: 's', file: 's.yaml', status: 'failed', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, summary: { passed: 0, failed: 0, errored: 0, skipped: 0 }, checks };
}

const breach = (...breached: string[]) => definitive('ALB 5xx rate', 'alb-metrics', { breached, requests: 300, errors5xx: 30 });

describe('causes of a failing service explain an ALB breach', () => {
  it.each([
    ['a failed rollout', 'ecs-deployment', {}, '5xx'],
    ['a service that is not stable', 'ecs-service-stable', {}, '5xx'],
    ['stopped tasks', 'ecs-task-running', {}, 'unhealthy'],
    ['a task definition without its configuration', 'ecs-task-definition', {}, '5xx'],
    ['errors in the logs', 'logs-absent', { logMatches: 12 }, 'latency'],
    ['a Redis that does not answer', 'redis-ping', {}, '5xx'],
    ['a missing security-group rule', 'sg-ingress', { missingRule: true }, 'latency'],
    ['an unavailable cache', 'elasticache-available', {}, '5xx'],
  ])('%s (%s) is the cause; the %s breach its consequence', (_, type, facts, kind) => {
    const cause = analyzeRootCause(report([definitive('cause', type, facts), breach(kind)]), checkTypes);
    expect(cause).toMatchObject({ check: 'cause', consequences: ['ALB 5xx rate'], independent: false });
  });

  it.each([
    ['no breach (failed by noData: fail)', 'ecs-deployment', {}, []],
    ['log errors with an unhealthy-hosts breach only', 'logs-absent', { logMatches: 3 }, ['unhealthy']],
    ['a logs-absent failure that found no events', 'logs-absent', {}, ['5xx']],
  ])('%s: independent failures, not one cause', (_, type, facts, breached) => {
    const cause = analyzeRootCause(report([definitive('cause', type, facts), breach(...breached)]), checkTypes);
    expect(cause?.independent).toBe(true);
  });

  it('every check type that explains an http failure also explains an alb-metrics breach (the same causes)', () => {
    // alb-metrics explains http itself; a firing alarm is explained BY the breach (a relation back would be a cycle).
    const explainsHttp = checkTypes.filter((t) => !['alb-metrics', 'cloudwatch-alarms'].includes(t.type) && (t.explains ?? []).some((r) => r.effect === 'http'));
    expect(explainsHttp.length).toBeGreaterThan(5);
    expect(explainsHttp.filter((t) => !(t.explains ?? []).some((r) => r.effect === 'alb-metrics')).map((t) => t.type)).toEqual([]);
  });
});
