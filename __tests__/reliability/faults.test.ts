/**
 * Faults, through the BUILT CLI (`npm run build` first): every way the service or AWS can fail
 * yields a failed or errored check with a precise reason, and the run still completes — it prints
 * its summary on stdout, writes its --out file and exits 1 (0 when retries got it through).
 *
 * HTTP faults come from a real local server (and a TLS one with a self-signed certificate). AWS
 * faults come from a real moto_server behind a fault-injecting proxy (support/fault-proxy.ts) that
 * answers the next N calls with the error AWS would send, in the call's protocol (or with HTTP 200
 * and a body that is not the API's answer), and counts every call. The SDK retries unreachable
 * endpoints and dropped connections on its own, up to AWS_MAX_ATTEMPTS attempts per call (3, the
 * SDK's default, pinned here so the counts below are exact); throttling it does NOT retry inside an
 * attempt (checks/support/aws.ts), so each throttled call is one runner attempt that says
 * "AWS throttled …" and the runner's retry backs off.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../runner/result.js';
import { killAllCli, runCli, STACK_LINE, type CliResult } from '../support/cli.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { neverRespond, resetMidBody, respond, respondJson, selfSignedCert, stallAfterHeaders, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { useMoto } from '../support/moto.js';
import { freePort } from '../support/ports.js';
import { requireTool } from '../support/tools.js';

// The AWS cases need the emulator (a missing one fails CI loudly); the others run without it.
const withMoto = requireTool('moto', 'the AWS fault cases') !== describe.skip;

const REGION = 'us-east-1';
const SDK_ATTEMPTS = 3;
const CLUSTER = 'fault-cluster';
const SERVICE = 'api';
const REPLICATION_GROUP = 'fault-redis';
const BURST = 2;

interface FaultCase {
  name: string;
  /** The check under test, as YAML lines under `checks:` (indented by 4). */
  check: string;
  aws?: boolean;
  /** Sets up the proxy's faults before the run. */
  faults?: (proxy: FaultProxy) => void;
  /** Point the SDK at a closed port instead of the proxy. */
  endpointDown?: boolean;
  expected: { code: number; status: 'passed' | 'failed' | 'error'; attempts?: number; message: RegExp; flaky?: boolean };
  /** Calls the proxy must have seen: action → [total, faulted]. */
  calls?: Record<string, [number, number]>;
}

interface Outcome {
  run: CliResult;
  report: RunReport;
  proxy?: FaultProxy;
}

let server: TestHttpServer;
let tlsServer: TestHttpServer;
const moto = withMoto ? useMoto() : undefined;
let closedPort: number;
let groups: { from: string; to: string; bare: string } = { from: 'sg-00000000', to: 'sg-00000000', bare: 'sg-00000000' };
let tgHealthArn = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg-health/0';
let tmp: string;
let burstRequests = 0;
const outcomes = new Map<string, Outcome>();
const shapeOutcomes = new Map<string, Outcome>();
const proxies: FaultProxy[] = [];

const retry = (attempts: number) => `retry: { attempts: ${attempts}, interval: 100ms, backoff: 1 }`;
const throttle = (code: string) => ({ code, message: 'Rate exceeded' });

