import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { ecsTaskRunning } from '../../checks/ecs-task-running.js';
import { AttemptResultError, type AttemptResult } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';

const ecs = mockClient(ECSClient);
const ACCOUNT = 'arn:aws:ecs:us-east-1:123456789012';
const td = (revision: number, family = 'hokusai-api') => `${ACCOUNT}:task-definition/${family}:${revision}`;
const arnOf = (id: string) => `${ACCOUNT}:task/hokusai-development/${id}`;
const SPEC = { cluster: 'hokusai-development', service: 'hokusai-api' };
const PRIMARY = 'ecs-svc/primary';

beforeEach(() => {
  ecs.reset();
});

async function attempt(spec: unknown = SPEC): Promise<AttemptResult> {
  try {
    return await ecsTaskRunning.run(ecsTaskRunning.schema.parse(spec), fakeContext());
  } catch (error) {
    if (error instanceof AttemptResultError) return error.result;
    throw error;
  }
}

function service(overrides: Partial<Service> = {}, revision = 151): Service {
  return {
    serviceName: 'hokusai-api',
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    taskDefinition: td(revision),
    deployments: [{ id: PRIMARY, status: 'PRIMARY', taskDefinition: td(revision), rolloutState: 'COMPLETED' }],
    ...overrides,
  };
}

function task(id: string, overrides: Partial<Task> & { revision?: number } = {}): Task {
  const { revision = 151, ...rest } = overrides;
  return {
    taskArn: arnOf(id),
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    healthStatus: 'HEALTHY',
    taskDefinitionArn: td(revision),
    startedBy: PRIMARY,
    group: 'service:hokusai-api',
    containers: [{ name: 'api', lastStatus: 'RUNNING', healthStatus: 'HEALTHY' }],
    ...rest,
  };
}

/** Mocks DescribeServices, ListTasks (split by desiredStatus, one page) and DescribeTasks (by ARN). */
function given(svc: Service, tasks: Task[]): void {
  ecs.on(DescribeServicesCommand).resolves({ services: [svc], failures: [] });
  const byArn = new Map(tasks.map((t) => [t.taskArn!, t]));
  ecs.on(ListTasksCommand).callsFake((input: { desiredStatus?: string }) => ({
    taskArns: tasks.filter((t) => (t.desiredStatus === 'STOPPED') === (input.desiredStatus === 'STOPPED')).map((t) => t.taskArn!),
  }));
  ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
    tasks: input.tasks.map((arn) => byArn.get(arn)).filter(Boolean),
    failures: [],
  }));
}

const stopped = (id: string, overrides: Partial<Task> & { revision?: number } = {}) =>
  task(id, {
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    healthStatus: 'UNKNOWN',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'api', lastStatus: 'STOPPED', exitCode: 1, reason: 'KeyError: HUGGINGFACE_API_KEY' }],
    ...overrides,
  });

