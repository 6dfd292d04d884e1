/**
 * ecs-service-stable with `stage` (under a lifecycle hook or `gate`): the rollout waits for the gate,
 * so it cannot settle; the check judges the target revision (the PRIMARY deployment) at the stage.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServicesCommand, ECSClient, type Deployment, type Service } from '@aws-sdk/client-ecs';
import { ecsServiceStable } from '../../checks/ecs-service-stable.js';
import { AttemptResultError, type AttemptResult } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';

const ecs = mockClient(ECSClient);
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api';
const SPEC = { cluster: 'hokusai', service: 'hokusai-api' };

beforeEach(() => {
  ecs.reset();
});

async function attempt(spec: unknown): Promise<AttemptResult> {
  try {
    return await ecsServiceStable.run(ecsServiceStable.schema.parse(spec), fakeContext());
  } catch (error) {
    if (error instanceof AttemptResultError) return error.result;
    throw error;
  }
}

const green = (overrides: Partial<Deployment> = {}): Deployment => ({
  id: 'ecs-svc/222', status: 'PRIMARY', taskDefinition: `${TD}:152`, rolloutState: 'IN_PROGRESS', desiredCount: 2, runningCount: 2, pendingCount: 0, failedTasks: 0, ...overrides,
});
const blue: Deployment = { id: 'ecs-svc/111', status: 'ACTIVE', taskDefinition: `${TD}:151`, rolloutState: 'COMPLETED', desiredCount: 2, runningCount: 2, pendingCount: 0, failedTasks: 0 };
const service = (deployments: Deployment[], runningCount = 4): Service => ({
  serviceName: 'hokusai-api', status: 'ACTIVE', desiredCount: 2, runningCount, taskDefinition: `${TD}:152`, deployments, events: [],
});

describe('ecs-service-stable under a stage', () => {
  it.each([
    ['blue/green mid-rollout: target 2/2 beside the source', 'POST_TEST_TRAFFIC_SHIFT', service([green(), blue]), 'pass', /target revision hokusai-api:152 runs 2\/2 tasks \(gated at POST_TEST_TRAFFIC_SHIFT/],
    ['the target still starting', 'POST_SCALE_UP', service([green({ runningCount: 1, pendingCount: 1 }), blue], 3), 'retry', /target revision hokusai-api:152 runs 1\/2 tasks/],
    ['a FAILED deployment still fails at once', 'PRODUCTION_TRAFFIC_SHIFT', service([green({ rolloutState: 'FAILED', rolloutStateReason: 'circuit breaker', failedTasks: 3 }), blue]), 'fail', /FAILED after 3 failed tasks: circuit breaker/],
    ['before the scale-up: the source serves', 'PRE_SCALE_UP', service([green({ runningCount: 0 }), blue], 2), 'pass', /serves on its current revision .*not scaled up before POST_SCALE_UP/],
    ['before the scale-up, the source short of tasks', 'RECONCILE_SERVICE', service([green({ runningCount: 0 }), blue], 1), 'retry', /not serving all its desired tasks/],
  ])('%s', async (_what, stage, svc, outcome, message) => {
    ecs.on(DescribeServicesCommand).resolves({ services: [svc], failures: [] });
    const result = await attempt({ ...SPEC, stage });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toMatch(message);
    if (outcome === 'pass') expect(result.observations?.every((o) => o.ok)).toBe(true);
  });

  it('without a stage the same mid-rollout service is not stable (rollout completion is judged)', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service([green(), blue])], failures: [] });
    expect((await attempt(SPEC)).outcome).toBe('retry');
  });

  it('takes only the stages a hook can pause', () => {
    expect(ecsServiceStable.schema.safeParse({ ...SPEC, stage: 'BAKE_TIME' }).success).toBe(false);
    expect(ecsServiceStable.describe(ecsServiceStable.schema.parse({ ...SPEC, stage: 'POST_SCALE_UP' }))).toContain('target revision runs all its desired tasks at POST_SCALE_UP');
  });
});
