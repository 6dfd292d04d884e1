import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type ContainerDefinition,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ecsTaskDefinition } from '../../checks/ecs-task-definition.js';
import { AttemptResultError, type AttemptResult } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';

const ecs = mockClient(ECSClient);
const ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hokusai/hf-key-AbCdEf';
const BY_SERVICE = { cluster: 'hokusai-development', service: 'hokusai-api' };

beforeEach(() => {
  ecs.reset();
});

async function attempt(spec: unknown): Promise<AttemptResult> {
  try {
    return await ecsTaskDefinition.run(ecsTaskDefinition.schema.parse(spec), fakeContext());
  } catch (error) {
    if (error instanceof AttemptResultError) return error.result;
    throw error;
  }
}

const api = (overrides: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: 'api',
  image: 'hokusai/api:latest',
  secrets: [{ name: 'HUGGINGFACE_API_KEY', valueFrom: SECRET_ARN }],
  environment: [{ name: 'REDIS_URL', value: 'redis://master.hokusai-redis.cache.amazonaws.com:6379' }],
  ...overrides,
});

function definition(revision: number, containers: ContainerDefinition[]): TaskDefinition {
  return { family: 'hokusai-api', revision, taskDefinitionArn: `${ARN}:${revision}`, containerDefinitions: containers };
}

/** DescribeTaskDefinition answers by whatever it is asked for (ARN, family:revision or family). */
function givenDefinitions(byReference: Record<string, TaskDefinition>): void {
  ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
    const found = byReference[input.taskDefinition];
    if (!found) throw Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' });
    return { taskDefinition: found };
  });
}

function givenServiceRunning(primaryRevision: number, serviceRevision = primaryRevision): void {
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'hokusai-api',
        status: 'ACTIVE',
        desiredCount: 1,
        runningCount: 1,
        taskDefinition: `${ARN}:${serviceRevision}`,
        deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: `${ARN}:${primaryRevision}` }],
      },
    ],
    failures: [],
  });
}

