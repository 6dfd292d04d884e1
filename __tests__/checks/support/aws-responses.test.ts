/**
 * Every AWS call of the ECS, ELBv2, EC2 and ElastiCache check types, answered with what a proxy,
 * a middlebox or an emulator may send with HTTP 200: an empty JSON object, an empty body (the SDK
 * yields an output with nothing but $metadata), a body shaped wrongly for the API, or a body the
 * SDK cannot parse. Each must end the check as an `error` "unexpected response from <action>" —
 * never a pass, never a fail with a fix command, never "not found". Real HTTP through the fault
 * proxy in front of moto: __tests__/reliability/faults.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { checkTypes } from '../../../checks/index.js';
import { AttemptResultError, type AttemptResult, type CheckType } from '../../../checks/types.js';
import { ClientPool } from '../../../runner/clients.js';
import { fakeContext } from '../../support/context.js';

const ecs = mockClient(ECSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ec2 = mockClient(EC2Client);
const elasticache = mockClient(ElastiCacheClient);
const mocks = [ecs, elbv2, ec2, elasticache];

const CLUSTER = 'hokusai-development';
const SERVICE = 'hokusai-api';
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api:151';
const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/hokusai-development/0c1f';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/6d0ecf831eec9f09';
const API_SG = 'sg-0864e6f6aee2a5cf4';
const REDIS_SG = 'sg-0454e74e2924a7754';
const REDIS = 'hokusai-redis';

/** Every call answers as AWS does for a healthy deployment (the rows then break one call). */
function givenHealthyAws(): void {
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: SERVICE,
        status: 'ACTIVE',
        desiredCount: 1,
        runningCount: 1,
        taskDefinition: TD,
        deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: TD, rolloutState: 'COMPLETED' }],
        loadBalancers: [{ targetGroupArn: TG, containerName: 'api', containerPort: 8000 }],
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: [API_SG] } },
      },
    ],
    failures: [],
  });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: { taskDefinitionArn: TD, family: 'hokusai-api', revision: 151, containerDefinitions: [{ name: 'api', secrets: [{ name: 'HF', valueFrom: 'arn' }] }] },
  });
  ecs.on(ListTasksCommand).resolves({ taskArns: [TASK] });
  ecs.on(DescribeTasksCommand).resolves({
    tasks: [{ taskArn: TASK, taskDefinitionArn: TD, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', startedBy: 'ecs-svc/1', group: `service:${SERVICE}` }],
    failures: [],
  });
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: TG, TargetGroupName: 'api' }] });
  elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [{ Target: { Id: '10.0.1.23', Port: 8000 }, TargetHealth: { State: 'healthy' } }] });
  // No rules at all: sg-ingress then asks DescribeSecurityGroups whether the group exists.
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: REDIS_SG, IpPermissions: [] }] });
  elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ ReplicationGroupId: REDIS, Status: 'available' }] });
}

interface CallRow {
  /** `ecs:DescribeServices` as the message names it. */
  action: string;
  check: string;
  spec: Record<string, unknown>;
  /** The mock of the call this row breaks. */
  stub: () => Stub;
  /** A body with the API's top-level field but the wrong content. */
  wrong: unknown;
}

const BY_SERVICE = { cluster: CLUSTER, service: SERVICE };
/** The part of aws-sdk-client-mock's stub the rows use, for any command. */
interface Stub {
  resolves(output: unknown): unknown;
  rejects(error: Error): unknown;
}
const describeServices = (): Stub => ecs.on(DescribeServicesCommand) as unknown as Stub;

// One row per AWS call of each check type (DescribeServices once per check type that makes it).
const CALLS: CallRow[] = [
  { action: 'ecs:DescribeServices', check: 'ecs-service-stable', spec: BY_SERVICE, stub: describeServices, wrong: { services: [{ serviceName: SERVICE }], failures: [] } },
  { action: 'ecs:DescribeServices', check: 'ecs-task-running', spec: BY_SERVICE, stub: describeServices, wrong: { services: [], failures: [] } },
  { action: 'ecs:DescribeServices', check: 'ecs-task-definition', spec: { ...BY_SERVICE, secrets: ['HF'] }, stub: describeServices, wrong: { services: 'hokusai-api', failures: [] } },
  { action: 'ecs:DescribeServices', check: 'alb-targets-healthy', spec: BY_SERVICE, stub: describeServices, wrong: { services: [], failures: [{ arn: 'x' }] } },
  { action: 'ecs:DescribeServices', check: 'sg-ingress', spec: { from: BY_SERVICE, toSecurityGroup: REDIS_SG, port: 6379 }, stub: describeServices, wrong: { services: [{ status: 'ACTIVE' }], failures: [] } },
  {
    action: 'ecs:DescribeTaskDefinition',
    check: 'ecs-task-definition',
    spec: { taskDefinition: 'hokusai-api:151', secrets: ['HF'] },
    stub: () => ecs.on(DescribeTaskDefinitionCommand) as unknown as Stub,
    wrong: { taskDefinition: { family: 'hokusai-api', containerDefinitions: [] } },
  },
  { action: 'ecs:ListTasks', check: 'ecs-task-running', spec: BY_SERVICE, stub: () => ecs.on(ListTasksCommand) as unknown as Stub, wrong: { taskArns: TASK } },
  {
    action: 'ecs:DescribeTasks',
    check: 'ecs-task-running',
    spec: BY_SERVICE,
    stub: () => ecs.on(DescribeTasksCommand) as unknown as Stub,
    wrong: { tasks: [{ taskArn: TASK }], failures: [] },
  },
  {
    action: 'elasticloadbalancing:DescribeTargetGroups',
    check: 'alb-targets-healthy',
    spec: { targetGroupName: 'api' },
    stub: () => elbv2.on(DescribeTargetGroupsCommand) as unknown as Stub,
    wrong: { TargetGroups: [] },
  },
  {
    action: 'elasticloadbalancing:DescribeTargetHealth',
    check: 'alb-targets-healthy',
    spec: { targetGroupArn: TG },
    stub: () => elbv2.on(DescribeTargetHealthCommand) as unknown as Stub,
    wrong: { TargetHealthDescriptions: [{ Target: { Id: '10.0.1.23' } }] },
  },
  {
    action: 'ec2:DescribeSecurityGroupRules',
    check: 'sg-ingress',
    spec: { fromSecurityGroups: [API_SG], toSecurityGroup: REDIS_SG, port: 6379 },
    stub: () => ec2.on(DescribeSecurityGroupRulesCommand) as unknown as Stub,
    wrong: { SecurityGroupRules: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379 }] },
  },
  {
    action: 'ec2:DescribeSecurityGroups',
    check: 'sg-ingress',
    spec: { fromSecurityGroups: [API_SG], toSecurityGroup: REDIS_SG, port: 6379 },
    stub: () => ec2.on(DescribeSecurityGroupsCommand) as unknown as Stub,
    wrong: { SecurityGroups: [] },
  },
  {
    action: 'elasticache:DescribeReplicationGroups',
    check: 'elasticache-available',
    spec: { replicationGroupId: REDIS },
    stub: () => elasticache.on(DescribeReplicationGroupsCommand) as unknown as Stub,
    wrong: { ReplicationGroups: [{ ReplicationGroupId: 'another-group', Status: 'available' }] },
  },
];

