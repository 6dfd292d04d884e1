import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  type Deployment,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type Task,
} from '@aws-sdk/client-ecs';
import { ecsDeployment } from '../../checks/ecs-deployment.js';
import { checkTypes } from '../../checks/index.js';
import type { CheckReport, RunReport } from '../../runner/result.js';
import { analyzeRootCause } from '../../runner/root-cause.js';
import { AttemptResultError, type AttemptResult, type CheckContext } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';

const ecs = mockClient(ECSClient);
const ACCOUNT = 'arn:aws:ecs:us-east-1:123456789012';
const TD = `${ACCOUNT}:task-definition/hokusai-api`;
const SPEC = { cluster: 'hokusai-development', service: 'hokusai-api' };
const WHERE = 'ECS service hokusai-api (cluster hokusai-development)';
const deploymentArn = (id: string) => `${ACCOUNT}:service-deployment/hokusai-development/hokusai-api/${id}`;
const revisionArn = (id: string) => `${ACCOUNT}:service-revision/hokusai-development/hokusai-api/${id}`;
/** Revision N of the service runs hokusai-api:N here (ECS numbers revisions like ecs-svc ids). */
const REV = { 151: revisionArn('151'), 152: revisionArn('152'), 153: revisionArn('153') };

beforeEach(() => {
  ecs.reset();
});

async function attempt(spec: unknown = SPEC, ctx: CheckContext = fakeContext()): Promise<AttemptResult> {
  try {
    return await ecsDeployment.run(ecsDeployment.schema.parse(spec), ctx);
  } catch (error) {
    if (error instanceof AttemptResultError) return error.result;
    throw error;
  }
}

function ecsDeploymentOf(revision: number, overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: `ecs-svc/${revision}`,
    status: 'PRIMARY',
    taskDefinition: `${TD}:${revision}`,
    rolloutState: 'COMPLETED',
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    failedTasks: 0,
    ...overrides,
  };
}

function service(revision = 152, overrides: Partial<Service> = {}): Service {
  return {
    serviceName: 'hokusai-api',
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    taskDefinition: `${TD}:${revision}`,
    deployments: [ecsDeploymentOf(revision)],
    events: Array.from({ length: 7 }, (_, i) => ({ id: `e${i}`, createdAt: new Date(Date.UTC(2025, 5, 1, 12, 10 - i)), message: `event ${i}` })),
    ...overrides,
  };
}

function serviceDeployment(overrides: Partial<ServiceDeployment> = {}): ServiceDeployment {
  return {
    serviceDeploymentArn: deploymentArn('D152'),
    serviceArn: `${ACCOUNT}:service/hokusai-development/hokusai-api`,
    clusterArn: `${ACCOUNT}:cluster/hokusai-development`,
    createdAt: new Date(Date.UTC(2025, 5, 1, 12, 0)),
    status: 'SUCCESSFUL',
    targetServiceRevision: { arn: REV[152], requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 },
    sourceServiceRevisions: [{ arn: REV[151], requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 }],
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
    ...overrides,
  };
}

function brief(id: string, revision: 151 | 152 | 153, status: ServiceDeploymentBrief['status'], minute: number, statusReason?: string): ServiceDeploymentBrief {
  return {
    serviceDeploymentArn: deploymentArn(id),
    targetServiceRevisionArn: REV[revision],
    status,
    statusReason,
    createdAt: new Date(Date.UTC(2025, 5, 1, 12, minute)),
  };
}

/** ECS as the check sees it: the service, its listed deployments, one described deployment, revisions N → hokusai-api:N. */
function given({
  svc = service(),
  briefs = [brief('D152', 152, 'SUCCESSFUL', 0), brief('D151', 151, 'SUCCESSFUL', -60)],
  deployment = serviceDeployment(),
  stoppedTasks = [] as Task[],
  runningTasks = [] as Task[],
} = {}): void {
  ecs.on(DescribeServicesCommand).resolves({ services: [svc], failures: [] });
  ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: briefs });
  ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [deployment], failures: [] });
  ecs.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns: string[] }) => ({
    serviceRevisions: input.serviceRevisionArns.map((arn) => ({ serviceRevisionArn: arn, taskDefinition: `${TD}:${arn.split('/').pop()}` })),
    failures: [],
  }));
  ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: stoppedTasks.map((t) => t.taskArn!) });
  ecs.on(ListTasksCommand, { desiredStatus: 'RUNNING' }).resolves({ taskArns: runningTasks.map((t) => t.taskArn!) });
  ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
    tasks: [...stoppedTasks, ...runningTasks].filter((t) => input.tasks.includes(t.taskArn!)),
    failures: [],
  }));
}

