/**
 * ecs-task-definition, issue #10 additions: `secretsExist` (every valueFrom names an existing
 * Secrets Manager secret or SSM parameter; metadata only) and `connections` (configuration smells
 * as warnings that never change the verdict).
 */
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeTaskDefinitionCommand, ECSClient, type ContainerDefinition } from '@aws-sdk/client-ecs';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ecsTaskDefinition } from '../../checks/ecs-task-definition.js';
import { AttemptResultError, type AttemptResult } from '../../checks/types.js';
import { ClientPool } from '../../runner/clients.js';
import { fakeContext } from '../support/context.js';

const ecs = mockClient(ECSClient);
const secretsManager = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const ACCOUNT = '123456789012';
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:hokusai/hf-key-AbCdEf`;
const MISSING = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:hokusai/missing-AbCdEf`;
const PARAMETER = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/hokusai/db-password`;
let pool: ClientPool;
let secrets: string[];

beforeEach(() => {
  ecs.reset();
  secretsManager.reset();
  ssm.reset();
  pool = new ClientPool({ region: 'us-east-1' });
});
afterEach(async () => {
  await pool.destroy();
});

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name}: simulated`), { name, $metadata: { httpStatusCode: status } });
}

function givenContainers(containers: ContainerDefinition[]): void {
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: { family: 'api', revision: 7, taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:7`, containerDefinitions: containers },
  });
}
function givenSecrets(existing: string[]): void {
  secretsManager.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => {
    if (!existing.includes(input.SecretId)) throw awsError('ResourceNotFoundException');
    return { ARN: input.SecretId, Name: input.SecretId.split(':secret:')[1] };
  });
}
function givenParameters(existing: string[]): void {
  ssm.on(DescribeParametersCommand).callsFake((input: { ParameterFilters: { Values: string[] }[] }) => ({
    Parameters: existing.filter((name) => input.ParameterFilters[0]!.Values.includes(name)).map((Name) => ({ Name })),
  }));
}

async function attempt(spec: Record<string, unknown>): Promise<AttemptResult> {
  const ctx = fakeContext({ clients: pool });
  secrets = ctx.secrets;
  try {
    return await ecsTaskDefinition.run(ecsTaskDefinition.schema.parse({ taskDefinition: 'api:7', ...spec }), ctx);
  } catch (error) {
    if (error instanceof AttemptResultError) return error.result;
    throw error;
  }
}

const app = (overrides: Partial<ContainerDefinition>): ContainerDefinition => ({ name: 'app', image: 'app', ...overrides });

describe('ecs-task-definition secretsExist', () => {
  it('passes when every secret and parameter exists, asking only for metadata', async () => {
    givenContainers([app({ secrets: [{ name: 'HF', valueFrom: SECRET }, { name: 'DB', valueFrom: PARAMETER }, { name: 'PLAIN', valueFrom: 'plain-param' }] })]);
    givenSecrets([SECRET]);
    givenParameters(['/hokusai/db-password', 'plain-param']);
    const result = await attempt({ secretsExist: true });
    expect(result).toMatchObject({ outcome: 'pass', message: 'task definition api:7 references 3 secrets, all existing' });
    expect(result.observations?.map((o) => [o.what, o.actual])).toEqual([
      ['secret HF (container app)', 'exists'],
      ['secret DB (container app)', 'exists'],
      ['secret PLAIN (container app)', 'exists'],
    ]);
    expect(ssm.commandCalls(DescribeParametersCommand).map((c) => c.args[0].input.ParameterFilters)).toEqual([
      [{ Key: 'Name', Option: 'Equals', Values: ['/hokusai/db-password'] }],
      [{ Key: 'Name', Option: 'Equals', Values: ['plain-param'] }],
    ]);
    // Values are never read.
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('fails on a missing secret, naming where it is used and the ResourceInitializationError it causes', async () => {
    givenContainers([app({ secrets: [{ name: 'HF', valueFrom: SECRET }, { name: 'STRIPE', valueFrom: `${MISSING}:key::` }] })]);
    givenSecrets([SECRET]);
    const result = await attempt({ secretsExist: true });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(`task definition api:7 references a secret that does not exist: secret STRIPE (container app) → Secrets Manager secret ${MISSING} (tasks stop with ResourceInitializationError)`);
    expect(result.facts).toMatchObject({ missingSecrets: [MISSING] });
    expect(result.fix?.command).toBe("aws secretsmanager list-secrets --region us-east-1 --query 'SecretList[].Name'");
  });

  it('fails on a missing parameter, following DescribeParameters pages that come back empty', async () => {
    givenContainers([app({ secrets: [{ name: 'DB', valueFrom: PARAMETER }] })]);
    ssm.on(DescribeParametersCommand).resolvesOnce({ Parameters: [], NextToken: 'page-2' }).resolves({ Parameters: [] });
    const result = await attempt({ secretsExist: true });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('SSM parameter /hokusai/db-password (us-east-1)');
    expect(ssm.commandCalls(DescribeParametersCommand)).toHaveLength(2);
  });

  it('finds a parameter on a later page', async () => {
    givenContainers([app({ secrets: [{ name: 'DB', valueFrom: PARAMETER }] })]);
    ssm.on(DescribeParametersCommand).resolvesOnce({ Parameters: [], NextToken: 'page-2' }).resolves({ Parameters: [{ Name: '/hokusai/db-password' }] });
    expect((await attempt({ secretsExist: true })).outcome).toBe('pass');
  });

  it('a secret in another account is a warning, not a verdict', async () => {
    givenContainers([app({ secrets: [{ name: 'SHARED', valueFrom: 'arn:aws:secretsmanager:us-east-1:999999999999:secret:shared-AbCdEf' }] })]);
    const result = await attempt({ secretsExist: true });
    expect(result.outcome).toBe('pass');
    expect(result.warnings).toEqual([expect.stringContaining('is in account 999999999999, not 123456789012: not verified')]);
    expect(secretsManager.commandCalls(DescribeSecretCommand)).toHaveLength(0);
  });

  it.each([
    ['AccessDeniedException', 400, 'error', 'secretsmanager:DescribeSecret'],
    ['ThrottlingException', 400, 'retry', 'throttled'],
  ])('%s on DescribeSecret → %s, never "missing"', async (name, status, outcome, text) => {
    givenContainers([app({ secrets: [{ name: 'HF', valueFrom: SECRET }] })]);
    secretsManager.on(DescribeSecretCommand).rejects(awsError(name, status));
    const result = await attempt({ secretsExist: true });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(text);
  });

  it('an answer without the secret\'s ARN and Name is an error', async () => {
    givenContainers([app({ secrets: [{ name: 'HF', valueFrom: SECRET }] })]);
    secretsManager.on(DescribeSecretCommand).resolves({});
    expect((await attempt({ secretsExist: true })).message).toContain('unexpected response from secretsmanager:DescribeSecret');
  });

  it('explains tasks that do not start, only when a secret is missing', () => {
    const relation = ecsTaskDefinition.explains!.find((r) => r.effect === 'ecs-deployment')!;
    const view = (facts: Record<string, unknown>) => ({ name: 'td', type: 'ecs-task-definition', message: '', facts });
    expect(relation.because).toContain('ResourceInitializationError');
    expect(relation.when!(view({ missingSecrets: ['x'] }), view({}))).toBe(true);
    expect(relation.when!(view({}), view({}))).toBe(false);
  });
});

describe('ecs-task-definition connections', () => {
  const HOST = 'master.hokusai-redis.lenvj6.use1.cache.amazonaws.com';

  it.each([
    ['no scheme (the incident)', `${HOST}:6379`, { port: 6379, scheme: 'redis' }, [`REDIS_URL (container app) has no scheme: "${HOST}:6379"`]],
    ['redis:// to a TLS group', `redis://${HOST}:6379`, { port: 6379, scheme: 'rediss' }, ['requires in-transit encryption (TLS): use rediss://']],
    ['another port', `redis://${HOST}:6380`, { port: 6379, scheme: 'redis' }, ['connects to port 6380, but']],
    ['not an endpoint at all', 'localhost', { port: 6379 }, ['REDIS_URL (container app) does not name an endpoint (host:port or URL)']],
  ])('warns for %s, and still passes', async (_, value, expectation, texts) => {
    givenContainers([app({ environment: [{ name: 'REDIS_URL', value }] })]);
    const result = await attempt({ connections: [{ variable: 'REDIS_URL', to: 'ElastiCache replication group hokusai-redis', ...expectation }] });
    expect(result.outcome).toBe('pass');
    expect(result.warnings).toHaveLength(1);
    for (const text of texts) expect(result.warnings![0]).toContain(text);
  });

  it('no warning when the variable is right; a password in the URL is masked and never shown', async () => {
    givenContainers([app({ environment: [{ name: 'REDIS_URL', value: `rediss://:hunter2@${HOST}:6379` }] })]);
    const result = await attempt({ connections: [{ variable: 'REDIS_URL', port: 6379, scheme: 'rediss' }] });
    expect(result).toMatchObject({ outcome: 'pass' });
    expect(result.warnings).toBeUndefined();
    expect(secrets).toContain('hunter2');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('a variable no longer declared is a warning', async () => {
    givenContainers([app({ environment: [] })]);
    const result = await attempt({ connections: [{ variable: 'REDIS_URL', to: 'ElastiCache replication group hokusai-redis' }] });
    expect(result.warnings).toEqual(['REDIS_URL is no longer declared (it pointed at ElastiCache replication group hokusai-redis)']);
  });

  it('warnings ride along with a failure too', async () => {
    givenContainers([app({ environment: [{ name: 'REDIS_URL', value: `${HOST}:6379` }] })]);
    const result = await attempt({ secrets: ['HF'], connections: [{ variable: 'REDIS_URL' }] });
    expect(result.outcome).toBe('fail');
    expect(result.warnings).toHaveLength(1);
  });
});
