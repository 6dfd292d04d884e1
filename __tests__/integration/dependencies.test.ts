/**
 * Zero-config follows the service to its dependencies, against the emulator (issue #10): a
 * REDIS_URL / DATABASE_URL in the running task definition leads to the ElastiCache group / RDS
 * instance, its security group and port; a missing ingress rule is the run's root cause (naming
 * both groups and the port), with the scheme warning; with the rule, or a CIDR rule covering the
 * service's subnets, everything discovered passes. Secrets that exist pass; a missing one fails.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateClusterCommand, MemoryDBClient } from '@aws-sdk/client-memorydb';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { checkTypes } from '../../checks/index.js';
import { discover, scenarioText, type Discovered } from '../../runner/discovery/index.js';
import { parseScenario } from '../../runner/load.js';
import { render } from '../../runner/reporters/index.js';
import { runScenario } from '../../runner/run.js';
import type { RunReport } from '../../runner/result.js';
import {
  authorizeCidrIngress,
  authorizeIngress,
  createDbInstance,
  createLoadBalancer,
  createNetwork,
  createReplicationGroup,
  createSecret,
  createSecurityGroup,
  createWebService,
  putParameter,
  type WebService,
} from '../../scripts/fixtures/index.js';
import { respondJson, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const CLUSTER = 'hokusai-development';
const SERVICE = 'hokusai-api-development';
const HEALTH_CHECK = { path: '/health', intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, matcher: '200' };

const load = (text: string) => parseScenario(text, { checkTypes, env: {}, displayName: 'discovered.yaml', dir: process.cwd() });

requireTool('moto', 'dependency discovery integration tests')('zero-config follows the service to its dependencies', () => {
  const moto = useMoto({ pinEcsTasks: true });
  let clients: {
    ec2: EC2Client;
    ecs: ECSClient;
    elbv2: ElasticLoadBalancingV2Client;
    logs: CloudWatchLogsClient;
    elasticache: ElastiCacheClient;
    rds: RDSClient;
    secrets: SecretsManagerClient;
    ssm: SSMClient;
    memorydb: MemoryDBClient;
  };
  let api: TestHttpServer;

  beforeAll(async () => {
    clients = {
      ec2: new EC2Client({}),
      ecs: new ECSClient({}),
      elbv2: new ElasticLoadBalancingV2Client({}),
      logs: new CloudWatchLogsClient({}),
      elasticache: new ElastiCacheClient({}),
      rds: new RDSClient({}),
      secrets: new SecretsManagerClient({}),
      ssm: new SSMClient({}),
      memorydb: new MemoryDBClient({}),
    };
    // The service's health endpoint, as the load balancer would reach it: fast and 200.
    api = await startHttpServer();
    api.route('/health', respondJson(200, { status: 'ok' }));
  });
  beforeEach(() => moto.reset());
  afterAll(async () => {
    for (const client of Object.values(clients ?? {})) client.destroy();
    await api?.stop();
  });

  /** The incident's layout: the service in a VPC, a data store in its own security group. */
  async function service(environment: Record<string, string>, options: { secretsFrom?: Record<string, string>; network?: { vpcId: string; subnetIds: string[] } } = {}) {
    const network = options.network ?? (await createNetwork(clients.ec2));
    const web = await createWebService(clients, { cluster: CLUSTER, service: SERVICE, healthCheck: HEALTH_CHECK, environment, network, ...options });
    return { web, network };
  }

  async function redisGroup(vpcId: string, transitEncryption = false) {
    const sg = await createSecurityGroup(clients.ec2, { vpcId, name: 'hokusai-redis' });
    const endpoint = await createReplicationGroup(clients.elasticache, { id: 'hokusai-redis-development', securityGroupIds: [sg], transitEncryption });
    return { sg, endpoint };
  }

  async function discoverAndRun(url?: string): Promise<{ found: Discovered; text: string; report: RunReport }> {
    const input = { cluster: CLUSTER, service: SERVICE, ...(url ? { url } : {}) };
    const found = await discover(input);
    const text = scenarioText(input, found);
    const report = await runScenario(load(text));
    return { found, text, report };
  }

  const statuses = (report: RunReport) => Object.fromEntries(report.checks.map((c) => [c.name, c.status]));

  it.each([
    ['without a scheme (the incident)', (host: string) => `${host}:6379`, true],
    ['with redis://', (host: string) => `redis://${host}:6379/0`, false],
  ])('REDIS_URL %s to a group whose security group lacks the rule: the network check is the root cause', async (_, value, noScheme) => {
    const network = await createNetwork(clients.ec2);
    const redis = await redisGroup(network.vpcId);
    const { web } = await service({ REDIS_URL: value(redis.endpoint.address) }, { network });
    const started = Date.now();
    const { found, text, report } = await discoverAndRun(api.url);

    expect(found.dependencies).toMatchObject([
      { variable: 'REDIS_URL', store: { kind: 'elasticache-replication-group', id: 'hokusai-redis-development', securityGroups: [redis.sg] }, port: 6379 },
    ]);
    // What discovery followed, in the generated file's header.
    expect(text).toContain(`REDIS_URL → ElastiCache replication group hokusai-redis-development (${redis.endpoint.address}:6379) → ${redis.sg} → port 6379`);
    expect(report.status).toBe('failed');
    const network_ = report.checks.find((c) => c.type === 'sg-ingress')!;
    expect(network_).toMatchObject({ name: 'hokusai-redis-development reachable on 6379', status: 'failed' });
    expect(network_.message).toContain(`no ingress rule on ${redis.sg} allows tcp/6379 from ${web.securityGroup}`);
    expect(network_.fix?.command).toBe(`aws ec2 authorize-security-group-ingress --group-id ${redis.sg} --protocol tcp --port 6379 --source-group ${web.securityGroup}`);
    expect(report.rootCause).toMatchObject({ check: 'hokusai-redis-development reachable on 6379' });
    expect(report.rootCause?.independent).toBeFalsy();
    // The slow checks needed the dependency checks: skipped, so the run ends in seconds.
    expect(statuses(report)).toMatchObject({ 'task definition': 'passed', 'hokusai-redis-development available': 'passed', 'service stable': 'skipped', health: 'skipped' });
    expect(Date.now() - started).toBeLessThan(30_000);
    // The scheme warning, on the task definition check, in every reporter; the verdict stays "passed".
    const warnings = report.checks.find((c) => c.name === 'task definition')!.warnings ?? [];
    if (noScheme) {
      expect(warnings).toEqual([expect.stringContaining(`REDIS_URL (container app) has no scheme: "${redis.endpoint.address}:6379"`)]);
      expect(warnings[0]).toContain(`write it as redis://${redis.endpoint.address}:6379`);
      expect(JSON.parse(render('json', report, { color: false }).text).checks[0].warnings).toEqual(warnings);
      expect(render('github', report, { color: false }).text).toContain('::warning title=task definition%3A warning');
      expect(render('junit', report, { color: false }).text).toContain('<system-out>warning: REDIS_URL (container app) has no scheme');
      expect(render('pretty', report, { color: false }).text).toContain('Warnings:\n  ⚠ task definition: REDIS_URL (container app) has no scheme');
    } else {
      expect(warnings).toEqual([]);
    }
  }, 60_000);

  it('with the rule, every discovered check passes (health via --url on the target group path)', async () => {
    const network = await createNetwork(clients.ec2);
    const redis = await redisGroup(network.vpcId);
    const { web } = await service({ REDIS_URL: `redis://${redis.endpoint.address}:6379` }, { network });
    await authorizeIngress(clients.ec2, { groupId: redis.sg, port: 6379, sourceGroup: web.securityGroup });
    const { report, text } = await discoverAndRun(api.url);
    expect(report.checks.filter((c) => c.status !== 'passed').map((c) => `${c.name}: ${c.message}`)).toEqual([]);
    expect(report.status).toBe('passed');
    // The http check expects the target group's success codes and half its 4 s health-check timeout.
    expect(load(text).checks.find((c) => c.name === 'health')!.spec).toMatchObject({ url: `${api.url}/health`, expect: { status: 200, maxLatency: 2000 } });
  }, 60_000);

  it('a CIDR rule covering the service subnet passes, and says so', async () => {
    const network = await createNetwork(clients.ec2, { cidr: '10.0.0.0/16', subnets: [{ cidr: '10.0.1.0/24', availabilityZone: 'us-east-1a' }] });
    const redis = await redisGroup(network.vpcId);
    await service({ REDIS_URL: `redis://${redis.endpoint.address}:6379` }, { network });
    await authorizeCidrIngress(clients.ec2, { groupId: redis.sg, port: 6379, cidr: '10.0.0.0/16' });
    const { report } = await discoverAndRun();
    const path = report.checks.find((c) => c.type === 'sg-ingress')!;
    expect(path.status).toBe('passed');
    expect(path.message).toContain(`from 10.0.0.0/16, which covers the service's subnets (${network.subnetIds[0]} 10.0.1.0/24)`);
  }, 60_000);

  it('a CIDR rule for another range does not count', async () => {
    const network = await createNetwork(clients.ec2);
    const redis = await redisGroup(network.vpcId);
    await service({ REDIS_URL: `redis://${redis.endpoint.address}:6379` }, { network });
    await authorizeCidrIngress(clients.ec2, { groupId: redis.sg, port: 6379, cidr: '10.9.0.0/16' });
    const { report } = await discoverAndRun();
    expect(report.checks.find((c) => c.type === 'sg-ingress')!.status).toBe('failed');
  }, 60_000);

  it.each([
    ['lacks the rule', false, 'failed'],
    ['has the rule', true, 'passed'],
  ])('DATABASE_URL to an RDS instance whose security group %s', async (_, allow, status) => {
    const network = await createNetwork(clients.ec2);
    const dbSg = await createSecurityGroup(clients.ec2, { vpcId: network.vpcId, name: 'hokusai-db' });
    const db = await createDbInstance(clients.rds, { id: 'hokusai-db', securityGroupIds: [dbSg] });
    const { web } = await service({ DATABASE_URL: `postgresql://app:db-password-123@${db.address}:${db.port}/hokusai` }, { network });
    if (allow) await authorizeIngress(clients.ec2, { groupId: dbSg, port: db.port, sourceGroup: web.securityGroup });
    const { found, text, report } = await discoverAndRun();
    expect(found.dependencies).toMatchObject([{ variable: 'DATABASE_URL', store: { kind: 'rds-instance', id: 'hokusai-db', securityGroups: [dbSg] }, port: 5432 }]);
    expect(statuses(report)).toMatchObject({ 'hokusai-db available': 'passed', 'hokusai-db reachable on 5432': status });
    expect(report.status).toBe(status);
    if (!allow) {
      expect(report.rootCause?.check).toBe('hokusai-db reachable on 5432');
      expect(report.rootCause?.fix?.command).toContain(`--group-id ${dbSg} --protocol tcp --port 5432 --source-group ${web.securityGroup}`);
    }
    // The URL's password is never written or reported.
    expect(text).not.toContain('db-password-123');
    expect(JSON.stringify(report)).not.toContain('db-password-123');
  }, 60_000);

  it('secrets that exist pass; a missing one fails the task definition, the root cause', async () => {
    const stripe = await createSecret(clients.secrets, 'hokusai/stripe-key');
    const db = await putParameter(clients.ssm, '/hokusai/db-password');
    await service({}, { secretsFrom: { STRIPE_KEY: stripe, DB_PASSWORD: db, PLAIN: 'plain-parameter' } });
    await putParameter(clients.ssm, 'plain-parameter');
    const good = await discoverAndRun();
    expect(good.report.checks.find((c) => c.name === 'task definition')).toMatchObject({ status: 'passed', message: expect.stringContaining('references 3 secrets, all existing') });
    expect(good.report.status).toBe('passed');

    await moto.reset();
    await service({}, { secretsFrom: { STRIPE_KEY: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hokusai/missing-key-AbCdEf' } });
    const bad = await discoverAndRun();
    const check = bad.report.checks.find((c) => c.name === 'task definition')!;
    expect(check.status).toBe('failed');
    expect(check.message).toContain('secret STRIPE_KEY (container app) → Secrets Manager secret arn:aws:secretsmanager:us-east-1:123456789012:secret:hokusai/missing-key-AbCdEf');
    expect(check.message).toContain('ResourceInitializationError');
    expect(bad.report.rootCause?.check).toBe('task definition');
  }, 60_000);

  it('an endpoint nothing in AWS claims is a note, not a check', async () => {
    await service({ QUEUE_URL: 'broker.internal:5672' });
    const { found, text, report } = await discoverAndRun();
    expect(found.unmatched).toEqual([{ container: 'app', variable: 'QUEUE_URL', endpoint: 'broker.internal:5672', noScheme: true }]);
    expect(text).toContain('QUEUE_URL → broker.internal:5672: not an AWS resource discovery can see; TCP reachability not checked');
    expect(report.checks.map((c) => c.type)).not.toContain('sg-ingress');
    expect(report.status).toBe('passed');
    expect(report.checks.find((c) => c.name === 'task definition')!.warnings).toEqual([expect.stringContaining('QUEUE_URL (container app) has no scheme')]);
  }, 60_000);

  it('without --url, the entry point is the internet-facing load balancer listener that forwards to the target group', async () => {
    const { web, network } = await service({});
    await createLoadBalancer(clients.elbv2, { name: 'hokusai-api', subnetIds: network.subnetIds, securityGroups: [web.securityGroup], targetGroupArn: web.targetGroupArn, listenerPort: 8080 });
    const found = await discover({ cluster: CLUSTER, service: SERVICE });
    expect(found.entryPoint).toMatchObject({ baseUrl: expect.stringMatching(/^http:\/\/hokusai-api-.*:8080$/), loadBalancer: 'hokusai-api', listener: 'HTTP:8080', targetGroup: SERVICE });
    const health = load(scenarioText({ cluster: CLUSTER, service: SERVICE }, found)).checks.find((c) => c.name === 'health')!;
    expect(health.spec).toMatchObject({ url: `${found.entryPoint!.baseUrl}/health`, samples: 3, expect: { status: 200, maxLatency: 2000 } });
  }, 60_000);

  it('without --url or a load balancer, the health check is left out and the header says why', async () => {
    await service({});
    const found = await discover({ cluster: CLUSTER, service: SERVICE });
    const text = scenarioText({ cluster: CLUSTER, service: SERVICE }, found);
    expect(load(text).checks.map((c) => c.name)).not.toContain('health');
    expect(text).toContain('# Left out: health: the target group has no load balancer: give --url to check the health endpoint.');
  }, 60_000);

  it('a MemoryDB cluster: its network path is checked, its health left out (no check type), rediss:// expected', async () => {
    const network = await createNetwork(clients.ec2);
    const sg = await createSecurityGroup(clients.ec2, { vpcId: network.vpcId, name: 'memorydb' });
    const out = await clients.memorydb.send(new CreateClusterCommand({ ClusterName: 'sessions', NodeType: 'db.t4g.small', ACLName: 'open-access', SecurityGroupIds: [sg] }));
    const endpoint = out.Cluster!.ClusterEndpoint!;
    const { web } = await service({ SESSIONS_URL: `redis://${endpoint.Address}:${endpoint.Port}` }, { network });
    await authorizeIngress(clients.ec2, { groupId: sg, port: endpoint.Port!, sourceGroup: web.securityGroup });
    const { found, text, report } = await discoverAndRun();
    expect(found.dependencies).toMatchObject([{ variable: 'SESSIONS_URL', store: { kind: 'memorydb-cluster', id: 'sessions', securityGroups: [sg] }, port: 6379 }]);
    expect(text).toContain('# Left out: sessions available: no check type reads the status of a MemoryDB cluster yet (its network path is checked).');
    expect(statuses(report)).toMatchObject({ 'sessions reachable on 6379': 'passed', 'task definition': 'passed' });
    // MemoryDB requires TLS: redis:// is a warning, the run still passes.
    expect(report.checks.find((c) => c.name === 'task definition')!.warnings).toEqual([expect.stringContaining('uses redis:// but MemoryDB cluster sessions requires in-transit encryption (TLS)')]);
    expect(report.status).toBe('passed');
  }, 60_000);
});