function task(id: string, revision: number, overrides: Partial<Task> = {}): Task {
  return {
    taskArn: `${ACCOUNT}:task/hokusai-development/${id}`,
    taskDefinitionArn: `${TD}:${revision}`,
    group: 'service:hokusai-api',
    lastStatus: 'RUNNING',
    // DescribeTasks always returns desiredStatus: a stopped task is also desired STOPPED.
    desiredStatus: overrides.lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
    ...overrides,
  };
}

function denied(action: string): Error {
  return Object.assign(new Error(`User is not authorized to perform: ${action}`), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
}

const ROLLING_BACK = {
  statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
  deploymentCircuitBreaker: { status: 'TRIGGERED' as const, failureCount: 3, threshold: 3 },
  alarms: { status: 'TRIGGERED' as const, alarmNames: ['api-5xx', 'api-p99'], triggeredAlarmNames: ['api-5xx'] },
  rollback: { reason: 'circuit breaker', serviceRevisionArn: REV[151], startedAt: new Date(Date.UTC(2025, 5, 1, 12, 5)) },
};

describe('ecs-deployment: service deployment statuses', () => {
  it.each([
    {
      status: 'PENDING',
      deployment: { status: 'PENDING' as const, targetServiceRevision: { arn: REV[152], requestedTaskCount: 2, runningTaskCount: 0, pendingTaskCount: 2 } },
      outcome: 'retry',
      message: `${WHERE}: service deployment D152 PENDING: hokusai-api:152 running 0/2 (2 pending)`,
    },
    {
      status: 'IN_PROGRESS at a stage, a PAUSE hook awaiting action',
      deployment: {
        status: 'IN_PROGRESS' as const,
        lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' as const,
        targetServiceRevision: { arn: REV[152], requestedTaskCount: 2, runningTaskCount: 1, pendingTaskCount: 0 },
        lifecycleHookDetails: [{ hookId: 'ecs-pause-1', targetType: 'PAUSE' as const, status: 'AWAITING_ACTION' as const, timeoutAction: 'ROLLBACK' as const, expiresAt: new Date(Date.UTC(2025, 5, 1, 13, 0)) }],
      },
      outcome: 'retry',
      message:
        `${WHERE}: service deployment D152 IN_PROGRESS at POST_TEST_TRAFFIC_SHIFT: hokusai-api:152 running 1/2; ` +
        'PAUSE hook ecs-pause-1 awaiting action (ContinueServiceDeployment; ROLLBACK at 2025-06-01T13:00:00.000Z)',
    },
    {
      status: 'IN_PROGRESS in its bake time',
      deployment: { status: 'IN_PROGRESS' as const, lifecycleStage: 'BAKE_TIME' as const, deploymentConfiguration: { bakeTimeInMinutes: 10 } },
      outcome: 'retry',
      message: `${WHERE}: service deployment D152 IN_PROGRESS at BAKE_TIME: hokusai-api:152 running 2/2; bake time 10 min`,
    },
    {
      status: 'SUCCESSFUL',
      deployment: {},
      outcome: 'pass',
      message: `${WHERE}: service deployment D152 SUCCESSFUL: hokusai-api:152 runs 2/2 tasks as the PRIMARY deployment`,
    },
    {
      status: 'ROLLBACK_REQUESTED',
      deployment: { status: 'ROLLBACK_REQUESTED' as const },
      outcome: 'fail',
      message: `${WHERE}: service deployment D152 ROLLBACK_REQUESTED; rolling back to hokusai-api:151; this rollout targeted hokusai-api:152`,
    },
    {
      status: 'ROLLBACK_IN_PROGRESS',
      deployment: { status: 'ROLLBACK_IN_PROGRESS' as const, statusReason: 'alarm api-5xx' },
      outcome: 'fail',
      message: `${WHERE}: service deployment D152 ROLLBACK_IN_PROGRESS: alarm api-5xx; rolling back to hokusai-api:151; this rollout targeted hokusai-api:152`,
    },
    {
      status: 'ROLLBACK_SUCCESSFUL',
      deployment: { status: 'ROLLBACK_SUCCESSFUL' as const },
      outcome: 'fail',
      message: `${WHERE}: service deployment D152 ROLLBACK_SUCCESSFUL; rolled back to hokusai-api:151; this rollout targeted hokusai-api:152`,
    },
    {
      status: 'ROLLBACK_FAILED',
      deployment: { status: 'ROLLBACK_FAILED' as const },
      outcome: 'fail',
      message: `${WHERE}: service deployment D152 ROLLBACK_FAILED; the rollback to hokusai-api:151 FAILED; this rollout targeted hokusai-api:152`,
    },
    {
      status: 'STOP_REQUESTED',
      deployment: { status: 'STOP_REQUESTED' as const },
      outcome: 'fail',
      message: `${WHERE}: service deployment D152 STOP_REQUESTED; stopping before hokusai-api:152 landed`,
    },
    {
      status: 'STOPPED',
      deployment: { status: 'STOPPED' as const, statusReason: 'Stopped by a user.' },
      outcome: 'fail',
      message: `${WHERE}: service deployment D152 STOPPED: Stopped by a user.; stopped before hokusai-api:152 landed`,
    },
  ])('$status → $outcome', async ({ deployment, outcome, message }) => {
    given({ deployment: serviceDeployment(deployment) });
    const result = await attempt();
    expect(result.outcome).toBe(outcome);
    expect(result.message).toBe(message);
    expect(result.facts).toMatchObject({ serviceDeploymentArn: deploymentArn('D152'), taskDefinition: 'hokusai-api:152' });
  });

  it('a rollback names statusReason, the circuit breaker count, triggered alarms and where it went back to', async () => {
    given({ svc: service(151), deployment: serviceDeployment({ status: 'ROLLBACK_SUCCESSFUL', ...ROLLING_BACK }) });
    const result = await attempt({ ...SPEC, taskDefinition: 'hokusai-api:152' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      `${WHERE}: service deployment D152 ROLLBACK_SUCCESSFUL: ECS deployment circuit breaker: tasks failed to start.; ` +
        'circuit breaker TRIGGERED 3/3 failed tasks; alarms in ALARM: api-5xx; rolled back to hokusai-api:151; this rollout targeted hokusai-api:152',
    );
    expect(result.observations).toContainEqual({ what: 'PRIMARY deployment task definition', expected: 'hokusai-api:152', actual: 'hokusai-api:151', ok: false });
    expect(result.details?.serviceDeployment).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      circuitBreaker: { failureCount: 3, threshold: 3 },
      rollback: { taskDefinition: 'hokusai-api:151' },
    });
  });

  it('a failure carries forensics: up to 3 stopped tasks of the target revision (newest first) and the last 5 events', async () => {
    const stopped = [1, 2, 3, 4].map((n) =>
      task(`t${n}`, 152, { lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: `exit ${n}`, stoppedAt: new Date(Date.UTC(2025, 5, 1, 12, n)) }),
    );
    const oldRevision = task('old', 151, { lastStatus: 'STOPPED', stoppedReason: 'Scaling activity', stoppedAt: new Date(Date.UTC(2025, 5, 1, 13)) });
    given({ deployment: serviceDeployment({ status: 'ROLLBACK_IN_PROGRESS', ...ROLLING_BACK }), stoppedTasks: [...stopped, oldRevision] });
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('; evidence: task t4 stopped: EssentialContainerExited: exit 4');
    const forensics = result.details?.forensics as { stoppedTasks: { id: string }[]; recentEvents: string[] };
    expect(forensics.stoppedTasks.map((t) => t.id)).toEqual(['t4', 't3', 't2']);
    expect(forensics.recentEvents).toEqual([0, 1, 2, 3, 4].map((i) => `2025-06-01T12:${String(10 - i).padStart(2, '0')}:00.000Z event ${i}`));
  });

  it('a denied ListTasks leaves the verdict a fail and says why the stopped tasks are missing', async () => {
    given({ deployment: serviceDeployment({ status: 'STOPPED' }) });
    ecs.on(ListTasksCommand).rejects(denied('ecs:ListTasks'));
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect((result.details?.forensics as { stoppedTasksUnavailable: string }).stoppedTasksUnavailable).toContain('ecs:ListTasks is not allowed');
  });
});

