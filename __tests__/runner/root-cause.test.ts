import { describe, expect, it } from '@jest/globals';
import { checkTypes } from '../../checks/index.js';
import type { CheckReport, RunReport } from '../../runner/result.js';
import { analyzeRootCause, explanations } from '../../runner/root-cause.js';

function check(name: string, type: string, status: CheckReport['status'], facts: Record<string, unknown> = {}, extra: Partial<CheckReport> = {}): CheckReport {
  return { name, type, status, attempts: 1, durationMs: 1, message: `${name} ${status}`, observations: [], details: {}, flaky: false, description: name, facts, ...extra };
}

function report(checks: CheckReport[]): RunReport {
  return { version: 1, scenario: 's', file: 's.yaml', status: 'failed', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, summary: { passed: 0, failed: 0, errored: 0, skipped: 0 }, checks };
}

const sgFix = { summary: 'add the rule', command: 'aws ec2 authorize-security-group-ingress --group-id sg-1 --protocol tcp --port 6379 --source-group sg-2' };

describe('analyzeRootCause with the shipped check types', () => {
  it('names the missing SG rule as the cause of Redis errors, slow /health and Target.Timeout', () => {
    const cause = analyzeRootCause(
      report([
        check('service stable', 'ecs-service-stable', 'passed'),
        check('redis ingress', 'sg-ingress', 'failed', { missingRule: true, port: 6379 }, { fix: sgFix }),
        check('no redis errors', 'logs-absent', 'failed', { logMatches: 4 }),
        check('health latency', 'http', 'failed', { status: 200, latencyMs: 2010, maxLatencyMs: 1000 }),
        check('targets healthy', 'alb-targets-healthy', 'failed', { targetTimeout: true }),
        check('predict', 'http', 'passed', { status: 200 }),
      ]),
      checkTypes,
    );
    expect(cause?.check).toBe('redis ingress');
    expect(cause?.consequences).toEqual(['no redis errors', 'health latency', 'targets healthy']);
    expect(cause?.fix).toEqual(sgFix);
    expect(cause?.otherCauses).toBeUndefined();
    expect(cause?.explanations?.some((line) => line.startsWith('targets healthy:'))).toBe(true);
  });

  it('does not blame the SG rule for an HTTP 500 with a fast answer: that is an independent cause', () => {
    const cause = analyzeRootCause(
      report([
        check('task definition', 'ecs-task-definition', 'failed'),
        check('redis ingress', 'sg-ingress', 'failed', { missingRule: true }),
        check('no redis errors', 'logs-absent', 'failed'),
        check('health latency', 'http', 'failed', { status: 200, latencyMs: 2010, maxLatencyMs: 1000 }),
        check('predict', 'http', 'failed', { status: 500, latencyMs: 12 }),
      ]),
      checkTypes,
    );
    expect(cause?.check).toBe('redis ingress');
    expect(cause?.consequences).toEqual(['no redis errors', 'health latency']);
    expect(cause?.otherCauses).toEqual([{ check: 'task definition', reason: 'task definition failed', consequences: ['predict'] }]);
  });

  it('a missing secret explains a 500 from the endpoint that needs it', () => {
    const cause = analyzeRootCause(
      report([check('task definition', 'ecs-task-definition', 'failed'), check('predict', 'http', 'failed', { status: 500 })]),
      checkTypes,
    );
    expect(cause).toMatchObject({ check: 'task definition', consequences: ['predict'] });
  });

  it('counts checks skipped because of a failed need as consequences, transitively', () => {
    const cause = analyzeRootCause(
      report([
        check('stable', 'ecs-service-stable', 'failed'),
        check('tasks', 'ecs-task-running', 'skipped', {}, { skipReason: 'needs "stable", which failed' }),
        check('health', 'http', 'skipped', {}, { skipReason: 'needs "tasks", which was skipped' }),
      ]),
      checkTypes,
    );
    expect(cause).toMatchObject({ check: 'stable', consequences: ['tasks', 'health'] });
  });

  it('returns nothing when every check passed, and a lone failure is its own cause', () => {
    expect(analyzeRootCause(report([check('a', 'http', 'passed')]), checkTypes)).toBeUndefined();
    expect(analyzeRootCause(report([check('a', 'http', 'failed', { status: 503 })]), checkTypes)).toMatchObject({ check: 'a', consequences: [] });
  });

  it('treats errored checks as failures a cause can explain', () => {
    const edges = explanations(
      report([check('redis ingress', 'sg-ingress', 'failed'), check('targets', 'alb-targets-healthy', 'error')]),
      (type) => checkTypes.find((c) => c.type === type)?.explains ?? [],
    );
    expect(edges).toEqual([{ cause: 'redis ingress', effect: 'targets', because: expect.stringContaining('unhealthy') }]);
  });

  it('still names a cause when relations form a cycle', () => {
    const relations = { a: [{ effect: 'b', because: 'x' }], b: [{ effect: 'a', because: 'y' }] } as const;
    const types = (['a', 'b'] as const).map((type) => ({ type, explains: relations[type] })) as never;
    const cause = analyzeRootCause(report([check('first', 'a', 'failed'), check('second', 'b', 'failed')]), types);
    expect(cause?.check).toBe('first');
  });
});

describe('HTTP → ALB relation', () => {
  it('blames failing targets on an HTTP failure only when it probed the health-check path', () => {
    const types = checkTypes;
    const base = [
      check('task definition', 'ecs-task-definition', 'failed'),
      check('redis ingress', 'sg-ingress', 'failed'),
      check('targets', 'alb-targets-healthy', 'failed', { targetTimeout: true, healthCheckPaths: ['/health'] }),
    ];
    const predict = check('predict', 'http', 'failed', { url: 'http://x/api/v1/models/21/predict', status: 500, latencyMs: 10 });
    const health = check('health', 'http', 'failed', { url: 'http://x/health', status: 200, latencyMs: 2000, maxLatencyMs: 1000 });
    const cause = analyzeRootCause(report([...base, health, predict]), types);
    expect(cause?.check).toBe('redis ingress');
    expect(cause?.consequences).toEqual(['targets', 'health']);
    expect(cause?.otherCauses).toEqual([{ check: 'task definition', reason: 'task definition failed', consequences: ['predict'] }]);
  });
});
