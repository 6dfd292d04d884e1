/** The dependency part of the discovered chain (pure): which checks, gating, the http entry check, the lines printed. */
import { describe, expect, it } from '@jest/globals';
import { checkTypes } from '../checks/index.js';
import { parseScenario } from '../runner/load.js';
import { discoveryLines, entryPointCheck, plannedChain, scenarioText, successCodes, type Discovered, type DiscoveredDependency } from '../runner/discovery/index.js';

const INPUT = { cluster: 'hokusai-development', service: 'hokusai-api-development' };
const REDIS_SG = 'sg-0454e74e2924a7754';
const PRIMARY = 'master.hokusai-redis-development.lenvj6.use1.cache.amazonaws.com';

const redis: DiscoveredDependency = {
  container: 'api',
  variable: 'REDIS_URL',
  endpoint: `${PRIMARY}:6379`,
  store: { kind: 'elasticache-replication-group', id: 'hokusai-redis-development', label: 'ElastiCache replication group hokusai-redis-development', status: 'available', securityGroups: [REDIS_SG] },
  port: 6379,
  expectation: { to: 'ElastiCache replication group hokusai-redis-development', port: 6379, scheme: 'redis' },
  warnings: [`REDIS_URL (container api) has no scheme: "${PRIMARY}:6379" — …; write it as redis://${PRIMARY}:6379`],
};

const FOUND: Discovered = {
  taskDefinition: 'hokusai-api:151',
  containers: [{ name: 'api', secrets: ['HUGGINGFACE_API_KEY'], environment: ['REDIS_URL'], logGroup: '/ecs/hokusai-api-development' }],
  targetGroups: [
    {
      name: 'hokusai-api-tg',
      arn: 'arn:tg/hokusai-api-tg',
      healthCheckPath: '/health',
      healthCheck: { enabled: true, intervalSeconds: 30, healthyThreshold: 3, timeoutSeconds: 5, matcher: '200' },
    },
  ],
  securityGroups: ['sg-0864e6f6aee2a5cf4'],
  rolloutState: 'COMPLETED',
  region: 'us-east-1',
  dependencies: [redis],
  secretReferences: 1,
};

const load = (text: string) => parseScenario(text, { checkTypes, env: {}, displayName: 'init.yaml', dir: process.cwd() });

describe('the dependency checks of the discovered chain', () => {
  it('come first and gate the slow checks, so a broken path ends the run in seconds', () => {
    const text = scenarioText({ ...INPUT, url: 'https://api.hokus.ai' }, FOUND);
    // Each check lists its needs itself: no YAML anchors and aliases for the reader to follow.
    expect(text).not.toMatch(/needs: [&*]/);
    const scenario = load(text);
    expect(scenario.checks.map((c) => [c.name, c.type, c.needs])).toEqual([
      ['task definition', 'ecs-task-definition', []],
      ['hokusai-redis-development available', 'elasticache-available', []],
      ['hokusai-redis-development reachable on 6379', 'sg-ingress', []],
      ['rollout landed', 'ecs-deployment', ['task definition', 'hokusai-redis-development available', 'hokusai-redis-development reachable on 6379']],
      ['service stable', 'ecs-service-stable', ['task definition', 'hokusai-redis-development available', 'hokusai-redis-development reachable on 6379']],
      ['tasks running', 'ecs-task-running', ['service stable']],
      ['targets healthy', 'alb-targets-healthy', ['tasks running']],
      ['no errors since the deployment', 'logs-absent', ['service stable']],
      ['health', 'http', ['task definition', 'hokusai-redis-development available', 'hokusai-redis-development reachable on 6379']],
    ]);
    expect(scenario.checks[0]!.spec).toEqual({
      cluster: INPUT.cluster,
      service: INPUT.service,
      secretsExist: true,
      connections: [{ variable: 'REDIS_URL', to: 'ElastiCache replication group hokusai-redis-development', port: 6379, scheme: 'redis' }],
    });
    expect(scenario.checks[2]!.spec).toMatchObject({ from: INPUT, toSecurityGroup: REDIS_SG, port: 6379, protocol: 'tcp' });
  });

  it('an RDS cluster gets rds-available by cluster, several groups become toSecurityGroups', () => {
    const db: DiscoveredDependency = {
      ...redis,
      variable: 'DATABASE_URL',
      store: { kind: 'rds-cluster', id: 'aurora-1', label: 'RDS DB cluster aurora-1', securityGroups: ['sg-0aaa', 'sg-0bbb'] },
      port: 5432,
      expectation: { port: 5432, scheme: 'postgresql' },
      warnings: [],
    };
    const { checks } = plannedChain(INPUT, { ...FOUND, dependencies: [db] });
    expect(checks.find((c) => c.type === 'rds-available')!.spec).toEqual({ dbClusterIdentifier: 'aurora-1' });
    expect(checks.find((c) => c.type === 'sg-ingress')!.spec).toMatchObject({ toSecurityGroups: ['sg-0aaa', 'sg-0bbb'], port: 5432 });
  });

  it('leaves out what could not pass: MemoryDB health (no check type), a store without security groups', () => {
    const memorydb: DiscoveredDependency = { ...redis, store: { kind: 'memorydb-cluster', id: 'm1', label: 'MemoryDB cluster m1', securityGroups: [] } };
    const chain = plannedChain(INPUT, { ...FOUND, dependencies: [memorydb] });
    expect(chain.checks.map((c) => c.type)).not.toContain('sg-ingress');
    const leftOut = chain.leftOut.filter((l) => l.name !== 'health');
    // The target group reports no load balancer here: no ALB metrics to read.
    expect(leftOut.map((l) => l.name)).toEqual(['ALB 5xx rate', 'm1 available', 'm1 reachable on 6379']);
    expect(leftOut[2]!.why).toBe('MemoryDB cluster m1 reports no VPC security groups');
  });

  it('two variables to one store make one health and one network check', () => {
    const reader = { ...redis, variable: 'REDIS_READER_URL' };
    const { checks } = plannedChain(INPUT, { ...FOUND, dependencies: [redis, reader] });
    expect(checks.filter((c) => c.type === 'sg-ingress')).toHaveLength(1);
    expect((checks[0]!.spec.connections as { variable: string }[]).map((c) => c.variable)).toEqual(['REDIS_URL', 'REDIS_READER_URL']);
  });

  it('without dependencies or secrets, the chain is as before', () => {
    const { checks } = plannedChain(INPUT, { ...FOUND, dependencies: [], secretReferences: 0 });
    expect(checks.map((c) => c.name).slice(0, 2)).toEqual(['rollout landed', 'service stable']);
    expect(checks[0]!.needs).toBeUndefined();
  });

  it('an unmatched *_URL without a scheme still gets its warning through connections', () => {
    const { checks } = plannedChain(INPUT, { ...FOUND, dependencies: [], secretReferences: 0, unmatched: [{ container: 'api', variable: 'QUEUE_URL', endpoint: 'broker:5672', noScheme: true }] });
    expect(checks[0]!.spec).toMatchObject({ connections: [{ variable: 'QUEUE_URL' }] });
    expect(checks[0]!.spec).not.toHaveProperty('secretsExist');
  });
});

