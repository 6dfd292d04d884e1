/**
 * Past evidence never cuts another check's retries (CheckType.evidence): a failure on log events,
 * metric datapoints or an alarm's last evaluation may describe a state already fixed, so the checks
 * it explains keep their own budgets; a failure about the present state (a missing rule) still cuts.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import { checkTypes } from '../../checks/index.js';
import type { CheckType } from '../../checks/types.js';
import { cutsRetries, ExplanationRegistry } from '../../runner/explained.js';
import type { CheckReport, RunReport } from '../../runner/result.js';
import { runScenario } from '../../runner/run.js';
import { fakeCalls, fakeCheck, resetFakes, scenarioFrom } from '../support/fake-checks.js';

/** Every shipped check type, and whether its `fail` is about the present state or a window of the past. */
const EVIDENCE: Record<string, 'state' | 'window'> = {
  'alb-metrics': 'window',
  'alb-targets-healthy': 'state',
  'cloudwatch-alarms': 'window',
  'cloudwatch-metric': 'window',
  'ecs-deployment': 'state',
  'ecs-service-stable': 'state',
  'ecs-task-definition': 'state',
  'ecs-task-running': 'state',
  'elasticache-available': 'state',
  exec: 'state',
  http: 'state',
  'logs-absent': 'window',
  'logs-present': 'window',
  'rds-available': 'state',
  'redis-ping': 'state',
  'sg-ingress': 'state',
  'terraform-drift': 'state',
};

const typeOf = (type: string): CheckType => {
  const found = checkTypes.find((t) => t.type === type);
  if (!found) throw new Error(`no check type ${type}`);
  return found;
};

/** A finished check that failed on a definitive `fail` attempt. */
function definitive(name: string, type: string, facts: Record<string, unknown> = {}): CheckReport {
  return { name, type, status: 'failed', lastOutcome: 'fail', message: `${name} failed`, facts, attempts: 1, durationMs: 5, observations: [] } as unknown as CheckReport;
}

describe('which check types may cut the retries of the checks they explain', () => {
  it('the table names every shipped check type', () => {
    expect(checkTypes.map((t) => t.type).sort()).toEqual(Object.keys(EVIDENCE).sort());
  });

  it.each(Object.entries(EVIDENCE))('%s: evidence %s', (type, evidence) => {
    const checkType = typeOf(type);
    // Declared on every shipped type, not left to the default.
    expect(checkType.evidence).toBe(evidence);
    expect(cutsRetries(checkType)).toBe(evidence === 'state');
  });

  it('a check type that declares nothing is about the present state (the default)', () => {
    expect(cutsRetries({})).toBe(true);
  });
});

describe('ExplanationRegistry: only present-state failures become causes', () => {
  const targets = { name: 'targets healthy', type: 'alb-targets-healthy' };
  const notReady = { outcome: 'retry' as const, message: '0 of 1 targets healthy: unhealthy (Target.Timeout)' };

  it.each<{ label: string; cause: CheckReport; cuts: boolean }>([
    { label: 'a missing security-group rule (sg-ingress)', cause: definitive('redis ingress', 'sg-ingress'), cuts: true },
    { label: 'a failed rollout (ecs-deployment)', cause: definitive('rollout', 'ecs-deployment'), cuts: true },
    { label: 'a Redis that does not answer (redis-ping)', cause: definitive('redis ping', 'redis-ping'), cuts: true },
    { label: 'error lines in the log window (logs-absent)', cause: definitive('no redis errors in logs', 'logs-absent', { logMatches: 4 }), cuts: false },
    { label: 'an alarm still in ALARM (cloudwatch-alarms)', cause: definitive('deployment alarm', 'cloudwatch-alarms', { inAlarm: ['p95'] }), cuts: false },
  ])('$label explains a not-ready alb-targets-healthy; cuts its retries: $cuts', ({ cause, cuts }) => {
    const registry = new ExplanationRegistry();
    let told = 0;
    registry.subscribe(() => told++);
    registry.add(cause, typeOf(cause.type));
    expect(registry.explainedBy(targets, notReady)).toBe(cuts ? cause.name : undefined);
    // A window failure is not even announced: nobody waiting is woken for it.
    expect(told).toBe(cuts ? 1 : 0);
  });

  it.each<{ evidence: 'state' | 'window' | undefined; cuts: boolean }>([
    { evidence: 'state', cuts: true },
    { evidence: undefined, cuts: true },
    { evidence: 'window', cuts: false },
  ])('a cause type with evidence $evidence and an unconditional relation: cuts $cuts', ({ evidence, cuts }) => {
    const registry = new ExplanationRegistry();
    const causeType: Pick<CheckType, 'explains' | 'evidence'> = { explains: [{ effect: 'http', because: 'always' }], ...(evidence ? { evidence } : {}) };
    registry.add(definitive('cause', 'some-cause'), causeType);
    expect(registry.explainedBy({ name: 'health', type: 'http' }, { outcome: 'retry', message: 'slow' })).toBe(cuts ? 'cause' : undefined);
  });
});