// prettier-ignore
const CASES: FaultCase[] = [
  // --- the service over HTTP ---
  {
    name: 'connection refused',
    check: `type: http\n    url: http://127.0.0.1:{closedPort}/health\n    ${retry(2)}`,
    expected: { code: 1, status: 'failed', attempts: 2, message: /^GET http:\/\/127\.0\.0\.1:\d+\/health: connection refused to 127\.0\.0\.1:\d+ \(gave up after 2 attempts\)$/ },
  },
  {
    name: 'DNS failure',
    check: `type: http\n    url: http://nothing.invalid/health\n    ${retry(2)}`,
    expected: { code: 1, status: 'failed', attempts: 2, message: /^GET http:\/\/nothing\.invalid\/health: DNS lookup failed for nothing\.invalid \((ENOTFOUND|EAI_AGAIN)\) \(gave up after 2 attempts\)$/ },
  },
  {
    name: 'TLS handshake error',
    check: `type: http\n    url: {tlsUrl}/health\n    ${retry(2)}`,
    expected: { code: 1, status: 'failed', attempts: 2, message: /: TLS handshake failed: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\) \(gave up after 2 attempts\)$/ },
  },
  // Both time out the attempt; the http check stops just before the attempt timeout and names the
  // phase that ran out (headers vs body).
  {
    name: 'headers never sent',
    check: `type: http\n    url: {url}/hang\n    timeout: 500ms\n    ${retry(2)}`,
    expected: { code: 1, status: 'failed', attempts: 2, message: /: timed out waiting for the response headers from 127\.0\.0\.1:\d+ after \d+ms \(connected in [\d.]+m?s\) \(gave up after 2 attempts\)$/ },
  },
  {
    name: 'body that stalls',
    check: `type: http\n    url: {url}/stall\n    timeout: 500ms\n    ${retry(2)}`,
    expected: { code: 1, status: 'failed', attempts: 2, message: /: timed out reading the body from 127\.0\.0\.1:\d+ after \d+ms: 11 bytes received, then nothing \(headers came after [\d.]+m?s\) \(gave up after 2 attempts\)$/ },
  },
  {
    name: 'connection reset mid-body',
    check: `type: http\n    url: {url}/reset\n    ${retry(2)}`,
    expected: { code: 1, status: 'failed', attempts: 2, message: /: connection reset while reading body after 12 bytes \((ECONNRESET|UND_ERR_\w+): .*\) \(gave up after 2 attempts\)$/ },
  },
  {
    name: `5xx burst (${BURST} × 503, then 200)`,
    check: `type: http\n    url: {url}/burst\n    ${retry(5)}`,
    expected: { code: 0, status: 'passed', attempts: BURST + 1, flaky: true, message: /^GET http:\/\/127\.0\.0\.1:\d+\/burst → 200 in / },
  },
  {
    name: '5xx on every attempt',
    check: `type: http\n    url: {url}/always-503\n    ${retry(3)}`,
    expected: { code: 1, status: 'failed', attempts: 3, message: /: status 503 not 2xx, body: upstream unavailable \(gave up after 3 attempts\)$/ },
  },
  // --- AWS, through the fault proxy in front of moto ---
  {
    name: 'ECS (JSON protocol) throttled twice, then answering',
    aws: true,
    check: `type: ecs-task-definition\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    secrets: [HUGGINGFACE_API_KEY]\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(2, throttle('ThrottlingException'), 'DescribeServices'),
    // Each throttled call ends its attempt at once (no SDK retry); attempt 3 goes through.
    expected: { code: 0, status: 'passed', attempts: 3, flaky: true, message: /HUGGINGFACE_API_KEY/ },
    calls: { DescribeServices: [3, 2], DescribeTaskDefinition: [1, 0] },
  },
  {
    name: 'ECS throttled on every call',
    aws: true,
    check: `type: ecs-task-definition\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    secrets: [HUGGINGFACE_API_KEY]\n    ${retry(2)}`,
    faults: (proxy) => proxy.failNext(1000, throttle('ThrottlingException'), 'DescribeServices'),
    expected: { code: 1, status: 'failed', attempts: 2, message: /^AWS throttled ecs:DescribeServices \(ThrottlingException\); backing off and retrying \(gave up after 2 attempts\)$/ },
    calls: { DescribeServices: [2, 2] },
  },
  {
    // #14 §7: the SDK's own backoff used to eat the attempt ("no answer within the 789ms attempt timeout").
    name: 'ECS throttled on every call, with a short attempt timeout: the message still says throttled',
    aws: true,
    check: `type: ecs-service-stable\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    timeout: 789ms\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(1000, throttle('ThrottlingException'), 'DescribeServices'),
    // No call count: on a loaded machine the first attempt can time out while the SDK is still
    // being imported. The last attempt's message is the point: throttled, not "no answer within".
    expected: { code: 1, status: 'failed', attempts: 3, message: /^AWS throttled ecs:DescribeServices \(ThrottlingException\); backing off and retrying \(gave up after 3 attempts\)$/ },
  },
  {
    name: 'EC2 (EC2 query protocol) throttled once, then answering',
    aws: true,
    check: `type: sg-ingress\n    fromSecurityGroups: [{fromGroup}]\n    toSecurityGroup: {toGroup}\n    port: 6379\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(1, throttle('RequestLimitExceeded'), 'DescribeSecurityGroupRules'),
    expected: { code: 0, status: 'passed', attempts: 2, flaky: true, message: /allows tcp\/6379 from/ },
    calls: { DescribeSecurityGroupRules: [2, 1] },
  },
  {
    name: 'ElastiCache (query protocol) throttled once, then answering',
    aws: true,
    check: `type: elasticache-available\n    replicationGroupId: ${REPLICATION_GROUP}\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(1, throttle('Throttling'), 'DescribeReplicationGroups'),
    expected: { code: 0, status: 'passed', attempts: 2, flaky: true, message: new RegExp(`^ElastiCache replication group ${REPLICATION_GROUP} is available`) },
    calls: { DescribeReplicationGroups: [2, 1] },
  },
  {
    name: 'ElastiCache connection dropped for 3 calls, then answering',
    aws: true,
    check: `type: elasticache-available\n    replicationGroupId: ${REPLICATION_GROUP}\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(SDK_ATTEMPTS, 'drop', 'DescribeReplicationGroups'),
    // The SDK retries a reset connection itself; after 3 the attempt is a retryable error, and the next passes.
    expected: { code: 0, status: 'passed', attempts: 2, flaky: true, message: new RegExp(`^ElastiCache replication group ${REPLICATION_GROUP} is available`) },
    calls: { DescribeReplicationGroups: [SDK_ATTEMPTS + 1, SDK_ATTEMPTS] },
  },
  {
    name: 'ECS AccessDeniedException',
    aws: true,
    check: `type: ecs-task-definition\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    secrets: [HUGGINGFACE_API_KEY]\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(1, { code: 'AccessDeniedException', message: 'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecs:DescribeServices' }),
    // Not retried, by the SDK or the runner: waiting does not grant a permission.
    expected: { code: 1, status: 'error', attempts: 1, message: /^AccessDenied: ecs:DescribeServices is not allowed for these credentials \(User: .* is not authorized to perform: ecs:DescribeServices\)$/ },
    calls: { DescribeServices: [1, 1] },
  },
  {
    name: 'EC2 UnauthorizedOperation',
    aws: true,
    check: `type: sg-ingress\n    fromSecurityGroups: [{fromGroup}]\n    toSecurityGroup: {toGroup}\n    port: 6379\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(1, { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.', status: 403 }),
    expected: { code: 1, status: 'error', attempts: 1, message: /^AccessDenied: ec2:DescribeSecurityGroupRules is not allowed for these credentials \(You are not authorized to perform this operation\.\)$/ },
    calls: { DescribeSecurityGroupRules: [1, 1] },
  },
  {
    name: 'expired credentials (ExpiredTokenException)',
    aws: true,
    check: `type: ecs-task-definition\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    secrets: [HUGGINGFACE_API_KEY]\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(1, { code: 'ExpiredTokenException', message: 'The security token included in the request is expired' }),
    expected: { code: 1, status: 'error', attempts: 1, message: /^AWS credentials are missing, expired or invalid \(ExpiredTokenException: The security token included in the request is expired\) while calling ecs:DescribeServices$/ },
    calls: { DescribeServices: [1, 1] },
  },
  {
    name: 'emulator down (endpoint on a closed port)',
    aws: true,
    endpointDown: true,
    check: `type: ecs-task-definition\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    secrets: [HUGGINGFACE_API_KEY]\n    ${retry(2)}`,
    expected: { code: 1, status: 'error', attempts: 2, message: /^cannot reach the AWS endpoint for ecs:DescribeServices \(ECONNREFUSED: .*127\.0\.0\.1:\d+.*\) \(gave up after 2 attempts\)$/ },
  },
];

