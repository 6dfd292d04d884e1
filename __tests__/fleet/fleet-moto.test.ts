/**
 * Whole-cluster runs, discover and summarize against the emulator, through the built CLI: a cluster
 * of five services (one with a FAILED rollout, one with no load balancer, one with no awslogs),
 * the broken one named, the others passing, exit 1; --service-prefix and --exclude select; a
 * scenario file runs per service with ${vars.service}; and, in process, at most 2 Describe calls
 * per resource per round with the shared clients, counted at a proxy.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ClientPool } from '../../runner/clients.js';
import { runFleet } from '../../runner/fleet/run-fleet.js';
import { SharedClients } from '../../runner/fleet/shared-clients.js';
import { startResourceCounter } from '../../scripts/bench/fig-fleet.js';
import { createFleet } from '../../scripts/fixtures/fleet.js';
import type { WebServiceClients } from '../../scripts/fixtures/index.js';
import { killAllCli, parseStdoutJson, runCli, startFixtureServer } from '../support/cli.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';
import { latestMetricValue } from '../support/metrics.js';

const CLUSTER = 'shop';
const SERVICES = ['api-broken', 'api-orders', 'api-users', 'web-nolb', 'worker-nologs'];
const FAILED_ROLLOUT = { 'moto:runningCount': '0', 'moto:rolloutState': 'FAILED' };

interface FleetJson {
  cluster: string | null;
  status: string;
  totals: Record<string, number>;
  services: { cluster: string; service: string; verdict: string; error?: string; report: { scenario: string; rootCause?: { check: string }; checks: { name: string; status: string }[] } | null }[];
}

const verdicts = (doc: FleetJson) => Object.fromEntries(doc.services.map((s) => [s.service, s.verdict]));
const checksOf = (doc: FleetJson, service: string) => doc.services.find((s) => s.service === service)!.report!.checks.map((c) => c.name);

requireTool('moto', 'fleet integration tests')('a cluster of services against moto', () => {
  const moto = useMoto({ pinEcsTasks: true });
  let aws: WebServiceClients;
  let dir: string;
  let fleetRun: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vd-fleet-'));
    aws = { ec2: new EC2Client({}), ecs: new ECSClient({}), elbv2: new ElasticLoadBalancingV2Client({}), logs: new CloudWatchLogsClient({}) };
    await createFleet(aws, {
      cluster: CLUSTER,
      services: [
        { name: 'api-broken', serviceTags: FAILED_ROLLOUT },
        { name: 'api-orders' },
        { name: 'api-users' },
        { name: 'web-nolb', loadBalancer: false },
        { name: 'worker-nologs', logs: false },
      ],
    });
    fleetRun = await runCli(['run', '--cluster', CLUSTER, '--all-services', '--reporter', 'json'], { cwd: dir, killAfterMs: 90_000 });
  }, 120_000);

  afterAll(() => {
    killAllCli();
    for (const client of Object.values(aws ?? {})) client.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the broken service, passes the others, exits 1', () => {
    const doc = parseStdoutJson<FleetJson>(fleetRun);
    expect(fleetRun.code).toBe(1);
    expect(doc).toMatchObject({ cluster: CLUSTER, status: 'failed', totals: { services: 5, passed: 4, failed: 1, errored: 0, inconclusive: 0 } });
    expect(verdicts(doc)).toEqual({ 'api-broken': 'failed', 'api-orders': 'passed', 'api-users': 'passed', 'web-nolb': 'passed', 'worker-nologs': 'passed' });
    expect(doc.services.find((s) => s.service === 'api-broken')!.report!.rootCause).toMatchObject({ check: 'rollout landed' });
    // One progress line per service on stderr, stdout kept for the report.
    expect(fleetRun.stderr).toMatch(/^✗ api-broken failed \(0\/5 checks, /m);
    expect(fleetRun.stderr.match(/^✓ .* passed \(/gm)).toHaveLength(4);
  });

  it('still verifies a service with no load balancer (no targets check) or no awslogs (no logs check)', () => {
    const doc = parseStdoutJson<FleetJson>(fleetRun);
    expect(checksOf(doc, 'web-nolb')).toEqual(['rollout landed', 'service stable', 'tasks running', 'no errors since the deployment']);
    expect(checksOf(doc, 'worker-nologs')).toEqual(['rollout landed', 'service stable', 'tasks running', 'targets healthy']);
    expect(checksOf(doc, 'api-orders')).toEqual(['rollout landed', 'service stable', 'tasks running', 'targets healthy', 'no errors since the deployment']);
  });

  it.each([
    [['--service-prefix', 'api-', '--exclude', 'api-broken'], ['api-orders', 'api-users'], 0],
    [['--service-prefix', 'api-'], ['api-broken', 'api-orders', 'api-users'], 1],
    [['--exclude', 'api-broken,web-nolb', '--exclude', 'worker-nologs'], ['api-orders', 'api-users'], 0],
  ])('selects with %j → %j, exit %i', async (flags, services, code) => {
    const run = await runCli(['run', '--cluster', CLUSTER, '--all-services', ...flags, '--reporter', 'json'], { cwd: dir, killAfterMs: 60_000 });
    expect(parseStdoutJson<FleetJson>(run).services.map((s) => s.service)).toEqual(services);
    expect(run.code).toBe(code);
  }, 70_000);

  it('pretty: a line per service, the broken one in full, the fleet verdict; junit: a testsuite per service', async () => {
    const out = path.join(dir, 'fleet.xml');
    const run = await runCli(['run', '--cluster', CLUSTER, '--all-services', '--service-prefix', 'api-', '--out', `junit=${out}`, '--no-color'], { cwd: dir, killAfterMs: 60_000 });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ failed +api-broken +0\/5 .*root cause: rollout landed: /m);
    expect(run.stdout).toMatch(/^✓ passed +api-orders +5\/5/m);
    expect(run.stdout).toContain('── api-broken (failed) ──');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^✗ FAILED fleet shop: 2 passed, 1 failed, 0 errored, 0 inconclusive of 3 services in /);
    const xml = readFileSync(out, 'utf8');
    expect([...xml.matchAll(/^ {2}<testsuite name="([^"]+)"/gm)].map((m) => m[1])).toEqual(['api-broken', 'api-orders', 'api-users']);
  }, 70_000);

  it('runs a scenario file for every service with ${vars.service} filled in', async () => {
    const scenario = path.join(dir, 'per-service.yaml');
    writeFileSync(
      scenario,
      ['name: stable ${vars.service}', 'checks:', '  - name: stable', '    type: ecs-service-stable', '    cluster: ${vars.cluster}', '    service: ${vars.service}', '    retry: { attempts: 1 }', ''].join('\n'),
    );
    const run = await runCli(['run', scenario, '--cluster', CLUSTER, '--all-services', '--service-prefix', 'api-', '--reporter', 'json'], { cwd: dir, killAfterMs: 60_000 });
    const doc = parseStdoutJson<FleetJson>(run);
    expect(doc.services.map((s) => [s.service, s.verdict, s.report!.scenario])).toEqual([
      ['api-broken', 'failed', 'stable api-broken'],
      ['api-orders', 'passed', 'stable api-orders'],
      ['api-users', 'passed', 'stable api-users'],
    ]);
    expect(run.code).toBe(1);
  }, 70_000);

  it("holds the whole fleet to the scenario file's aws.rateLimits: one limiter, shared by every service", async () => {
    const scenario = path.join(dir, 'rate-limited.yaml');
    writeFileSync(
      scenario,
      [
        'name: stable ${vars.service}',
        "aws: { rateLimits: { 'Describe*': 1, 'List*': 1 } }",
        'checks:',
        '  - name: stable',
        '    type: ecs-service-stable',
        '    cluster: ${vars.cluster}',
        '    service: ${vars.service}',
        '    retry: { attempts: 1 }',
        '',
      ].join('\n'),
    );
    const pool = new ClientPool();
    const clients = new SharedClients(pool, { batchWindowMs: 0 });
    const started = performance.now();
    const fleet = await runFleet({ cluster: CLUSTER, services: ['api-orders', 'api-users', 'web-nolb'], scenarioFile: scenario, clients });
    await clients.destroy();
    expect(fleet.services.map((s) => s.verdict)).toEqual(['passed', 'passed', 'passed']);
    expect(pool.rateLimiter.rateOf('DescribeServices')).toBe(1);
    expect(pool.rateLimiter.rateOf('ListTasks')).toBe(1);
    // Three services' DescribeServices calls (no batching here) at 1/s with a burst of 1: the
    // last starts 2 s after the first, where the default 20/s would send them at once.
    expect(pool.rateLimiter.stats.delayed).toBeGreaterThanOrEqual(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
  }, 60_000);

  it("--publish-metrics puts each service's verdict (dimension Scenario = the service), as does the file's publishMetrics key", async () => {
    const scenario = path.join(dir, 'published.yaml');
    const lines = ['name: stable ${vars.service}', 'checks:', '  - name: stable', '    type: ecs-service-stable', '    cluster: ${vars.cluster}', '    service: ${vars.service}', '    retry: { attempts: 1 }', ''];
    writeFileSync(scenario, lines.join('\n'));
    const keyed = path.join(dir, 'published-key.yaml');
    writeFileSync(keyed, ['publishMetrics: { namespace: Deploy/FleetKey }', ...lines].join('\n'));
    const select = ['--cluster', CLUSTER, '--all-services', '--service-prefix', 'api-', '--no-color'];
    const [flagged, fromKey] = [await runCli(['run', scenario, ...select, '--publish-metrics', 'Deploy/Fleet'], { cwd: dir, killAfterMs: 60_000 }), await runCli(['run', keyed, ...select], { cwd: dir, killAfterMs: 60_000 })];
    expect([flagged.code, fromKey.code]).toEqual([1, 1]);
    expect(flagged.stderr + fromKey.stderr).not.toContain('warning');
    const cloudwatch = new CloudWatchClient({});
    try {
      const scenarioPassed = (namespace: string, service: string) => latestMetricValue(cloudwatch, namespace, 'ScenarioPassed', { Scenario: service });
      for (const namespace of ['Deploy/Fleet', 'Deploy/FleetKey']) {
        expect([namespace, await scenarioPassed(namespace, 'api-broken'), await scenarioPassed(namespace, 'api-orders'), await scenarioPassed(namespace, 'api-users')]).toEqual([namespace, 0, 1, 1]);
      }
      const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: 'Deploy/Fleet', MetricName: 'CheckPassed' }));
      expect((listed.Metrics ?? []).map((m) => (m.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).sort().join(' ')).sort()).toEqual([
        'Check=stable Scenario=api-broken',
        'Check=stable Scenario=api-orders',
        'Check=stable Scenario=api-users',
      ]);
    } finally {
      cloudwatch.destroy();
    }
  }, 130_000);

  it('refuses an invalid scenario file once, with its problems, before any service runs (exit 2)', async () => {
    const scenario = path.join(dir, 'invalid.yaml');
    writeFileSync(scenario, 'name: x\nchecks:\n  - name: stable\n    type: ecs-service-stabel\n');
    const run = await runCli(['run', scenario, '--cluster', CLUSTER, '--all-services'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown check type "ecs-service-stabel"');
    expect(run.stderr).not.toContain('verifying');
  });

  it('on SIGINT: running services report the interruption, the rest are not started, the report is still written, exit 130', async () => {
    const server = await startFixtureServer();
    try {
      const scenario = path.join(dir, 'hang.yaml');
      writeFileSync(scenario, ['name: hang ${vars.service}', 'checks:', '  - name: health', '    type: http', `    url: ${server.url}/hang`, '    timeout: 30s', ''].join('\n'));
      const out = path.join(dir, 'interrupted.json');
      const run = await runCli(['run', scenario, '--cluster', CLUSTER, '--all-services', '--concurrency', '2', '--out', `json=${out}`], {
        cwd: dir,
        signal: { signal: 'SIGINT', when: ({ stderr }) => stderr.includes('verifying'), delayMs: 1_500 },
      });
      expect(run.code).toBe(130);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as FleetJson;
      expect(doc.services.slice(0, 2).map((s) => [s.verdict, s.report?.checks[0]?.status])).toEqual([
        ['failed', 'skipped'],
        ['failed', 'skipped'],
      ]);
      expect(doc.services.slice(2).map((s) => [s.verdict, s.error])).toEqual(SERVICES.slice(2).map(() => ['errored', 'interrupted by SIGINT before it started']));
    } finally {
      await server.stop();
    }
  }, 60_000);

  it.each([
    [['--cluster', 'nope', '--all-services'], /ECS cluster nope not found/],
    [['--cluster', CLUSTER, '--all-services', '--service-prefix', 'zzz'], /no services in cluster shop starting with "zzz" \(the cluster has 5\)/],
    [['--cluster', CLUSTER, '--all-services', '--service', 'api-orders'], /--service does not apply with --all-services/],
    [['--cluster', CLUSTER, '--service-prefix', 'api-'], /--service-prefix and --exclude apply with --all-services/],
  ])('run %j is a usage error', async (args, message) => {
    const run = await runCli(['run', ...args], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('discover prints the services as a matrix, JSON lines and JSON; an unknown cluster is exit 2', async () => {
    const [matrix, jsonl, json, missing] = await Promise.all([
      runCli(['discover', '--cluster', CLUSTER, '--format', 'matrix'], { cwd: dir }),
      runCli(['discover', '--cluster', CLUSTER, '--format', 'jsonl', '--service-prefix', 'api-', '--exclude', 'api-broken'], { cwd: dir }),
      runCli(['discover', '--cluster', CLUSTER, '--format', 'json'], { cwd: dir }),
      runCli(['discover', '--cluster', 'nope', '--format', 'json'], { cwd: dir }),
    ]);
    expect(JSON.parse(matrix.stdout)).toEqual({ include: SERVICES.map((service) => ({ cluster: CLUSTER, service })) });
    expect(matrix.stdout.trim().split('\n')).toHaveLength(1);
    expect(jsonl.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as unknown)).toEqual([
      { cluster: CLUSTER, service: 'api-orders' },
      { cluster: CLUSTER, service: 'api-users' },
    ]);
    expect(JSON.parse(json.stdout)).toEqual(SERVICES.map((service) => ({ cluster: CLUSTER, service })));
    expect([matrix.code, jsonl.code, json.code, missing.code]).toEqual([0, 0, 0, 2]);
    expect(missing.stderr).toMatch(/ECS cluster nope not found/);
  });

  it('summarize merges per-service reports into the fleet verdict; --expect counts a missing report as errored', async () => {
    const doc = parseStdoutJson<FleetJson>(fleetRun);
    const files = doc.services.map((s) => {
      const file = path.join(dir, 'reports', `${s.service}.json`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(s.report));
      return file;
    });
    const expectFile = path.join(dir, 'services.json');
    writeFileSync(expectFile, JSON.stringify({ include: [...SERVICES, 'late'].map((service) => ({ cluster: CLUSTER, service })) }));
    const passing = files.filter((f) => !f.endsWith('api-broken.json'));
    const [all, good, expected] = await Promise.all([
      runCli(['summarize', ...files, '--reporter', 'json'], { cwd: dir }),
      runCli(['summarize', ...passing], { cwd: dir }),
      runCli(['summarize', ...passing, '--expect', expectFile, '--reporter', 'json'], { cwd: dir }),
    ]);
    expect(parseStdoutJson<FleetJson>(all)).toMatchObject({ cluster: CLUSTER, totals: doc.totals });
    expect(verdicts(parseStdoutJson<FleetJson>(all))).toEqual(verdicts(doc));
    expect(all.code).toBe(1);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/✓ PASSED fleet shop: 4 passed, 0 failed, 0 errored, 0 inconclusive of 4 services/);
    expect(verdicts(parseStdoutJson<FleetJson>(expected))).toMatchObject({ 'api-broken': 'errored', late: 'errored', 'api-orders': 'passed' });
    expect(expected.code).toBe(1);
  });

  it('shares its AWS clients: at most 2 Describe calls per resource in a one-round run, discovery included', async () => {
    const counter = await startResourceCounter(moto.endpoint);
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = counter.endpoint;
    try {
      const clients = new SharedClients(new ClientPool());
      const fleet = await runFleet({ cluster: CLUSTER, services: SERVICES.filter((s) => s !== 'api-broken'), clients });
      await clients.destroy();
      expect(fleet.totals.passed).toBe(4);
      const rounds = Math.max(...fleet.services.flatMap((s) => s.report!.checks.map((c) => c.attempts)));
      expect(rounds).toBe(1);
      const perResource = counter.perResource(rounds);
      expect(Object.keys(perResource)).toEqual(expect.arrayContaining(['DescribeServices', 'DescribeTaskDefinition', 'DescribeTargetGroups', 'DescribeTargetHealth']));
      for (const [action, count] of Object.entries(perResource)) expect([action, count.max <= 2]).toEqual([action, true]);
      expect(perResource.DescribeServices!.resources).toBe(4);
    } finally {
      process.env.AWS_ENDPOINT_URL = saved;
      await counter.stop();
    }
  });
});