describe('ecs-deployment: the service stable on another task definition', () => {
  it('SUCCESSFUL deployment, but the PRIMARY deployment runs the old revision → fail', async () => {
    given({ svc: service(151) });
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      `${WHERE}: rolled back to hokusai-api:151; this rollout targeted hokusai-api:152 (service deployment D152 SUCCESSFUL, but the PRIMARY deployment runs hokusai-api:151)`,
    );
  });

  it('the newest deployment went back to 151 after this rollout of 152 → "rolled back to"', async () => {
    given({
      svc: service(151),
      briefs: [brief('D151b', 151, 'SUCCESSFUL', 10), brief('D152', 152, 'STOPPED', 0, 'circuit breaker'), brief('D151', 151, 'SUCCESSFUL', -60)],
      deployment: serviceDeployment({ serviceDeploymentArn: deploymentArn('D151b'), targetServiceRevision: { arn: REV[151], requestedTaskCount: 2, runningTaskCount: 2 } }),
    });
    const result = await attempt({ ...SPEC, taskDefinition: `${TD}:152` });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      `${WHERE}: rolled back to hokusai-api:151; this rollout targeted hokusai-api:152 (service deployment D152 STOPPED: circuit breaker; then service deployment D151b (SUCCESSFUL) targeting hokusai-api:151)`,
    );
  });

  it('a newer rollout superseded this one → fail naming it', async () => {
    given({
      svc: service(153),
      briefs: [brief('D153', 153, 'IN_PROGRESS', 10), brief('D152', 152, 'SUCCESSFUL', 0)],
      deployment: serviceDeployment({ serviceDeploymentArn: deploymentArn('D153'), status: 'IN_PROGRESS', targetServiceRevision: { arn: REV[153] } }),
    });
    const result = await attempt({ ...SPEC, taskDefinition: 'hokusai-api:152' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(`${WHERE}: this rollout of hokusai-api:152 (service deployment D152 SUCCESSFUL) was superseded by service deployment D153 (IN_PROGRESS) targeting hokusai-api:153`);
  });

  it('no service deployment ever targeted the expected revision → fail', async () => {
    given({ svc: service(151), briefs: [brief('D151', 151, 'SUCCESSFUL', 0)], deployment: serviceDeployment({ serviceDeploymentArn: deploymentArn('D151'), targetServiceRevision: { arn: REV[151] } }) });
    const result = await attempt({ ...SPEC, taskDefinition: 'hokusai-api:152' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(`${WHERE}: no service deployment targets hokusai-api:152; the newest, service deployment D151 (SUCCESSFUL), targets hokusai-api:151`);
  });
});

describe('ecs-deployment: which deployment is judged', () => {
  it('judges the newest listed deployment by createdAt, whatever the order of the list', async () => {
    given({ briefs: [brief('D151', 151, 'SUCCESSFUL', -60), brief('D152', 152, 'SUCCESSFUL', 0)] });
    await attempt();
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)[0]!.args[0].input).toEqual({ serviceDeploymentArns: [deploymentArn('D152')] });
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0]!.args[0].input).toMatchObject({ cluster: 'hokusai-development', service: 'hokusai-api' });
  });

  it('an explicit deployment ARN is described as given', async () => {
    given({ briefs: [brief('D153', 153, 'IN_PROGRESS', 10), brief('D152', 152, 'SUCCESSFUL', 0)] });
    const result = await attempt({ ...SPEC, deployment: deploymentArn('D152') });
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)[0]!.args[0].input).toEqual({ serviceDeploymentArns: [deploymentArn('D152')] });
    expect(result.outcome).toBe('pass');
  });

  it('an explicit deployment ARN ECS does not know → fail', async () => {
    given();
    ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [], failures: [{ arn: deploymentArn('nope'), reason: 'MISSING' }] });
    const result = await attempt({ ...SPEC, deployment: deploymentArn('nope') });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(`${WHERE}: service deployment ${deploymentArn('nope')} not found (MISSING)`);
  });

  it('an ecs-svc/N id picks the service deployment whose target revision is N', async () => {
    given({ briefs: [brief('D153', 153, 'IN_PROGRESS', 10), brief('D152', 152, 'SUCCESSFUL', 0)] });
    await attempt({ ...SPEC, deployment: 'ecs-svc/152' });
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)[0]!.args[0].input).toEqual({ serviceDeploymentArns: [deploymentArn('D152')] });
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0]!.args[0].input).toMatchObject({ maxResults: 100 });
  });
});