// --- HTTP 200 with a body that is not the API's answer (#14 §1): one check a call, one run a body kind ---

/** One AWS call of the ECS / ELBv2 / EC2 / ElastiCache check types, faulted for one check only. */
interface ShapeRow {
  /** The action as the check's message names it. */
  action: string;
  /** The check, as YAML lines under `checks:` (indented by 4). */
  check: string;
  /** The proxy rule: this API action, in requests whose body contains `marker`. */
  api: string;
  marker: string;
  /** A body in the API's protocol, parseable, with the wrong content. */
  wrong: string;
}

const xml = (action: string, inner: string) => `<${action}Response><${action}Result>${inner}</${action}Result></${action}Response>`;
const ec2Xml = (action: string, inner: string) => `<${action}Response><requestId>1</requestId>${inner}</${action}Response>`;

// prettier-ignore
const SHAPE_ROWS: ShapeRow[] = [
  { action: 'ecs:DescribeServices', api: 'DescribeServices', marker: 'svc-shape', check: `type: ecs-service-stable\n    cluster: ${CLUSTER}\n    service: svc-shape`, wrong: '{"services":[{"serviceName":"svc-shape"}],"failures":[]}' },
  { action: 'ecs:DescribeTaskDefinition', api: 'DescribeTaskDefinition', marker: 'td-shape', check: 'type: ecs-task-definition\n    taskDefinition: td-shape:1\n    secrets: [A]', wrong: '{"taskDefinition":{"family":"td-shape"}}' },
  { action: 'ecs:ListTasks', api: 'ListTasks', marker: 'cl-list', check: `type: ecs-task-running\n    cluster: cl-list\n    service: ${SERVICE}`, wrong: '{"taskArns":"arn:aws:ecs:us-east-1:123456789012:task/x"}' },
  { action: 'ecs:DescribeTasks', api: 'DescribeTasks', marker: 'cl-tasks', check: `type: ecs-task-running\n    cluster: cl-tasks\n    service: ${SERVICE}`, wrong: '{"tasks":[{"taskArn":"x"}],"failures":[]}' },
  { action: 'elasticloadbalancing:DescribeTargetGroups', api: 'DescribeTargetGroups', marker: 'tg-groups', check: 'type: alb-targets-healthy\n    targetGroupName: tg-groups', wrong: xml('DescribeTargetGroups', '<TargetGroups/>') },
  { action: 'elasticloadbalancing:DescribeTargetHealth', api: 'DescribeTargetHealth', marker: 'tg-health', check: 'type: alb-targets-healthy\n    targetGroupArn: {tgHealthArn}', wrong: xml('DescribeTargetHealth', '<TargetHealthDescriptions><member><Target><Id>10.0.1.23</Id></Target></member></TargetHealthDescriptions>') },
  { action: 'ec2:DescribeSecurityGroupRules', api: 'DescribeSecurityGroupRules', marker: '{toGroup}', check: 'type: sg-ingress\n    fromSecurityGroups: [{fromGroup}]\n    toSecurityGroup: {toGroup}\n    port: 6379', wrong: ec2Xml('DescribeSecurityGroupRules', '<securityGroupRuleSet><item><ipProtocol>tcp</ipProtocol><fromPort>6379</fromPort></item></securityGroupRuleSet>') },
  { action: 'ec2:DescribeSecurityGroups', api: 'DescribeSecurityGroups', marker: '{bareGroup}', check: 'type: sg-ingress\n    fromSecurityGroups: [{fromGroup}]\n    toSecurityGroup: {bareGroup}\n    port: 6379', wrong: ec2Xml('DescribeSecurityGroups', '<securityGroupInfo/>') },
  { action: 'elasticache:DescribeReplicationGroups', api: 'DescribeReplicationGroups', marker: 'rg-shape', check: 'type: elasticache-available\n    replicationGroupId: rg-shape', wrong: xml('DescribeReplicationGroups', '<ReplicationGroups><ReplicationGroup><ReplicationGroupId>another</ReplicationGroupId><Status>available</Status></ReplicationGroup></ReplicationGroups>') },
];