describe('ecs-task-running: task states', () => {
  it.each([
    {
      state: 'desiredCount tasks RUNNING on the PRIMARY deployment task definition',
      tasks: [task('a'), task('b')],
      outcome: 'pass',
      message: 'ECS service hokusai-api (cluster hokusai-development): 2/2 tasks RUNNING on hokusai-api:151, none UNHEALTHY',
    },
    {
      state: 'one task still PENDING, one PROVISIONING',
      tasks: [task('a'), task('b', { lastStatus: 'PENDING' }), task('c', { lastStatus: 'PROVISIONING' })],
      outcome: 'retry',
      message: 'ECS service hokusai-api (cluster hokusai-development): 1/2 tasks RUNNING on hokusai-api:151 (1 PENDING, 1 PROVISIONING starting)',
    },
    {
      state: 'tasks still on the previous revision',
      tasks: [task('a'), task('old1', { revision: 150, startedBy: 'ecs-svc/old' }), task('old2', { revision: 150, startedBy: 'ecs-svc/old' })],
      outcome: 'retry',
      message: '1/2 tasks RUNNING on hokusai-api:151 (RUNNING for other deployments, not counted: 2 hokusai-api:150)',
    },
    {
      state: '--force-new-deployment under way: the old deployment runs the same revision (not counted)',
      tasks: [task('new1'), task('old1', { startedBy: 'ecs-svc/old' }), task('old2', { startedBy: 'ecs-svc/old' })],
      outcome: 'retry',
      message: '1/2 tasks RUNNING on hokusai-api:151 (RUNNING for other deployments, not counted: 2 hokusai-api:151)',
    },
    {
      state: 'only the old deployment runs, on the same revision',
      tasks: [task('old1', { startedBy: 'ecs-svc/old' }), task('old2', { startedBy: 'ecs-svc/old' })],
      outcome: 'retry',
      message: '0/2 tasks RUNNING on hokusai-api:151 (RUNNING for other deployments, not counted: 2 hokusai-api:151)',
    },
    {
      state: 'tasks without startedBy: counted by task definition, and the message says so',
      tasks: [task('a', { startedBy: undefined }), task('b')],
      outcome: 'pass',
      message: '2/2 tasks RUNNING on hokusai-api:151, none UNHEALTHY (1 task without startedBy counted by task definition)',
    },
    {
      state: 'tasks without startedBy on another revision are not counted',
      tasks: [task('a'), task('old', { startedBy: undefined, revision: 150 })],
      outcome: 'retry',
      message: '1/2 tasks RUNNING on hokusai-api:151 (RUNNING for other deployments, not counted: 1 hokusai-api:150)',
    },
    {
      state: 'an empty startedBy counts as absent',
      tasks: [task('a', { startedBy: '' }), task('b', { startedBy: '' })],
      outcome: 'pass',
      message: '2/2 tasks RUNNING on hokusai-api:151, none UNHEALTHY (2 tasks without startedBy counted by task definition)',
    },
    {
      state: 'a STOPPED task of an older deployment (ignored)',
      tasks: [task('a'), task('b'), stopped('old', { revision: 150, startedBy: 'ecs-svc/old' })],
      outcome: 'pass',
      message: '2/2 tasks RUNNING',
    },
    {
      state: 'a task of the current deployment stopped by scale-in (ignored)',
      tasks: [
        task('a'),
        task('b'),
        stopped('scaled', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/primary)' }),
      ],
      outcome: 'pass',
      message: '2/2 tasks RUNNING',
    },
    {
      state: 'a task stopped by a person (UserInitiated, ignored)',
      tasks: [task('a'), task('b'), stopped('manual', { stopCode: 'UserInitiated', stoppedReason: 'restart' })],
      outcome: 'pass',
      message: '2/2 tasks RUNNING',
    },
    {
      state: "another service's tasks in the same cluster (group filter)",
      tasks: [task('a'), task('w1', { group: 'service:worker' }), task('w2', { group: 'service:worker' })],
      outcome: 'retry',
      message: '1/2 tasks RUNNING on hokusai-api:151',
    },
    {
      state: 'a task desired STOPPED but still RUNNING (draining)',
      tasks: [task('a'), task('b', { desiredStatus: 'STOPPED' })],
      outcome: 'retry',
      message: '1/2 tasks RUNNING',
    },
  ])('$state → $outcome', async ({ tasks, outcome, message }) => {
    given(service(), tasks);
    const result = await attempt();
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(message);
  });

  it('fails at once on a STOPPED task of the current deployment, with stoppedReason, stopCode and exit codes', async () => {
    given(service(), [task('a'), task('b'), stopped('crashed')]);
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      'ECS service hokusai-api (cluster hokusai-development): task crashed of the current deployment (hokusai-api:151) STOPPED: ' +
        'EssentialContainerExited: Essential container in task exited (container api exit 1 (KeyError: HUGGINGFACE_API_KEY))',
    );
    expect(result.nextSteps?.[0]).toBe(
      `aws ecs describe-tasks --cluster hokusai-development --tasks ${arnOf('crashed')} --query 'tasks[0].{lastStatus:lastStatus,healthStatus:healthStatus,stoppedReason:stoppedReason}'`,
    );
    expect(result.observations).toContainEqual({ what: 'STOPPED tasks of the current deployment', expected: '0', actual: 'crashed', ok: false });
  });

  it('ties a STOPPED task without startedBy to the current deployment by its task definition', async () => {
    given(service(), [stopped('x', { startedBy: undefined, stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull access denied' })]);
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('STOPPED: TaskFailedToStart: CannotPullContainerError: pull access denied');
  });

  it('retries on an UNHEALTHY task, naming it and its containers (ECS replaces it; it may clear)', async () => {
    given(service(), [
      task('a'),
      task('sick', {
        healthStatus: 'UNHEALTHY',
        containers: [
          { name: 'api', healthStatus: 'UNHEALTHY' },
          { name: 'sidecar', healthStatus: 'HEALTHY' },
        ],
      }),
    ]);
    const result = await attempt();
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(
      'ECS service hokusai-api (cluster hokusai-development): task sick is UNHEALTHY (container api UNHEALTHY, container sidecar HEALTHY); 2/2 tasks RUNNING on hokusai-api:151',
    );
    expect(result.observations).toContainEqual({ what: 'UNHEALTHY tasks', expected: '0', actual: 'sick', ok: false });
  });

  it('counts against minRunning instead of desiredCount when given', async () => {
    given(service({ desiredCount: 3 }), [task('a')]);
    expect((await attempt({ ...SPEC, minRunning: 1 })).outcome).toBe('pass');
    expect((await attempt({ ...SPEC, minRunning: 2 })).message).toContain('1/2 tasks RUNNING');
  });

  it('fails when the service is scaled to zero and minRunning is not set', async () => {
    given(service({ desiredCount: 0, runningCount: 0 }), []);
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('is scaled to zero (desiredCount 0) and minRunning is not set');
  });

  it('retries with "0/2" when the service has no tasks at all yet', async () => {
    given(service(), []);
    const result = await attempt();
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe('ECS service hokusai-api (cluster hokusai-development): 0/2 tasks RUNNING on hokusai-api:151');
    expect(result.nextSteps).toEqual([
      "aws ecs describe-services --cluster hokusai-development --services hokusai-api --query 'services[0].events[:5]'",
    ]);
  });

  it('fails at once when the service is MISSING', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: 'MISSING' }] });
    const result = await attempt();
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('ECS service hokusai-api not found in cluster hokusai-development, region us-east-1 (MISSING)');
  });
});

