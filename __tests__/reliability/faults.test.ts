/**
 * Faults, through the BUILT CLI (`npm run build` first): every way the service or AWS can fail
 * yields a failed or errored check with a precise reason, and the run still completes — it prints
 * its summary on stdout, writes its --out file and exits 1 (0 when retries got it through).
 *
 * HTTP faults come from a real local server (and a TLS one with a self-signed certificate). AWS
 * faults come from a real moto_server behind a fault-injecting proxy (support/fault-proxy.ts) that
 * answers the next N calls with the error AWS would send, in the call's protocol, and counts every
 * call. The SDK retries throttling (and unreachable endpoints) on its own, up to AWS_MAX_ATTEMPTS
 * attempts per call (3, the SDK's default, pinned here so the counts below are exact); the runner
 * retries the check on top of that.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../runner/result.js';
import { killAllCli, runCli, STACK_LINE, type CliResult } from '../support/cli.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { neverRespond, resetMidBody, respond, respondJson, selfSignedCert, stallAfterHeaders, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { motoAvailable, requireMoto, startMoto, type Moto } from '../support/moto.js';
import { freePort } from '../support/ports.js';

if (process.env.CI === 'true') requireMoto(); // a missing emulator fails CI loudly, never a silent skip
const withMoto = motoAvailable();
if (!withMoto) console.warn('moto is not installed: the AWS fault cases are skipped (pip install "moto[server]")');

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
let moto: Moto | undefined;
let closedPort: number;
let groups: { from: string; to: string } = { from: 'sg-00000000', to: 'sg-00000000' };
let tmp: string;
let burstRequests = 0;
const outcomes = new Map<string, Outcome>();
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
  // Both time out the attempt; the runner reports the attempt timeout. That the headers did arrive
  // in the second case is not in the message (the http check knows the phase, the runner's timeout
  // message does not carry it): a known limitation, pinned here so a fix shows up as a change.
  {
    name: 'headers never sent',
    check: `type: http\n    url: {url}/hang\n    timeout: 500ms\n    ${retry(2)}`,
    expected: { code: 1, status: 'failed', attempts: 2, message: /^no answer within the 500ms attempt timeout \(gave up after 2 attempts\)$/ },
  },
  {
    name: 'body that stalls',
    check: `type: http\n    url: {url}/stall\n    timeout: 500ms\n    ${retry(2)}`,
    expected: { code: 1, status: 'failed', attempts: 2, message: /^no answer within the 500ms attempt timeout \(gave up after 2 attempts\)$/ },
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
    name: 'ECS (JSON protocol) throttled for 3 calls, then answering',
    aws: true,
    check: `type: ecs-task-definition\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    secrets: [HUGGINGFACE_API_KEY]\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(SDK_ATTEMPTS, throttle('ThrottlingException'), 'DescribeServices'),
    // Attempt 1: the SDK tries DescribeServices 3 times, all throttled; attempt 2 goes through.
    expected: { code: 0, status: 'passed', attempts: 2, flaky: true, message: /HUGGINGFACE_API_KEY/ },
    calls: { DescribeServices: [SDK_ATTEMPTS + 1, SDK_ATTEMPTS], DescribeTaskDefinition: [1, 0] },
  },
  {
    name: 'ECS throttled on every call',
    aws: true,
    check: `type: ecs-task-definition\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    secrets: [HUGGINGFACE_API_KEY]\n    ${retry(2)}`,
    faults: (proxy) => proxy.failNext(1000, throttle('ThrottlingException'), 'DescribeServices'),
    expected: { code: 1, status: 'failed', attempts: 2, message: /^AWS throttled ecs:DescribeServices \(ThrottlingException\); backing off and retrying \(gave up after 2 attempts\)$/ },
    calls: { DescribeServices: [2 * SDK_ATTEMPTS, 2 * SDK_ATTEMPTS] },
  },
  {
    name: 'EC2 (EC2 query protocol) throttled for 3 calls, then answering',
    aws: true,
    check: `type: sg-ingress\n    fromSecurityGroups: [{fromGroup}]\n    toSecurityGroup: {toGroup}\n    port: 6379\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(SDK_ATTEMPTS, throttle('RequestLimitExceeded'), 'DescribeSecurityGroupRules'),
    expected: { code: 0, status: 'passed', attempts: 2, flaky: true, message: /allows tcp\/6379 from/ },
    calls: { DescribeSecurityGroupRules: [SDK_ATTEMPTS + 1, SDK_ATTEMPTS] },
  },
  {
    name: 'ElastiCache (query protocol) throttled for 3 calls, then answering',
    aws: true,
    check: `type: elasticache-available\n    replicationGroupId: ${REPLICATION_GROUP}\n    ${retry(3)}`,
    faults: (proxy) => proxy.failNext(SDK_ATTEMPTS, throttle('Throttling'), 'DescribeReplicationGroups'),
    expected: { code: 0, status: 'passed', attempts: 2, flaky: true, message: new RegExp(`^ElastiCache replication group ${REPLICATION_GROUP} is available`) },
    calls: { DescribeReplicationGroups: [SDK_ATTEMPTS + 1, SDK_ATTEMPTS] },
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

function scenarioFor(fault: FaultCase, index: number): string {
  const check = fault.check
    .replaceAll('{url}', server.url)
    .replaceAll('{tlsUrl}', tlsServer.url)
    .replaceAll('{closedPort}', String(closedPort))
    .replaceAll('{fromGroup}', groups.from)
    .replaceAll('{toGroup}', groups.to);
  return [`name: fault ${index}`, 'checks:', '  - name: probe', `    ${check}`, '  - name: after', '    type: http', `    url: ${server.url}/ok`, ''].join('\n');
}

async function seedMoto(endpoint: string): Promise<void> {
  const config = { endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const [ecsSdk, ec2Sdk, cacheSdk] = await Promise.all([import('@aws-sdk/client-ecs'), import('@aws-sdk/client-ec2'), import('@aws-sdk/client-elasticache')]);
  const ecs = new ecsSdk.ECSClient(config);
  const ec2 = new ec2Sdk.EC2Client(config);
  const cache = new cacheSdk.ElastiCacheClient(config);
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
    groups = { from, to };
    await cache.send(
      new cacheSdk.CreateReplicationGroupCommand({ ReplicationGroupId: REPLICATION_GROUP, ReplicationGroupDescription: 'fault tests', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }),
    );
  } finally {
    ecs.destroy();
    ec2.destroy();
    cache.destroy();
  }
}

async function runCase(fault: FaultCase, index: number): Promise<Outcome> {
  const dir = path.join(tmp, String(index));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, scenarioFor(fault, index));
  let proxy: FaultProxy | undefined;
  let endpoint = `http://127.0.0.1:${closedPort}`;
  if (fault.aws && !fault.endpointDown) {
    proxy = await startFaultProxy(moto!.endpoint);
    proxies.push(proxy);
    fault.faults?.(proxy);
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
    throw new Error(`${fault.name}: no --out report (${(error as Error).message}); exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
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
  if (withMoto) {
    moto = await startMoto();
    await seedMoto(moto.endpoint);
  }
  const runnable = CASES.map((fault, index) => ({ fault, index })).filter(({ fault }) => !fault.aws || withMoto);
  await Promise.all(runnable.map(async ({ fault, index }) => outcomes.set(fault.name, await runCase(fault, index))));
}, 180_000);

afterAll(async () => {
  killAllCli();
  await Promise.all(proxies.map((proxy) => proxy.stop()));
  await Promise.all([server?.stop(), tlsServer?.stop(), moto?.stop()]);
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

describe('the 5xx burst, seen from the server', () => {
  it(`got exactly ${BURST + 1} requests: ${BURST} answered 503, then one 200`, () => {
    expect(burstRequests).toBe(BURST + 1);
  });
});