describe('ecs-task-definition', () => {
  it('passes when every required name is declared, reporting the revision and which container has it', async () => {
    givenDefinitions({ 'hokusai-api:151': definition(151, [api()]) });
    const result = await attempt({ taskDefinition: 'hokusai-api:151', secrets: ['HUGGINGFACE_API_KEY'], environment: ['REDIS_URL'] });
    expect(result.outcome).toBe('pass');
    expect(result.message).toBe('task definition hokusai-api:151 declares secret HUGGINGFACE_API_KEY and environment REDIS_URL');
    expect(result.observations).toEqual([
      { what: 'secret HUGGINGFACE_API_KEY', expected: 'declared in any container', actual: 'declared in api', ok: true },
      { what: 'environment REDIS_URL', expected: 'declared in any container', actual: 'declared in api', ok: true },
    ]);
    expect(result.facts).toEqual({ taskDefinition: 'hokusai-api:151', family: 'hokusai-api', revision: 151 });
  });

  it('fails naming the missing secret and the revision, with a fix', async () => {
    givenDefinitions({ 'hokusai-api:150': definition(150, [api({ secrets: [] })]) });
    const result = await attempt({ taskDefinition: 'hokusai-api:150', secrets: ['HUGGINGFACE_API_KEY'], environment: ['REDIS_URL'] });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('task definition hokusai-api:150 is missing secret HUGGINGFACE_API_KEY');
    expect(result.fix).toEqual({
      summary: 'add secret HUGGINGFACE_API_KEY to task definition hokusai-api:150 and redeploy',
      command:
        "aws ecs describe-task-definition --task-definition hokusai-api:150 --query 'taskDefinition.containerDefinitions[].{name:name,secrets:secrets[].name,environment:environment[].name}'",
    });
    expect(result.observations).toContainEqual({ what: 'secret HUGGINGFACE_API_KEY', expected: 'declared in any container', actual: 'missing', ok: false });
  });

  it('lists every missing name, of both kinds', async () => {
    givenDefinitions({ 'hokusai-api': definition(150, [api({ secrets: [], environment: [] })]) });
    const result = await attempt({ taskDefinition: 'hokusai-api', secrets: ['HUGGINGFACE_API_KEY', 'DB_PASSWORD'], environment: ['REDIS_URL'] });
    expect(result.message).toBe('task definition hokusai-api:150 is missing secrets HUGGINGFACE_API_KEY, DB_PASSWORD and environment REDIS_URL');
  });

  it.each([
    { container: undefined, outcome: 'pass', actual: 'declared in worker' },
    { container: 'worker', outcome: 'pass', actual: 'declared in worker' },
    { container: 'api', outcome: 'fail', actual: 'missing' },
  ])('with container $container and the secret only in container worker → $outcome', async ({ container, outcome, actual }) => {
    givenDefinitions({ 'hokusai-api:151': definition(151, [api({ secrets: [] }), api({ name: 'worker' })]) });
    const result = await attempt({ taskDefinition: 'hokusai-api:151', container, secrets: ['HUGGINGFACE_API_KEY'] });
    expect(result.outcome).toBe(outcome);
    expect(result.observations?.[0]?.actual).toBe(actual);
    if (outcome === 'fail') expect(result.message).toBe('task definition hokusai-api:151 is missing secret HUGGINGFACE_API_KEY in container api');
  });

  it('fails when the named container does not exist, listing the containers there are', async () => {
    givenDefinitions({ 'hokusai-api:151': definition(151, [api(), api({ name: 'worker' })]) });
    const result = await attempt({ taskDefinition: 'hokusai-api:151', container: 'web', secrets: ['HUGGINGFACE_API_KEY'] });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('task definition hokusai-api:151 has no container web (containers: api, worker)');
  });

  it.each([
    { kind: 'secrets', names: ['REDIS_URL'], actual: 'missing (declared as plain environment (not a secret) in api)' },
    { kind: 'environment', names: ['HUGGINGFACE_API_KEY'], actual: 'missing (declared as a secret (not environment) in api)' },
  ])('hints when a name required under $kind is declared as the other kind', async ({ kind, names, actual }) => {
    givenDefinitions({ 'hokusai-api:151': definition(151, [api()]) });
    const result = await attempt({ taskDefinition: 'hokusai-api:151', [kind]: names });
    expect(result.outcome).toBe('fail');
    expect(result.observations?.[0]?.actual).toBe(actual);
  });

  it('says environmentFiles are not inspected when an environment name is missing', async () => {
    givenDefinitions({ 'hokusai-api:151': definition(151, [api({ environmentFiles: [{ type: 's3', value: 'arn:aws:s3:::bucket/api.env' }] })]) });
    const result = await attempt({ taskDefinition: 'hokusai-api:151', environment: ['LOG_LEVEL'] });
    expect(result.message).toContain('(environmentFiles are not inspected: names there do not count)');
    expect(result.details?.containers).toEqual([
      { name: 'api', secrets: ['HUGGINGFACE_API_KEY'], environment: ['REDIS_URL'], environmentFiles: 1 },
    ]);
  });

  it('never reports secret references or environment values, only names', async () => {
    givenDefinitions({ 'hokusai-api:151': definition(151, [api()]) });
    for (const spec of [
      { taskDefinition: 'hokusai-api:151', secrets: ['HUGGINGFACE_API_KEY'], environment: ['REDIS_URL'] },
      { taskDefinition: 'hokusai-api:151', secrets: ['MISSING'], environment: ['ALSO_MISSING'] },
    ]) {
      const text = JSON.stringify(await attempt(spec));
      expect(text).toContain('HUGGINGFACE_API_KEY');
      expect(text).not.toContain('secretsmanager');
      expect(text).not.toContain('redis://');
    }
  });

  it("inspects the PRIMARY deployment's task definition, not the latest registered, and suggests deploying the latest when it has the names", async () => {
    givenServiceRunning(150, 151);
    givenDefinitions({
      [`${ARN}:150`]: definition(150, [api({ secrets: [] })]),
      'hokusai-api': definition(151, [api()]),
    });
    const result = await attempt({ ...BY_SERVICE, secrets: ['HUGGINGFACE_API_KEY'] });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      'task definition hokusai-api:150 (run by ECS service hokusai-api, cluster hokusai-development) is missing secret HUGGINGFACE_API_KEY',
    );
    expect(result.fix).toEqual({
      summary: 'hokusai-api:151 already declares secret HUGGINGFACE_API_KEY: deploy it to hokusai-api (it runs hokusai-api:150)',
      command: 'aws ecs update-service --cluster hokusai-development --service hokusai-api --task-definition hokusai-api:151',
    });
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]!.args[0].input).toEqual({ taskDefinition: `${ARN}:150` });
  });

  it('passes for a service whose PRIMARY deployment runs a definition with the names', async () => {
    givenServiceRunning(151);
    givenDefinitions({ [`${ARN}:151`]: definition(151, [api()]) });
    const result = await attempt({ ...BY_SERVICE, secrets: ['HUGGINGFACE_API_KEY'] });
    expect(result.outcome).toBe('pass');
    expect(result.message).toBe(
      'task definition hokusai-api:151 (run by ECS service hokusai-api, cluster hokusai-development) declares secret HUGGINGFACE_API_KEY',
    );
  });

  it('asks for a new revision when no registered revision has the names', async () => {
    givenServiceRunning(150);
    givenDefinitions({ [`${ARN}:150`]: definition(150, [api({ secrets: [] })]), 'hokusai-api': definition(150, [api({ secrets: [] })]) });
    const result = await attempt({ ...BY_SERVICE, secrets: ['HUGGINGFACE_API_KEY'] });
    expect(result.fix?.summary).toBe('add secret HUGGINGFACE_API_KEY to task definition hokusai-api:150 and redeploy');
  });

  it('fails when the task definition does not exist', async () => {
    givenDefinitions({});
    const result = await attempt({ taskDefinition: 'hokusai-api:999', secrets: ['HUGGINGFACE_API_KEY'] });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('task definition hokusai-api:999 not found in region us-east-1');
    expect(result.nextSteps).toEqual(['aws ecs list-task-definitions --family-prefix hokusai-api --sort DESC --max-items 5 --region us-east-1']);
  });

  it('fails when the service is MISSING', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: 'MISSING' }] });
    const result = await attempt({ ...BY_SERVICE, secrets: ['HUGGINGFACE_API_KEY'] });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('ECS service hokusai-api not found in cluster hokusai-development, region us-east-1 (MISSING)');
  });

  it.each([
    { error: 'AccessDeniedException', outcome: 'error', message: 'AccessDenied: ecs:DescribeTaskDefinition is not allowed' },
    { error: 'ThrottlingException', outcome: 'retry', message: 'AWS throttled ecs:DescribeTaskDefinition' },
  ])('maps $error to $outcome', async ({ error, outcome, message }) => {
    ecs.on(DescribeTaskDefinitionCommand).rejects(Object.assign(new Error('nope'), { name: error }));
    const result = await attempt({ taskDefinition: 'hokusai-api:151', secrets: ['HUGGINGFACE_API_KEY'] });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(message);
  });

  it.each([
    { spec: { secrets: ['A'] }, path: '', message: 'give cluster + service (inspects the task definition the service runs) or taskDefinition' },
    { spec: { ...BY_SERVICE, taskDefinition: 'x:1', secrets: ['A'] }, path: 'taskDefinition', message: 'give either taskDefinition or cluster + service, not both' },
    { spec: { cluster: 'c', secrets: ['A'] }, path: 'service', message: 'service is required with cluster' },
    { spec: { service: 's', secrets: ['A'] }, path: 'cluster', message: 'cluster is required with service' },
    { spec: { taskDefinition: 'x:1' }, path: '', message: 'list at least one name under secrets or environment' },
    { spec: { taskDefinition: 'x:1', secrets: [] }, path: '', message: 'list at least one name under secrets or environment' },
    { spec: { taskDefinition: 'x:latest', secrets: ['A'] }, path: 'taskDefinition', message: 'expected "family", "family:revision" or a task definition ARN, got "x:latest"' },
    { spec: { taskDefinition: 'x:1', secrets: [''] }, path: 'secrets.0', message: 'a name cannot be empty' },
    { spec: { taskDefinition: 'x:1', secret: ['A'] }, path: '', message: 'Unrecognized key: "secret"' },
  ])('rejects $spec: $message', ({ spec, path, message }) => {
    const parsed = ecsTaskDefinition.schema.safeParse(spec);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toContainEqual([path, message]);
  });

  it.each([
    { spec: { taskDefinition: `${ARN}:151`, secrets: ['A'] } },
    { spec: { taskDefinition: 'hokusai-api', environment: ['B'] } },
    { spec: { ...BY_SERVICE, container: 'api', secrets: ['A'], environment: ['B'] } },
  ])('accepts $spec', ({ spec }) => {
    expect(ecsTaskDefinition.schema.safeParse(spec).success).toBe(true);
  });

  it.each([
    {
      spec: { ...BY_SERVICE, secrets: ['HUGGINGFACE_API_KEY'] },
      text: 'the task definition ECS service hokusai-api (cluster hokusai-development) runs declares secret HUGGINGFACE_API_KEY',
    },
    {
      spec: { taskDefinition: 'hokusai-api:151', container: 'api', secrets: ['A', 'B'], environment: ['C'] },
      text: 'task definition hokusai-api:151 declares secrets A, B and environment C in container api',
    },
  ])('describes itself: $text', ({ spec, text }) => {
    expect(ecsTaskDefinition.describe(ecsTaskDefinition.schema.parse(spec))).toBe(text);
  });
});