describe('a run: stale log errors do not cut targets that turn healthy', () => {
  /** The shipped type's evidence and relations, with the fake's scripted attempts. */
  const scripted = (type: string): CheckType => ({ ...fakeCheck, type, evidence: typeOf(type).evidence, explains: typeOf(type).explains });
  const types = ['logs-absent', 'sg-ingress', 'alb-targets-healthy'].map(scripted);

  async function run(checks: Record<string, unknown>[]): Promise<RunReport> {
    const yaml = stringify({ name: 'window evidence', defaults: { timeout: '2s', retry: { interval: '10ms', backoff: 1 } }, checks });
    return runScenario(scenarioFrom(yaml, { checkTypes: types }), { concurrency: 2 });
  }
  const byName = (report: RunReport, name: string) => report.checks.find((c) => c.name === name)!;
  /** Not ready twice (the ALB stand-in's next health checks), then healthy; a budget of 10 attempts. */
  const targets = { name: 'targets healthy', type: 'alb-targets-healthy', id: 'targets', outcomes: ['retry', 'retry', 'pass'], delay: 40, retry: { attempts: 10, interval: '30ms', backoff: 1 } };

  beforeEach(() => resetFakes());

  it('a logs-absent failure leaves alb-targets-healthy its budget: it passes when it turns healthy', async () => {
    const report = await run([{ name: 'no redis errors in logs', type: 'logs-absent', id: 'logs', outcomes: ['fail'], facts: { logMatches: 4 } }, targets]);
    // The stale lines are still a real failure, reported as such.
    expect(byName(report, 'no redis errors in logs')).toMatchObject({ status: 'failed', lastOutcome: 'fail' });
    const healthy = byName(report, 'targets healthy');
    expect(healthy).toMatchObject({ status: 'passed', attempts: 3 });
    expect(healthy.consequenceOf).toBeUndefined();
    expect(healthy.message).not.toContain('not retried');
    // The logs check failed before the targets' first answer: it was there to cut, and did not.
    expect(fakeCalls('logs')[0]!.endedAt!).toBeLessThan(fakeCalls('targets')[0]!.endedAt!);
    expect(fakeCalls('targets')).toHaveLength(3);
  });

  it('an sg-ingress failure still cuts the same not-ready alb-targets-healthy within one attempt', async () => {
    const report = await run([{ name: 'redis ingress from the API', type: 'sg-ingress', id: 'sg', outcomes: ['fail'] }, targets]);
    expect(byName(report, 'targets healthy')).toMatchObject({ status: 'failed', attempts: 1, consequenceOf: 'redis ingress from the API' });
    expect(byName(report, 'targets healthy').message).toContain('not retried: explained by redis ingress from the API');
    expect(report.rootCause).toMatchObject({ check: 'redis ingress from the API', consequences: ['targets healthy'] });
  });

  it('with both failing, the missing rule cuts (the stale logs do not) and is the root cause', async () => {
    const report = await run([
      { name: 'no redis errors in logs', type: 'logs-absent', id: 'logs', outcomes: ['fail'], facts: { logMatches: 4 } },
      { name: 'redis ingress from the API', type: 'sg-ingress', id: 'sg', outcomes: ['fail'], delay: 100 },
      { ...targets, outcomes: ['retry'] },
    ]);
    expect(byName(report, 'targets healthy')).toMatchObject({ status: 'failed', consequenceOf: 'redis ingress from the API' });
    expect(report.rootCause?.check).toBe('redis ingress from the API');
  });
});
