import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServicesCommand, ECSClient, type Deployment, type Service } from '@aws-sdk/client-ecs';
import { ecsServiceStable } from '../../checks/ecs-service-stable.js';
import { AttemptResultError, type AttemptResult, type CheckContext } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';

const ecs = mockClient(ECSClient);
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api';
const SPEC = { cluster: 'hokusai-development', service: 'hokusai-api' };

beforeEach(() => {
  ecs.reset();
});

async function attempt(spec: unknown = SPEC, ctx: CheckContext = fakeContext()): Promise<AttemptResult> {
  try {
    return await ecsServiceStable.run(ecsServiceStable.schema.parse(spec), ctx);
  } catch (error) {
    if (error instanceof AttemptResultError) return error.result;
    throw error;
  }
}

function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: 'ecs-svc/111',
    status: 'PRIMARY',
    taskDefinition: `${TD}:151`,
    rolloutState: 'COMPLETED',
    rolloutStateReason: 'ECS deployment ecs-svc/111 completed.',
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    failedTasks: 0,
    ...overrides,
  };
}

function service(overrides: Partial<Service> = {}): Service {
  return {
    serviceName: 'hokusai-api',
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    taskDefinition: `${TD}:151`,
    deployments: [deployment()],
    events: [],
    ...overrides,
  };
}

function givenService(svc: Service): void {
  ecs.on(DescribeServicesCommand).resolves({ services: [svc], failures: [] });
}