describe('ecs-task-running: expected task definition', () => {
  it.each([
    ['>=151', 'pass'],
    ['>150', 'pass'],
    ['=151', 'pass'],
    ['==151', 'pass'],
    ['151', 'pass'],
    ['<=151', 'pass'],
    ['<152', 'pass'],
    ['>=152', 'fail'],
    ['>151', 'fail'],
    ['=150', 'fail'],
    ['<151', 'fail'],
    ['<=150', 'fail'],
  ])('revision "%s" with revision 151 deployed and running → %s', async (revision, outcome) => {
    given(service(), [task('a'), task('b')]);
    const result = await attempt({ ...SPEC, taskDefinition: { revision } });
    expect(result.outcome).toBe(outcome);
  });

  it.each([
    { form: 'family:revision', taskDefinition: 'hokusai-api:151', outcome: 'pass' },
    { form: 'family:condition', taskDefinition: 'hokusai-api:>=151', outcome: 'pass' },
    { form: 'family only', taskDefinition: 'hokusai-api', outcome: 'pass' },
    { form: 'ARN', taskDefinition: td(151), outcome: 'pass' },
    { form: 'numeric revision', taskDefinition: { revision: 151 }, outcome: 'pass' },
    { form: 'object with family', taskDefinition: { family: 'hokusai-api', revision: '>=150' }, outcome: 'pass' },
    { form: 'another family', taskDefinition: 'hokusai-worker:151', outcome: 'fail' },
  ])('accepts the $form form ($outcome)', async ({ taskDefinition, outcome }) => {
    given(service(), [task('a'), task('b')]);
    expect((await attempt({ ...SPEC, taskDefinition })).outcome).toBe(outcome);
  });

  it('fails at once when the PRIMARY deployment runs an older revision than required (never deployed)', async () => {
    given(service({}, 150), [task('a', { revision: 150 }), task('b', { revision: 150 })]);
    const result = await attempt({ ...SPEC, taskDefinition: 'hokusai-api:151' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      'ECS service hokusai-api (cluster hokusai-development): the PRIMARY deployment runs hokusai-api:150, expected hokusai-api:151: that revision was never deployed to the service',
    );
    expect(result.fix?.command).toBe('aws ecs update-service --cluster hokusai-development --service hokusai-api --task-definition hokusai-api:151');
    expect(result.observations).toEqual([
      { what: 'PRIMARY deployment task definition', expected: 'hokusai-api:151', actual: 'hokusai-api:150', ok: false },
    ]);
  });

  it('counts only tasks on a revision that satisfies the condition while a newer deployment rolls out', async () => {
    given(service({}, 152), [task('a', { revision: 152 }), task('old', { revision: 150, startedBy: 'ecs-svc/old' })]);
    const result = await attempt({ ...SPEC, taskDefinition: { revision: '>=151' } });
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('1/2 tasks RUNNING on hokusai-api:>=151 (RUNNING for other deployments, not counted: 1 hokusai-api:150)');
  });
});

describe('ecs-task-running: paging and batching', () => {
  it('describes more than 100 tasks in batches of at most 100', async () => {
    const tasks = Array.from({ length: 250 }, (_, i) => task(`t${i}`));
    given(service({ desiredCount: 250 }), tasks);
    const result = await attempt();
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain('250/250 tasks RUNNING');
    const batches = ecs.commandCalls(DescribeTasksCommand).map((call) => call.args[0].input.tasks?.length);
    expect(batches).toEqual([100, 100, 50]);
    const described = ecs.commandCalls(DescribeTasksCommand).flatMap((call) => call.args[0].input.tasks ?? []);
    expect(new Set(described).size).toBe(250);
  });

  it('follows ListTasks nextToken across pages and asks by serviceName and desiredStatus', async () => {
    const tasks = [task('p1'), task('p2'), task('p3')];
    const byArn = new Map(tasks.map((t) => [t.taskArn!, t]));
    ecs.on(DescribeServicesCommand).resolves({ services: [service({ desiredCount: 3 })], failures: [] });
    ecs
      .on(ListTasksCommand, { desiredStatus: 'RUNNING' })
      .resolvesOnce({ taskArns: [arnOf('p1')], nextToken: 'page2' })
      .resolvesOnce({ taskArns: [arnOf('p2')], nextToken: 'page3' })
      .resolvesOnce({ taskArns: [arnOf('p3')] });
    ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [] });
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({ tasks: input.tasks.map((arn) => byArn.get(arn)), failures: [] }));

    const result = await attempt();
    expect(result.outcome).toBe('pass');
    const running = ecs
      .commandCalls(ListTasksCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.desiredStatus === 'RUNNING');
    expect(running.map((input) => input.nextToken)).toEqual([undefined, 'page2', 'page3']);
    expect(running.every((input) => input.serviceName === 'hokusai-api' && input.cluster === 'hokusai-development')).toBe(true);
    expect(ecs.commandCalls(DescribeTasksCommand)[0]!.args[0].input.tasks).toEqual([arnOf('p1'), arnOf('p2'), arnOf('p3')]);
  });
});