/** What the SDK throws for a 200 answer it cannot parse (checked against the real SDK in faults.test.ts). */
function unreadable(): Error {
  return Object.assign(new SyntaxError(`Unexpected token '<', "<html>" is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`), {
    $metadata: { httpStatusCode: 200 },
  });
}

const BODIES: [string, (row: CallRow) => unknown][] = [
  ['{}', () => ({})],
  ['an empty body', () => ({ $metadata: { httpStatusCode: 200 } })],
  ['a wrongly shaped body', (row) => row.wrong],
];

let pool: ClientPool;
beforeEach(() => {
  for (const mock of mocks) mock.reset();
  pool = new ClientPool({ region: 'us-east-1' });
  givenHealthyAws();
});
afterEach(async () => {
  await pool.destroy();
});

async function attempt(row: CallRow): Promise<AttemptResult> {
  const check = checkTypes.find((type) => type.type === row.check) as CheckType<unknown>;
  try {
    return await check.run(check.schema.parse(row.spec), fakeContext({ clients: pool }));
  } catch (error) {
    if (error instanceof AttemptResultError) return error.result;
    throw error;
  }
}

function expectUnexpectedResponse(result: AttemptResult, action: string): void {
  expect(result.outcome).toBe('error');
  expect(result.message).toMatch(new RegExp(`^unexpected response from ${action}: `));
  expect(result.message).not.toMatch(/not found|does not exist/);
  expect(result.fix).toBeUndefined();
  expect(JSON.stringify(result)).not.toContain('authorize-security-group-ingress');
}

describe('the well-formed answers reach a verdict (the rows below break exactly one call)', () => {
  // sg-ingress is given a group without rules, so that DescribeSecurityGroups is called too.
  it.each(CALLS.map((row) => [row.check, row.action, row] as const))('%s (%s)', async (_, __, row) => {
    expect((await attempt(row)).outcome).toBe(row.check === 'sg-ingress' ? 'fail' : 'pass');
  });
});

describe.each(CALLS)('$check: $action', (row) => {
  it.each(BODIES)('answered with %s → error "unexpected response", never a verdict', async (_, body) => {
    row.stub().resolves(body(row));
    expectUnexpectedResponse(await attempt(row), row.action);
  });

  it('answered with a 200 the SDK cannot parse → error "unexpected response"', async () => {
    row.stub().rejects(unreadable());
    const result = await attempt(row);
    expectUnexpectedResponse(result, row.action);
    expect(result.message).toContain('answer the SDK could not read (SyntaxError');
  });
});

describe('genuinely empty lists keep their meaning', () => {
  it('a target group with no registered targets (TargetHealthDescriptions: []) fails "no registered targets"', async () => {
    elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    const result = await attempt(CALLS.find((r) => r.action === 'elasticloadbalancing:DescribeTargetHealth')!);
    expect(result).toMatchObject({ outcome: 'fail', message: expect.stringContaining('has no registered targets') });
  });

  it('a security group with no rules (SecurityGroupRules: [], the group exists) fails "rules present: none"', async () => {
    const result = await attempt(CALLS.find((r) => r.action === 'ec2:DescribeSecurityGroups')!);
    expect(result).toMatchObject({ outcome: 'fail', message: expect.stringContaining('(rules present: none)') });
  });

  it('a service with no tasks (taskArns: []) retries "0/1 tasks RUNNING"', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    const result = await attempt(CALLS.find((r) => r.action === 'ecs:ListTasks')!);
    expect(result).toMatchObject({ outcome: 'retry', message: expect.stringContaining('0/1 tasks RUNNING') });
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });

  it('a MISSING service (services: [], failures: [MISSING]) fails naming the region', async () => {
    describeServices().resolves({ services: [], failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/hokusai-api', reason: 'MISSING' }] });
    const result = await attempt(CALLS[0]!);
    expect(result).toMatchObject({ outcome: 'fail', message: `ECS service ${SERVICE} not found in cluster ${CLUSTER}, region us-east-1 (MISSING)` });
  });
});