describe('ecs-service-stable', () => {
  it.each([
    {
      state: 'ACTIVE, one PRIMARY COMPLETED deployment, 2/2 running',
      svc: service(),
      outcome: 'pass',
      message: 'is stable on hokusai-api:151: running 2/2, deployments: PRIMARY COMPLETED',
    },
    {
      state: 'no rolloutState reported (older API), 2/2 running',
      svc: service({ deployments: [deployment({ rolloutState: undefined })] }),
      outcome: 'pass',
      message: 'running 2/2, deployments: PRIMARY',
    },
    {
      state: 'rollout IN_PROGRESS',
      svc: service({ runningCount: 1, deployments: [deployment({ rolloutState: 'IN_PROGRESS', runningCount: 1 })] }),
      outcome: 'retry',
      message: 'not stable yet: running 1/2, deployments: PRIMARY IN_PROGRESS',
    },
    {
      state: 'two deployments (old one still draining)',
      svc: service({
        runningCount: 1,
        deployments: [
          deployment({ rolloutState: 'IN_PROGRESS', runningCount: 1 }),
          deployment({ id: 'ecs-svc/100', status: 'ACTIVE', taskDefinition: `${TD}:150`, rolloutState: 'COMPLETED' }),
        ],
      }),
      outcome: 'retry',
      message: 'running 1/2, deployments: PRIMARY IN_PROGRESS, ACTIVE',
    },
    {
      state: 'COMPLETED but one task short',
      svc: service({ runningCount: 1 }),
      outcome: 'retry',
      message: 'running 1/2',
    },
    {
      state: 'more running than desired (scale-in pending)',
      svc: service({ runningCount: 3 }),
      outcome: 'retry',
      message: 'running 3/2',
    },
  ])('$state → $outcome', async ({ svc, outcome, message }) => {
    givenService(svc);
    const result = await attempt();
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(message);
    expect(result.message).toContain('ECS service hokusai-api (cluster hokusai-development)');
  });

  it('fails at once on a FAILED rollout, with rolloutStateReason and failedTasks', async () => {
    givenService(
      service({
        runningCount: 0,
        deployments: [
          deployment({
            rolloutState: 'FAILED',
            rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
            failedTasks: 4,
            runningCount: 0,
          }),
        ],
      }),
    );
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      'ECS service hokusai-api (cluster hokusai-development): deployment ecs-svc/111 (hokusai-api:151) FAILED after 4 failed tasks: ECS deployment circuit breaker: tasks failed to start.',
    );
    expect(result.observations).toContainEqual({ what: 'PRIMARY rolloutState', expected: 'COMPLETED', actual: 'FAILED', ok: false });
  });

  it('fails while a circuit-breaker rollback runs (FAILED deployment left ACTIVE beside a new PRIMARY)', async () => {
    givenService(
      service({
        deployments: [
          deployment({ id: 'ecs-svc/rollback', taskDefinition: `${TD}:150`, rolloutState: 'IN_PROGRESS' }),
          deployment({ status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start', failedTasks: 3 }),
        ],
      }),
    );
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('deployment ecs-svc/111 (hokusai-api:151) FAILED after 3 failed tasks: tasks failed to start');
  });

  it.each([
    { reason: 'MISSING', response: { services: [], failures: [{ arn: 'arn:aws:ecs:...:service/hokusai-api', reason: 'MISSING' }] }, message: 'ECS service hokusai-api not found in cluster hokusai-development, region us-east-1 (MISSING)' },
    { reason: 'INACTIVE', response: { services: [service({ status: 'INACTIVE' })], failures: [] }, message: 'ECS service hokusai-api in cluster hokusai-development is INACTIVE' },
  ])('fails at once when the service is $reason', async ({ response, message }) => {
    ecs.on(DescribeServicesCommand).resolves(response);
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(message);
  });

  it('fails when the service is scaled to zero: nothing is serving', async () => {
    givenService(service({ desiredCount: 0, runningCount: 0, deployments: [deployment({ desiredCount: 0, runningCount: 0 })] }));
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('ECS service hokusai-api (cluster hokusai-development) is scaled to zero (desiredCount 0): no task is serving');
    expect(result.observations).toContainEqual({ what: 'running tasks', expected: 'desiredCount > 0', actual: '0/0', ok: false });
  });

  it('reports an unsupported deployment controller as an error instead of retrying forever', async () => {
    givenService(service({ deploymentController: { type: 'CODE_DEPLOY' }, deployments: [] }));
    const result = await attempt();
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('CODE_DEPLOY deployment controller');
  });

  it('puts the latest five service events (newest first) in details and the latest in a retry message', async () => {
    const events = Array.from({ length: 7 }, (_, i) => ({
      id: `e${i}`,
      createdAt: new Date(Date.UTC(2025, 0, 1, 12, 10 - i)),
      message: `(service hokusai-api) event ${i}`,
    }));
    givenService(service({ runningCount: 1, events }));
    const result = await attempt();
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('latest event: (service hokusai-api) event 0');
    expect(result.details?.recentEvents).toEqual([
      '2025-01-01T12:10:00.000Z (service hokusai-api) event 0',
      '2025-01-01T12:09:00.000Z (service hokusai-api) event 1',
      '2025-01-01T12:08:00.000Z (service hokusai-api) event 2',
      '2025-01-01T12:07:00.000Z (service hokusai-api) event 3',
      '2025-01-01T12:06:00.000Z (service hokusai-api) event 4',
    ]);
  });

  it('names the describe-services command with the real cluster and service', async () => {
    givenService(service());
    const result = await attempt();
    expect(result.nextSteps).toEqual([
      "aws ecs describe-services --cluster hokusai-development --services hokusai-api --query 'services[0].{status:status,running:runningCount,desired:desiredCount,deployments:deployments,events:events[:5]}'",
    ]);
    expect(result.facts).toMatchObject({ taskDefinition: 'hokusai-api:151', runningCount: 2, desiredCount: 2 });
  });

  it('asks DescribeServices for exactly the configured service', async () => {
    givenService(service());
    await attempt();
    const calls = ecs.commandCalls(DescribeServicesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ cluster: 'hokusai-development', services: ['hokusai-api'] });
  });

  it.each([
    { error: 'AccessDeniedException', status: 400, outcome: 'error', message: 'AccessDenied: ecs:DescribeServices is not allowed' },
    { error: 'ThrottlingException', status: 400, outcome: 'retry', message: 'AWS throttled ecs:DescribeServices' },
  ])('maps $error to $outcome', async ({ error, status, outcome, message }) => {
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('denied or slow'), { name: error, $metadata: { httpStatusCode: status } }));
    const result = await attempt();
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(message);
  });

  it('lets an abort propagate so the runner can report a timeout', async () => {
    const controller = new AbortController();
    controller.abort();
    ecs.on(DescribeServicesCommand).rejects(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    await expect(attempt(SPEC, fakeContext({ signal: controller.signal }))).rejects.toMatchObject({ name: 'AbortError' });
  });

  it.each([
    { spec: { cluster: 'c' }, path: 'service' },
    { spec: { service: 's' }, path: 'cluster' },
    { spec: { cluster: '', service: 's' }, path: 'cluster' },
    { spec: { cluster: 'c', service: 's', region: 'x' }, path: '' },
  ])('rejects $spec (problem at "$path")', ({ spec, path }) => {
    const parsed = ecsServiceStable.schema.safeParse(spec);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });

  it('describes itself with the real names', () => {
    expect(ecsServiceStable.describe(SPEC)).toBe(
      'ECS service hokusai-api in cluster hokusai-development is ACTIVE, has one COMPLETED deployment and runs all its desired tasks',
    );
  });
});