describe('ecs-deployment: judged from DescribeServices when the service deployments API is not available', () => {
  const FALLBACK = '(ecs:ListServiceDeployments denied: judged from DescribeServices)';

  it.each([
    { state: 'PRIMARY COMPLETED on the expected revision, 2/2', svc: service(152), outcome: 'pass', message: `${WHERE}: PRIMARY deployment ecs-svc/152 COMPLETED on hokusai-api:152, running 2/2 ${FALLBACK}` },
    {
      state: 'PRIMARY IN_PROGRESS',
      svc: service(152, { deployments: [ecsDeploymentOf(152, { rolloutState: 'IN_PROGRESS', runningCount: 1 })] }),
      outcome: 'retry',
      message: `${WHERE}: not landed yet: PRIMARY deployment ecs-svc/152 IN_PROGRESS on hokusai-api:152, running 1/2, deployments: PRIMARY IN_PROGRESS ${FALLBACK}`,
    },
    {
      state: 'PRIMARY FAILED (circuit breaker, no rollback)',
      svc: service(152, { deployments: [ecsDeploymentOf(152, { rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start', failedTasks: 3 })] }),
      outcome: 'fail',
      message: `${WHERE}: deployment ecs-svc/152 (hokusai-api:152) FAILED after 3 failed tasks: tasks failed to start ${FALLBACK}`,
    },
    {
      state: 'rolling back: PRIMARY on 151, the failed 152 still ACTIVE',
      svc: service(151, { deployments: [ecsDeploymentOf(151, { rolloutState: 'IN_PROGRESS' }), ecsDeploymentOf(152, { status: 'ACTIVE', rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start', failedTasks: 3 })] }),
      outcome: 'fail',
      message: `${WHERE}: deployment ecs-svc/152 (hokusai-api:152) FAILED after 3 failed tasks: tasks failed to start; rolled back to hokusai-api:151; this rollout targeted hokusai-api:152 ${FALLBACK}`,
    },
    {
      state: 'stable on 151 while 152 was expected',
      svc: service(151),
      outcome: 'fail',
      message: `${WHERE}: the service is on hokusai-api:151 (PRIMARY COMPLETED); this rollout targeted hokusai-api:152 ${FALLBACK}`,
    },
  ])('$state → $outcome', async ({ svc, outcome, message }) => {
    given({ svc });
    ecs.on(ListServiceDeploymentsCommand).rejects(denied('ecs:ListServiceDeployments'));
    const result = await attempt({ ...SPEC, taskDefinition: 'hokusai-api:152' });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toBe(message);
    expect(result.details).toMatchObject({ source: 'DescribeServices', fallbackReason: 'ecs:ListServiceDeployments denied' });
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(0);
  });

  it.each([
    { denied: 'DescribeServiceDeployments', command: DescribeServiceDeploymentsCommand },
    { denied: 'DescribeServiceRevisions', command: DescribeServiceRevisionsCommand },
  ])('falls back when ecs:$denied is denied too, naming it', async ({ denied: action, command }) => {
    given();
    ecs.on(command as typeof DescribeServiceRevisionsCommand).rejects(denied(`ecs:${action}`));
    const result = await attempt();
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain(`(ecs:${action} denied: judged from DescribeServices)`);
  });

  it('falls back when ECS lists no service deployment (services deployed before October 2024)', async () => {
    given({ briefs: [] });
    const result = await attempt();
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain('(ECS lists no service deployments for it: judged from DescribeServices)');
  });

  it('throttling of ListServiceDeployments is a retry, not a fallback', async () => {
    given();
    ecs.on(ListServiceDeploymentsCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const result = await attempt();
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('AWS throttled ecs:ListServiceDeployments');
  });

  it('a response without serviceDeployments is an error, never a verdict', async () => {
    given();
    ecs.on(ListServiceDeploymentsCommand).resolves({});
    const result = await attempt();
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('unexpected response from ecs:ListServiceDeployments: serviceDeployments: missing');
  });

  it('a missing service fails on DescribeServices first, whatever ListServiceDeployments says', async () => {
    given();
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: `${ACCOUNT}:service/hokusai-development/hokusai-api`, reason: 'MISSING' }] });
    ecs.on(ListServiceDeploymentsCommand).rejects(Object.assign(new Error('Service not found.'), { name: 'ServiceNotFoundException', $metadata: { httpStatusCode: 400 } }));
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('ECS service hokusai-api not found in cluster hokusai-development, region us-east-1 (MISSING)');
  });

  it('lets an abort propagate so the runner can report a timeout', async () => {
    const controller = new AbortController();
    controller.abort();
    given();
    ecs.on(ListServiceDeploymentsCommand).rejects(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    await expect(attempt(SPEC, fakeContext({ signal: controller.signal }))).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('ecs-deployment under a hook or gate (stage)', () => {
  const hook = { hookId: 'ecs-pause-1', targetType: 'PAUSE' as const, status: 'AWAITING_ACTION' as const };
  const at = (lifecycleStage: ServiceDeployment['lifecycleStage'], running = 2, extra: Partial<ServiceDeployment> = {}) =>
    serviceDeployment({ status: 'IN_PROGRESS', lifecycleStage, lifecycleHookDetails: [hook], targetServiceRevision: { arn: REV[152], requestedTaskCount: 2, runningTaskCount: running }, ...extra });

  it.each([
    { state: 'at the gated stage, 2/2 running, healthy', stage: 'POST_TEST_TRAFFIC_SHIFT', deployment: at('POST_TEST_TRAFFIC_SHIFT'), outcome: 'pass', message: 'service deployment D152 IN_PROGRESS at POST_TEST_TRAFFIC_SHIFT (gated: rollout completion is not judged); hokusai-api:152 runs 2/2 tasks, none UNHEALTHY' },
    { state: 'past the gated stage', stage: 'POST_SCALE_UP', deployment: at('PRODUCTION_TRAFFIC_SHIFT'), outcome: 'pass', message: 'at PRODUCTION_TRAFFIC_SHIFT (gated' },
    { state: 'before the gated stage', stage: 'POST_TEST_TRAFFIC_SHIFT', deployment: at('TEST_TRAFFIC_SHIFT'), outcome: 'retry', message: 'not yet at POST_TEST_TRAFFIC_SHIFT' },
    { state: 'target revision still starting', stage: 'POST_SCALE_UP', deployment: at('POST_SCALE_UP', 1), outcome: 'retry', message: 'hokusai-api:152 running 1/2; PAUSE hook ecs-pause-1 awaiting action (ContinueServiceDeployment); waiting for hokusai-api:152 to run 2 tasks' },
    { state: 'a stage before scale-up: no tasks to judge', stage: 'PRE_SCALE_UP', deployment: at('PRE_SCALE_UP', 0), outcome: 'pass', message: 'hokusai-api:152 is not scaled up before POST_SCALE_UP' },
    { state: 'an earlier hook FAILED', stage: 'POST_TEST_TRAFFIC_SHIFT', deployment: at('POST_TEST_TRAFFIC_SHIFT', 2, { lifecycleHookDetails: [{ hookId: 'lambda-1', targetType: 'AWS_LAMBDA', status: 'FAILED' }] }), outcome: 'fail', message: 'lifecycle hook lambda-1 FAILED at POST_TEST_TRAFFIC_SHIFT' },
    { state: 'rolling back, even under a gate', stage: 'POST_TEST_TRAFFIC_SHIFT', deployment: serviceDeployment({ status: 'ROLLBACK_IN_PROGRESS' }), outcome: 'fail', message: 'rolling back to hokusai-api:151' },
    { state: 'SUCCESSFUL', stage: 'POST_TEST_TRAFFIC_SHIFT', deployment: serviceDeployment(), outcome: 'pass', message: 'SUCCESSFUL' },
  ])('$state → $outcome', async ({ stage, deployment, outcome, message }) => {
    given({ deployment, runningTasks: [task('a', 152), task('b', 152), task('old', 151)] });
    const result = await attempt({ ...SPEC, stage });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(message);
  });

  it('an UNHEALTHY task of the target revision holds the gate (retry), old-revision tasks do not', async () => {
    given({ deployment: at('POST_TEST_TRAFFIC_SHIFT'), runningTasks: [task('a', 152), task('sick', 152, { healthStatus: 'UNHEALTHY' }), task('old', 151, { healthStatus: 'UNHEALTHY' })] });
    const result = await attempt({ ...SPEC, stage: 'POST_TEST_TRAFFIC_SHIFT' });
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('hokusai-api:152 runs 2/2 tasks but task sick UNHEALTHY');
  });

  it('judges from DescribeServices under a gate: an IN_PROGRESS PRIMARY running the expected revision passes', async () => {
    given({ svc: service(152, { deployments: [ecsDeploymentOf(152, { rolloutState: 'IN_PROGRESS' }), ecsDeploymentOf(151, { status: 'ACTIVE' })] }) });
    ecs.on(ListServiceDeploymentsCommand).rejects(denied('ecs:ListServiceDeployments'));
    const result = await attempt({ ...SPEC, stage: 'POST_TEST_TRAFFIC_SHIFT' });
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain('PRIMARY deployment ecs-svc/152 IN_PROGRESS on hokusai-api:152, running 2/2 (gated at POST_TEST_TRAFFIC_SHIFT)');
  });
});

describe('ecs-deployment: spec and relations', () => {
  it.each([
    { spec: { cluster: 'c' }, path: 'service' },
    { spec: { ...SPEC, taskDefinition: 'hokusai-api' }, path: 'taskDefinition' },
    { spec: { ...SPEC, taskDefinition: 'hokusai-api:>=151' }, path: 'taskDefinition' },
    { spec: { ...SPEC, deployment: 'D152' }, path: 'deployment' },
    { spec: { ...SPEC, deployment: `${ACCOUNT}:service/hokusai-development/hokusai-api` }, path: 'deployment' },
    { spec: { ...SPEC, stage: 'SCALE_UP' }, path: 'stage' },
    { spec: { ...SPEC, revision: 152 }, path: '' },
  ])('rejects $spec (problem at "$path")', ({ spec, path }) => {
    const parsed = ecsDeployment.schema.safeParse(spec);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });

  it.each([
    { ...SPEC, taskDefinition: 'hokusai-api:152' },
    { ...SPEC, taskDefinition: `${TD}:152`, deployment: deploymentArn('Xk7rT2mP9sLwQn4vB8fYd'), stage: 'POST_TEST_TRAFFIC_SHIFT' },
    { ...SPEC, deployment: 'ecs-svc/4980306466373577095' },
  ])('accepts %j', (spec) => {
    expect(ecsDeployment.schema.safeParse(spec).success).toBe(true);
  });

  it('explains failures of the ECS, ALB and HTTP checks', () => {
    expect(ecsDeployment.explains?.map((relation) => relation.effect)).toEqual(['ecs-service-stable', 'ecs-task-running', 'alb-targets-healthy', 'http', 'alb-metrics']);
  });

  it('a rolled-back rollout is named the root cause of the ECS, ALB and HTTP failures it leaves behind', () => {
    const check = (name: string, type: string, status: CheckReport['status']): CheckReport => ({
      name, type, status, attempts: 1, durationMs: 1, message: `${name} ${status}`, observations: [], details: {}, flaky: false, description: name, facts: {},
    });
    const report: RunReport = {
      version: 1, scenario: 's', file: 's.yaml', status: 'failed', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1,
      summary: { passed: 0, failed: 5, errored: 0, skipped: 0 },
      checks: [
        check('rollout landed', 'ecs-deployment', 'failed'),
        check('service stable', 'ecs-service-stable', 'failed'),
        check('tasks running', 'ecs-task-running', 'failed'),
        check('targets healthy', 'alb-targets-healthy', 'failed'),
        check('health', 'http', 'failed'),
      ],
    };
    const cause = analyzeRootCause(report, checkTypes);
    expect(cause?.check).toBe('rollout landed');
    expect(cause?.consequences).toEqual(['service stable', 'tasks running', 'targets healthy', 'health']);
  });

  it('describes itself with the real names', () => {
    expect(ecsDeployment.describe(ecsDeployment.schema.parse({ ...SPEC, taskDefinition: `${TD}:152` }))).toBe(
      'ECS service hokusai-api in cluster hokusai-development: the newest service deployment of hokusai-api:152 is SUCCESSFUL and the service runs it',
    );
  });
});
