/**
 * The transient-or-definitive decision for every AWS error these check types can meet (the tables
 * in docs/checks/{ecs-*,alb-targets-healthy,sg-ingress,elasticache-available}.md), and throttling
 * that surfaces at once instead of eating the attempt's time inside the SDK's retry.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { awsErrorResult, clientRegion, ecsClient, throttlingNotRetried } from '../../../checks/support/aws.js';
import { checkTypes } from '../../../checks/index.js';
import { AttemptResultError, type AttemptResult, type CheckType } from '../../../checks/types.js';
import { ClientPool } from '../../../runner/clients.js';
import { fakeContext } from '../../support/context.js';
import { startHttpServer, type TestHttpServer } from '../../support/http-server.js';

function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name}: simulated`), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}), ...extra });
}

describe('awsErrorResult: every error code → transient or definitive', () => {
  // prettier-ignore
  it.each([
    // throttling: transient, a `retry` naming the throttled call
    ['ThrottlingException', 400, 'retry', false, /^AWS throttled ecs:DescribeServices \(ThrottlingException\)/],
    ['Throttling', 400, 'retry', false, /^AWS throttled ecs:DescribeServices \(Throttling\)/],
    ['RequestLimitExceeded', 503, 'retry', false, /^AWS throttled ecs:DescribeServices \(RequestLimitExceeded\)/],
    ['TooManyRequestsException', 429, 'retry', false, /^AWS throttled/],
    ['SomethingNew', 429, 'retry', false, /^AWS throttled ecs:DescribeServices \(SomethingNew\)/],
    ['EC2ThrottledException', 400, 'retry', false, /^AWS throttled/],
    // permissions and credentials: definitive
    ['AccessDeniedException', 400, 'error', false, /^AccessDenied: ecs:DescribeServices is not allowed/],
    ['UnauthorizedOperation', 403, 'error', false, /^AccessDenied: ecs:DescribeServices is not allowed/],
    ['AccessDenied', 403, 'error', false, /^AccessDenied/],
    ['ExpiredTokenException', 400, 'error', false, /^AWS credentials are missing, expired or invalid/],
    ['UnrecognizedClientException', 400, 'error', false, /^AWS credentials are missing, expired or invalid/],
    ['InvalidClientTokenId', 403, 'error', false, /^AWS credentials are missing, expired or invalid/],
    ['AuthFailure', 401, 'error', false, /^AWS credentials are missing, expired or invalid/],
    ['CredentialsProviderError', undefined, 'error', false, /^AWS credentials are missing, expired or invalid/],
    // the service failing: transient
    ['ServerException', 500, 'error', true, /^AWS ecs:DescribeServices failed with ServerException \(HTTP 500\)/],
    ['InternalError', 500, 'error', true, /HTTP 500/],
    ['ServiceUnavailable', 503, 'error', true, /HTTP 503/],
    ['HealthUnavailable', 500, 'error', true, /HTTP 500/],
    ['TimeoutError', undefined, 'error', true, /^cannot reach the AWS endpoint for ecs:DescribeServices \(TimeoutError/],
    // the request being wrong: definitive
    ['InvalidParameterException', 400, 'error', false, /^AWS ecs:DescribeServices failed: InvalidParameterException/],
    ['ValidationError', 400, 'error', false, /^AWS ecs:DescribeServices failed: ValidationError/],
    ['ClientException', 400, 'error', false, /^AWS ecs:DescribeServices failed: ClientException/],
    ['InvalidParameterValue', 400, 'error', false, /failed: InvalidParameterValue/],
    // a 200 the SDK cannot read: definitive, never a verdict
    ['SyntaxError', 200, 'error', false, /^unexpected response from ecs:DescribeServices: HTTP 200 answer the SDK could not read/],
  ] as const)('%s (HTTP %s) → %s, retryable %s', (name, status, outcome, retryable, message) => {
    const result = awsErrorResult(sdkError(name, status), 'ecs:DescribeServices');
    expect(result.outcome).toBe(outcome);
    expect(result.retryable === true).toBe(retryable);
    expect(result.message).toMatch(message);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'])('network error %s → retryable error', (code) => {
    const result = awsErrorResult(Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code }), 'ecs:DescribeServices');
    expect(result).toMatchObject({ outcome: 'error', retryable: true, message: expect.stringContaining(`cannot reach the AWS endpoint for ecs:DescribeServices (${code}`) });
  });

  it('a deserialization failure without a status is still an unexpected response', () => {
    const error = new Error('@aws-sdk XML parse error: unexpected content.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.');
    expect(awsErrorResult(error, 'ec2:DescribeSecurityGroups').message).toMatch(/^unexpected response from ec2:DescribeSecurityGroups: /);
  });
});

const ecs = mockClient(ECSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ec2 = mockClient(EC2Client);
const elasticache = mockClient(ElastiCacheClient);

describe('not-found codes and states: a `fail` naming what was looked for and the region searched', () => {
  let pool: ClientPool;
  beforeEach(() => {
    for (const mock of [ecs, elbv2, ec2, elasticache]) mock.reset();
    pool = new ClientPool({ region: 'eu-west-3' });
  });
  afterEach(async () => {
    await pool.destroy();
  });

  async function attempt(type: string, spec: Record<string, unknown>): Promise<AttemptResult> {
    const check = checkTypes.find((t) => t.type === type) as CheckType<unknown>;
    try {
      return await check.run(check.schema.parse(spec), fakeContext({ clients: pool }));
    } catch (error) {
      if (error instanceof AttemptResultError) return error.result;
      throw error;
    }
  }

  const BY_SERVICE = { cluster: 'dev', service: 'api' };
  const clusterNotFound = () => sdkError('ClusterNotFoundException', 400);

  // prettier-ignore
  it.each([
    ['ecs-service-stable', BY_SERVICE, () => ecs.on(DescribeServicesCommand).rejects(clusterNotFound()), 'ECS cluster dev not found in region eu-west-3 (ClusterNotFoundException)'],
    ['ecs-service-stable', BY_SERVICE, () => ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: 'x', reason: 'MISSING' }] }), 'ECS service api not found in cluster dev, region eu-west-3 (MISSING)'],
    ['ecs-task-running', BY_SERVICE, () => {
      ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'api', status: 'ACTIVE', desiredCount: 1, runningCount: 0, deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: 'api:1' }] }], failures: [] });
      ecs.on(ListTasksCommand).rejects(clusterNotFound());
    }, 'ECS cluster dev not found in region eu-west-3 (ClusterNotFoundException)'],
    ['ecs-task-definition', { taskDefinition: 'api:7', secrets: ['A'] }, () => ecs.on(DescribeTaskDefinitionCommand).rejects(sdkError('ClientException', 400, { message: 'Unable to describe task definition.' })), 'task definition api:7 not found in region eu-west-3'],
    ['alb-targets-healthy', { targetGroupName: 'api' }, () => elbv2.on(DescribeTargetGroupsCommand).rejects(sdkError('TargetGroupNotFoundException', 400)), 'target group api not found in region eu-west-3'],
    ['alb-targets-healthy', { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-3:1:targetgroup/api/1' }, () => {
      elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-3:1:targetgroup/api/1', TargetGroupName: 'api' }] });
      elbv2.on(DescribeTargetHealthCommand).rejects(sdkError('TargetGroupNotFoundException', 400));
    }, 'target group arn:aws:elasticloadbalancing:eu-west-3:1:targetgroup/api/1 not found in region eu-west-3'],
    ['sg-ingress', { fromSecurityGroups: ['sg-0864e6f6aee2a5cf4'], toSecurityGroup: 'sg-0454e74e2924a7754', port: 6379 }, () => ec2.on(DescribeSecurityGroupRulesCommand).rejects(sdkError('InvalidGroup.NotFound', 400)), 'security group sg-0454e74e2924a7754 does not exist in region eu-west-3 (InvalidGroup.NotFound)'],
    ['sg-ingress', { fromSecurityGroups: ['sg-0864e6f6aee2a5cf4'], toSecurityGroup: 'sg-0454e74e2924a7754', port: 6379 }, () => {
      ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
      ec2.on(DescribeSecurityGroupsCommand).rejects(sdkError('InvalidGroupId.NotFound', 400));
    }, 'security group sg-0454e74e2924a7754 does not exist in region eu-west-3 (InvalidGroupId.NotFound)'],
    ['elasticache-available', { replicationGroupId: 'redis' }, () => elasticache.on(DescribeReplicationGroupsCommand).rejects(sdkError('ReplicationGroupNotFoundFault', 404)), 'ElastiCache replication group redis not found in region eu-west-3 (ReplicationGroupNotFoundFault)'],
  ] as const)('%s: %s', async (type, spec, given, message) => {
    given();
    const result = await attempt(type, spec);
    expect(result).toMatchObject({ outcome: 'fail', message });
  });

  it('ECS DescribeTasks in a cluster deleted meanwhile is a fail naming it', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'api', status: 'ACTIVE', desiredCount: 1, runningCount: 0, deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: 'api:1' }] }], failures: [] });
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:eu-west-3:1:task/dev/1'] });
    ecs.on(DescribeTasksCommand).rejects(clusterNotFound());
    expect(await attempt('ecs-task-running', BY_SERVICE)).toMatchObject({ outcome: 'fail', message: expect.stringContaining('ECS cluster dev not found in region eu-west-3') });
  });

  it('the region comes from the client that made the call', async () => {
    expect(await clientRegion(await pool.get(ecsClient))).toBe('eu-west-3');
    expect(await clientRegion({})).toBe('unknown region');
  });
});

describe('throttling is not retried inside an attempt', () => {
  it('the wrapped strategy refuses a THROTTLING retry and delegates every other kind', async () => {
    const refreshed: string[] = [];
    const inner = {
      mode: 'standard',
      acquireInitialRetryToken: async () => 'token',
      refreshRetryTokenForRetry: async (_token: unknown, info: { errorType?: string }) => {
        refreshed.push(info.errorType ?? '');
        return 'next';
      },
      recordSuccess: () => {},
    };
    const wrapped = throttlingNotRetried(inner) as typeof inner;
    const throttled = sdkError('ThrottlingException', 400);
    await expect(wrapped.refreshRetryTokenForRetry('token', { errorType: 'THROTTLING', error: throttled } as never)).rejects.toBe(throttled);
    await expect(wrapped.refreshRetryTokenForRetry('token', { errorType: 'TRANSIENT' })).resolves.toBe('next');
    await expect(wrapped.refreshRetryTokenForRetry('token', { errorType: 'SERVER_ERROR' })).resolves.toBe('next');
    expect(refreshed).toEqual(['TRANSIENT', 'SERVER_ERROR']);
    expect(wrapped.mode).toBe('standard');
  });

  describe('through the real SDK client of ecsClient, against a local endpoint', () => {
    let server: TestHttpServer;
    let answers: { status: number; type: string }[] = [];
    let requests = 0;
    const saved: Record<string, string | undefined> = {};
    const env = { AWS_ENDPOINT_URL: '', AWS_MAX_ATTEMPTS: '3', AWS_RETRY_MODE: 'standard', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

    beforeAll(async () => {
      ecs.restore(); // the real SDK from here on
      server = await startHttpServer();
      server.route('/', (_req, res) => {
        requests += 1;
        const answer = answers.shift() ?? { status: 200, type: '' };
        if (answer.status === 200) {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ services: [], failures: [{ arn: 'x', reason: 'MISSING' }] }));
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': answer.type });
        res.end(JSON.stringify({ __type: answer.type, message: 'Rate exceeded' }));
      });
      env.AWS_ENDPOINT_URL = server.url;
      for (const [key, value] of Object.entries(env)) {
        saved[key] = process.env[key];
        process.env[key] = value;
      }
    });
    afterAll(async () => {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await server?.stop();
    });
    beforeEach(() => {
      requests = 0;
    });

    async function describeOnce(): Promise<AttemptResult> {
      const pool = new ClientPool({ region: 'us-east-1' });
      try {
        const check = checkTypes.find((t) => t.type === 'ecs-service-stable') as CheckType<unknown>;
        return await check.run(check.schema.parse({ cluster: 'dev', service: 'api' }), fakeContext({ clients: pool }));
      } catch (error) {
        if (error instanceof AttemptResultError) return error.result;
        throw error;
      } finally {
        await pool.destroy();
      }
    }

    it('a 400 ThrottlingException reaches the check after one request, as "AWS throttled"', async () => {
      answers = [{ status: 400, type: 'ThrottlingException' }];
      const started = performance.now();
      const result = await describeOnce();
      expect(result).toMatchObject({ outcome: 'retry', message: 'AWS throttled ecs:DescribeServices (ThrottlingException); backing off and retrying' });
      expect(requests).toBe(1);
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('a 503 is still retried by the SDK (AWS_MAX_ATTEMPTS=3), then answers', async () => {
      answers = [{ status: 503, type: 'ServiceUnavailableException' }, { status: 503, type: 'ServiceUnavailableException' }];
      const result = await describeOnce();
      expect(result).toMatchObject({ outcome: 'fail', message: 'ECS service api not found in cluster dev, region us-east-1 (MISSING)' });
      expect(requests).toBe(3);
    });
  });
});