const SHAPE_BODIES: { kind: string; body: (row: ShapeRow) => string }[] = [
  { kind: '{}', body: () => '{}' },
  { kind: 'an empty body', body: () => '' },
  { kind: 'a wrongly shaped body', body: (row) => row.wrong },
];

function fill(text: string): string {
  return text
    .replaceAll('{url}', server.url)
    .replaceAll('{tlsUrl}', tlsServer.url)
    .replaceAll('{closedPort}', String(closedPort))
    .replaceAll('{fromGroup}', groups.from)
    .replaceAll('{toGroup}', groups.to)
    .replaceAll('{bareGroup}', groups.bare)
    .replaceAll('{tgHealthArn}', tgHealthArn);
}

function scenarioFor(fault: FaultCase, index: number): string {
  const check = fill(fault.check);
  return [`name: fault ${index}`, 'checks:', '  - name: probe', `    ${check}`, '  - name: after', '    type: http', `    url: ${server.url}/ok`, ''].join('\n');
}

async function seedMoto(endpoint: string): Promise<void> {
  const config = { endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const [ecsSdk, ec2Sdk, cacheSdk, elbSdk] = await Promise.all([
    import('@aws-sdk/client-ecs'),
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-elasticache'),
    import('@aws-sdk/client-elastic-load-balancing-v2'),
  ]);
  const ecs = new ecsSdk.ECSClient(config);
  const ec2 = new ec2Sdk.EC2Client(config);
  const cache = new cacheSdk.ElastiCacheClient(config);
  const elbv2 = new elbSdk.ElasticLoadBalancingV2Client(config);
  try {
    await ecs.send(new ecsSdk.CreateClusterCommand({ clusterName: CLUSTER }));
    await ecs.send(
      new ecsSdk.RegisterTaskDefinitionCommand({
        family: SERVICE,
        containerDefinitions: [{ name: SERVICE, image: 'api:1', memory: 128, secrets: [{ name: 'HUGGINGFACE_API_KEY', valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf' }] }],
      }),
    );
    await ecs.send(new ecsSdk.CreateServiceCommand({ cluster: CLUSTER, serviceName: SERVICE, taskDefinition: SERVICE, desiredCount: 1 }));
    const from = (await ec2.send(new ec2Sdk.CreateSecurityGroupCommand({ GroupName: 'api-tasks', Description: 'api tasks' }))).GroupId!;
    const to = (await ec2.send(new ec2Sdk.CreateSecurityGroupCommand({ GroupName: 'redis', Description: 'redis' }))).GroupId!;
    await ec2.send(
      new ec2Sdk.AuthorizeSecurityGroupIngressCommand({ GroupId: to, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: from }] }] }),
    );
    // The shape rows: a group with no rules at all (so DescribeSecurityGroups is asked), clusters
    // whose service exists (ListTasks, DescribeTasks are reached), a target group to read health of.
    const bare = (await ec2.send(new ec2Sdk.CreateSecurityGroupCommand({ GroupName: 'bare', Description: 'no rules' }))).GroupId!;
    await ec2.send(new ec2Sdk.RevokeSecurityGroupEgressCommand({ GroupId: bare, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    groups = { from, to, bare };
    for (const cluster of ['cl-list', 'cl-tasks']) {
      await ecs.send(new ecsSdk.CreateClusterCommand({ clusterName: cluster }));
      await ecs.send(new ecsSdk.CreateServiceCommand({ cluster, serviceName: SERVICE, taskDefinition: SERVICE, desiredCount: 1 }));
    }
    await ecs.send(new ecsSdk.RunTaskCommand({ cluster: 'cl-tasks', taskDefinition: SERVICE, launchType: 'FARGATE', count: 1, group: `service:${SERVICE}` }));
    const vpc = (await ec2.send(new ec2Sdk.CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!.VpcId!;
    const group = await elbv2.send(new elbSdk.CreateTargetGroupCommand({ Name: 'tg-health', Protocol: 'HTTP', Port: 8000, VpcId: vpc, TargetType: 'ip' }));
    tgHealthArn = group.TargetGroups![0]!.TargetGroupArn!;
    await cache.send(
      new cacheSdk.CreateReplicationGroupCommand({ ReplicationGroupId: REPLICATION_GROUP, ReplicationGroupDescription: 'fault tests', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }),
    );
  } finally {
    ecs.destroy();
    ec2.destroy();
    cache.destroy();
    elbv2.destroy();
  }
}

async function runCase(fault: FaultCase, index: number): Promise<Outcome> {
  const proxied = fault.aws && !fault.endpointDown;
  return runScenarioFile(fault.name, String(index), scenarioFor(fault, index), proxied ? (proxy) => fault.faults?.(proxy) : undefined);
}

/** Runs `yaml` through the built CLI, with AWS behind a fresh fault proxy (`faults`) or on a closed port. */
async function runScenarioFile(name: string, dirName: string, yaml: string, faults?: (proxy: FaultProxy) => void): Promise<Outcome> {
  const dir = path.join(tmp, dirName);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, yaml);
  let proxy: FaultProxy | undefined;
  let endpoint = `http://127.0.0.1:${closedPort}`;
  if (faults) {
    proxy = await startFaultProxy(moto!.endpoint);
    proxies.push(proxy);
    faults(proxy);
    endpoint = proxy.endpoint;
  }
  const out = path.join(dir, 'out', 'report.json');
  const run = await runCli(['run', file, '--out', `json=${out}`], {
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_MAX_ATTEMPTS: String(SDK_ATTEMPTS),
      AWS_RETRY_MODE: 'standard',
    },
    killAfterMs: 60_000,
  });
  let report: RunReport;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as RunReport;
  } catch (error) {
    throw new Error(`${name}: no --out report (${(error as Error).message}); exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  }
  return { run, report, proxy };
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-reliability-faults-'));
  closedPort = await freePort();
  server = await startHttpServer();
  server.route('/ok', respondJson(200, { status: 'ok' }));
  server.route('/hang', neverRespond);
  server.route('/stall', stallAfterHeaders);
  server.route('/reset', resetMidBody);
  server.route('/always-503', respond(503, 'upstream unavailable'));
  server.route('/burst', (req, res, body, tools) => {
    burstRequests += 1;
    (burstRequests <= BURST ? respond(503, 'upstream unavailable') : respond(200, 'recovered'))(req, res, body, tools);
  });
  tlsServer = await startHttpServer({ tls: selfSignedCert() });
  tlsServer.route('/health', respond(200, 'tls ok'));
  if (moto) await seedMoto(moto.endpoint);
  const runnable = CASES.map((fault, index) => ({ fault, index })).filter(({ fault }) => !fault.aws || withMoto);
  await Promise.all([
    ...runnable.map(async ({ fault, index }) => outcomes.set(fault.name, await runCase(fault, index))),
    ...(withMoto ? SHAPE_BODIES.map(async (kind, index) => shapeOutcomes.set(kind.kind, await runShapes(kind, index))) : []),
  ]);
}, 180_000);

/** One run: every shape row's check, each with its own call answered 200 with `kind`'s body. */
function runShapes(kind: (typeof SHAPE_BODIES)[number], index: number): Promise<Outcome> {
  const checks = SHAPE_ROWS.map((row, i) => `  - name: shape ${i}\n    ${fill(row.check)}\n    ${retry(2)}`);
  const yaml = [`name: shapes ${index}`, 'checks:', ...checks, ''].join('\n');
  return runScenarioFile(`shapes: ${kind.kind}`, `shapes-${index}`, yaml, (proxy) => {
    for (const row of SHAPE_ROWS) proxy.failNext(1000, { body: kind.body(row) }, row.api, fill(row.marker));
  });
}

afterAll(async () => {
  killAllCli();
  await Promise.all(proxies.map((proxy) => proxy.stop()));
  await Promise.all([server?.stop(), tlsServer?.stop()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.each(CASES)('$name', (fault) => {
  const maybe = fault.aws && !withMoto ? it.skip : it;

  maybe('ends the check with its precise reason', () => {
    const { report } = outcomes.get(fault.name)!;
    const probe = report.checks[0]!;
    const { expected } = fault;
    expect({ status: probe.status, attempts: probe.attempts, flaky: probe.flaky }).toEqual({
      status: expected.status,
      attempts: expected.attempts ?? probe.attempts,
      flaky: expected.flaky ?? false,
    });
    expect(probe.message).toMatch(expected.message);
    expect(probe.message).not.toContain(STACK_LINE);
  });

  maybe('the run completes: the next check runs, the summary is printed, the --out file written, the exit code set', () => {
    const { run, report } = outcomes.get(fault.name)!;
    expect({ code: run.code, timedOut: run.timedOut }).toEqual({ code: fault.expected.code, timedOut: false });
    // The check after the fault still ran.
    expect(report.checks[1]).toMatchObject({ name: 'after', status: 'passed' });
    expect(report.status).toBe(fault.expected.code === 0 ? 'passed' : 'failed');
    const summary = report.summary;
    expect(run.stdout).toContain(
      `${fault.expected.code === 0 ? 'PASSED' : 'FAILED'} ${report.scenario}: ${summary.passed} passed, ${summary.failed} failed, ${summary.errored} errored, ${summary.skipped} skipped`,
    );
    expect(run.stdout + run.stderr).not.toContain(STACK_LINE);
    expect(run.stderr).not.toContain('internal error');
  });

  if (fault.calls) {
    maybe('the calls AWS saw (counted at the proxy): SDK retries and runner retries as expected', () => {
      const { proxy } = outcomes.get(fault.name)!;
      const seen = Object.fromEntries(
        Object.keys(fault.calls!).map((action) => {
          const calls = proxy!.requests.filter((r) => r.action === action);
          return [action, [calls.length, calls.filter((r) => r.fault !== undefined).length]];
        }),
      );
      expect(seen).toEqual(fault.calls);
    });
  }
});

describe.each(SHAPE_BODIES)('AWS answers HTTP 200 with $kind', ({ kind }) => {
  const maybe = withMoto ? it : it.skip;

  maybe.each(SHAPE_ROWS.map((row, i) => [row.action, i] as const))('%s: error "unexpected response", never a verdict', (action, i) => {
    const { report, proxy } = shapeOutcomes.get(kind)!;
    const probe = report.checks[i]!;
    expect({ status: probe.status, attempts: probe.attempts }).toEqual({ status: 'error', attempts: 1 });
    expect(probe.message).toMatch(new RegExp(`^unexpected response from ${action}: `));
    expect(probe.message).not.toMatch(/not found|does not exist/);
    expect(probe.fix).toBeUndefined();
    // The proxy did answer this check's call with the body (not some other failure first).
    expect(proxy!.requests.some((r) => r.action === SHAPE_ROWS[i]!.api && r.fault === 'body 200')).toBe(true);
  });

  maybe('the run prints no fix command and no "not found", and exits 1', () => {
    const { run } = shapeOutcomes.get(kind)!;
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toContain('authorize-security-group-ingress');
    expect(run.stdout + run.stderr).not.toMatch(/not found|does not exist/);
    expect(run.stdout + run.stderr).not.toContain(STACK_LINE);
  });
});

describe('the 5xx burst, seen from the server', () => {
  it(`got exactly ${BURST + 1} requests: ${BURST} answered 503, then one 200`, () => {
    expect(burstRequests).toBe(BURST + 1);
  });
});