describe('ecs-task-running: AWS errors and schema', () => {
  it('maps AccessDenied on ListTasks to an error naming ecs:ListTasks', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service()], failures: [] });
    ecs.on(ListTasksCommand).rejects(Object.assign(new Error('not authorized to perform: ecs:ListTasks'), { name: 'AccessDeniedException' }));
    const result = await attempt();
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('AccessDenied: ecs:ListTasks is not allowed');
  });

  it('maps throttling on DescribeTasks to retry', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service()], failures: [] });
    ecs.on(ListTasksCommand).resolves({ taskArns: [arnOf('a')] });
    ecs.on(DescribeTasksCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const result = await attempt();
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('AWS throttled ecs:DescribeTasks');
  });

  it.each([
    {
      spec: { ...SPEC, taskDefinition: 'hokusai-api:>=x' },
      message: 'expected "family", "family:revision", "family:>=revision", a task definition ARN, or { revision: ">=151" }, got "hokusai-api:>=x"',
    },
    {
      spec: { ...SPEC, taskDefinition: { revision: '=>151' } },
      message: 'revision: expected a revision like 151 or ">=151" (operators >=, >, =, ==, <=, <), got "=>151"',
    },
    { spec: { ...SPEC, taskDefinition: { revision: 0 } }, message: 'revision: Too small: expected number to be >0' },
    { spec: { ...SPEC, taskDefinition: { revision: '>=151', tag: 'x' } }, message: 'Unrecognized key: "tag"' },
    { spec: { ...SPEC, taskDefinition: 151 }, message: 'expected "family", "family:revision"' },
  ])('rejects taskDefinition $spec.taskDefinition with a clear message', ({ spec, message }) => {
    const parsed = ecsTaskRunning.schema.safeParse(spec);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toHaveLength(1);
    expect(parsed.error?.issues[0]?.path).toEqual(['taskDefinition']);
    expect(parsed.error?.issues[0]?.message).toContain(message);
  });

  it.each([
    { spec: { ...SPEC, minRunning: 0 }, path: 'minRunning' },
    { spec: { ...SPEC, minRunning: 1.5 }, path: 'minRunning' },
    { spec: { cluster: 'c' }, path: 'service' },
    { spec: { ...SPEC, desired: 2 }, path: '' },
  ])('rejects $spec (problem at "$path")', ({ spec, path }) => {
    const parsed = ecsTaskRunning.schema.safeParse(spec);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });

  it.each([
    { spec: SPEC, text: "desiredCount tasks of ECS service hokusai-api (cluster hokusai-development) are RUNNING on the PRIMARY deployment's task definition, none UNHEALTHY" },
    { spec: { ...SPEC, minRunning: 2, taskDefinition: { revision: '>=151' } }, text: 'at least 2 tasks of ECS service hokusai-api (cluster hokusai-development) are RUNNING on revision >=151, none UNHEALTHY' },
  ])('describes itself: $text', ({ spec, text }) => {
    expect(ecsTaskRunning.describe(ecsTaskRunning.schema.parse(spec))).toBe(text);
  });
});