describe('the http check on the entry point', () => {
  it.each([
    ['200', 200],
    ['200,204', [200, 204]],
    ['200-299', undefined],
    ['200-202', [200, 201, 202]],
  ])('matcher %s → status %j; latency under half the 5s timeout', (matcher, status) => {
    const found = { ...FOUND, targetGroups: [{ ...FOUND.targetGroups[0]!, healthCheck: { ...FOUND.targetGroups[0]!.healthCheck, matcher } }] };
    const check = entryPointCheck({ ...INPUT, url: 'https://api.hokus.ai' }, found);
    expect('spec' in check && check.spec).toEqual({ url: '${vars.baseUrl}/health', samples: 3, expect: { ...(status === undefined ? {} : { status }), maxLatency: '2500ms' } });
  });

  it('uses the load balancer when no --url is given; HTTPS on its DNS name skips certificate names', () => {
    const found = { ...FOUND, entryPoint: { baseUrl: 'https://api-1.us-east-1.elb.amazonaws.com', loadBalancer: 'api', listener: 'HTTPS:443', targetGroup: 'hokusai-api-tg' } };
    const text = scenarioText(INPUT, found);
    const health = load(text).checks.find((c) => c.name === 'health')!;
    expect(health.spec).toMatchObject({ url: 'https://api-1.us-east-1.elb.amazonaws.com/health', insecure: true });
    expect(text).toContain('entry point: https://api-1.us-east-1.elb.amazonaws.com (load balancer api, listener HTTPS:443 → hokusai-api-tg)');
  });

  it('without either, it is left out with the reason', () => {
    const check = entryPointCheck(INPUT, { ...FOUND, entryPointMissing: 'api-internal is internal (not reachable from outside its VPC)' });
    expect(check).toEqual({ name: 'health', why: 'api-internal is internal (not reachable from outside its VPC): give --url to check the health endpoint' });
  });

  it.each([
    ['200', [200]],
    ['200,302', [200, 302]],
    ['200-201,204', [200, 201, 204]],
    ['abc', undefined],
    ['299-200', undefined],
    [undefined, undefined],
  ])('successCodes(%j)', (matcher, codes) => {
    expect(successCodes(matcher)).toEqual(codes);
  });
});

describe('what discovery prints', () => {
  it('one line per dependency: variable → resource → security groups → port, then the warnings and notes', () => {
    expect(
      discoveryLines({
        ...FOUND,
        unmatched: [{ container: 'api', variable: 'QUEUE_URL', endpoint: 'broker.internal:5672', noScheme: true }],
        notes: ['DATABASE_URL (container api) is a secret: its endpoint is never read, so it is not followed (add its checks by hand)'],
      }),
    ).toEqual([
      `REDIS_URL → ElastiCache replication group hokusai-redis-development (${PRIMARY}:6379) → ${REDIS_SG} → port 6379 [1 warning]`,
      `warning: ${redis.warnings[0]}`,
      'QUEUE_URL → broker.internal:5672: not an AWS resource discovery can see; TCP reachability not checked (the runner is usually outside the VPC)',
      'warning: QUEUE_URL (container api) has no scheme: "broker.internal:5672"',
      'DATABASE_URL (container api) is a secret: its endpoint is never read, so it is not followed (add its checks by hand)',
    ]);
  });

  it('a hostile variable name cannot break out of its comment line or drive a terminal', () => {
    const hostile = { ...redis, variable: 'X\nchecks: []\n::error::forged\u001b[2J' };
    const text = scenarioText(INPUT, { ...FOUND, dependencies: [hostile] });
    expect(load(text).checks.length).toBeGreaterThan(2);
    for (const line of discoveryLines({ ...FOUND, dependencies: [hostile] })) {
      expect(line).not.toMatch(/[\n\u001b]/);
      expect(line).not.toMatch(/^::/);
    }
  });
});
