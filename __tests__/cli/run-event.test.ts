/**
 * `verify-deployment run --event FILE|-` end to end: each event kind the Lambda hook accepts, taken
 * from the samples in __tests__/fixtures/events/ with their ARNs pointed at the emulator's rollout.
 * The scenario's http check puts the vars it was given into the URL, and the local server records
 * them: what the event resolved to is observed, not assumed.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, ROOT, parseStdoutJson, runCli } from '../support/cli.js';
import { respond, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { useMoto } from '../support/moto.js';
import { CLUSTER, SERVICE, pausedRollout, type PausedRollout } from '../support/paused-rollout.js';
import { requireTool } from '../support/tools.js';

const EVENTS = path.join(ROOT, '__tests__/fixtures/events');
const sample = (name: string) => JSON.parse(readFileSync(path.join(EVENTS, `${name}.json`), 'utf8')) as Record<string, any>;

const ECHO_SCENARIO = `name: echo the vars
# --var names must be declared; the event's own vars (cluster, service, ...) need not be.
vars:
  baseUrl: http://127.0.0.1:9
  extra: none
checks:
  - name: vars
    type: http
    url: \${vars.baseUrl}/vars?cluster=\${vars.cluster}&service=\${vars.service}&taskDefinition=\${vars.taskDefinition:-none}&stage=\${vars.stage:-none}&extra=\${vars.extra:-none}
    retry: { attempts: 1 }
    expect: { status: 200 }
`;

requireTool('moto', 'run --event tests')('verify-deployment run --event against the emulator', () => {
  useMoto({ resetBetweenTests: true });
  let server: TestHttpServer;
  let dir: string;
  let scenario: string;
  let rollout: PausedRollout;

  beforeAll(async () => {
    server = await startHttpServer();
    server.route('/vars', respond(200, 'ok'));
    dir = mkdtempSync(path.join(tmpdir(), 'vd-event-'));
    scenario = path.join(dir, 'echo.yaml');
    writeFileSync(scenario, ECHO_SCENARIO);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    server.requests.length = 0;
    rollout = await pausedRollout({ pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' });
  });
  afterEach(() => rollout?.destroy());

  function writeEvent(event: unknown): string {
    const file = path.join(dir, `event-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(event));
    return file;
  }
  /** The vars the scenario saw, from the URL the http check requested. */
  function seenVars(): Record<string, string> {
    const request = server.requests.find((r) => r.url.startsWith('/vars'));
    if (!request) throw new Error('the scenario made no request');
    return Object.fromEntries(new URL(request.url, 'http://127.0.0.1').searchParams);
  }
  const run = (event: string, extra: string[] = [], env: Record<string, string | undefined> = {}) =>
    runCli(['run', '--event', event, ...extra], { env, killAfterMs: 60_000 });

  /** The sample hook payload, aimed at the emulator's paused rollout. */
  async function lifecycleHookEvent(name = 'ecs-hook-post-test-traffic-shift') {
    const deployment = await rollout.newest();
    const target = deployment.targetServiceRevision!.arn!;
    const source = deployment.sourceServiceRevisions![0]!.arn!;
    const event = sample(name);
    event.resourceArn = deployment.serviceDeploymentArn;
    event.executionDetails = { ...event.executionDetails, serviceArn: rollout.serviceArn, targetServiceRevisionArn: target, testTrafficWeights: { [target]: 100, [source]: 0 }, productionTrafficWeights: { [source]: 100, [target]: 0 } };
    event.hookDetails = { vars: { extra: 'from-hook-details' } };
    return event;
  }

  it('an ECS lifecycle hook payload: cluster, service, the target revision (DescribeServiceRevisions), the stage and hookDetails.vars', async () => {
    const result = await run(writeEvent(await lifecycleHookEvent()), [scenario, '--var', `baseUrl=${server.url}`]);
    expect(result.code).toBe(0);
    expect(seenVars()).toEqual({ cluster: CLUSTER, service: SERVICE, taskDefinition: expect.stringMatching(/:task-definition\/hokusai-api:2$/), stage: 'POST_TEST_TRAFFIC_SHIFT', extra: 'from-hook-details' });
    expect(result.stderr).toMatch(/--event: ECS lifecycle hook at POST_TEST_TRAFFIC_SHIFT for hokusai\/hokusai-api, target arn:.*hokusai-api:2/);
  }, 30_000);

  it('an EventBridge ECS Deployment State Change: the deployment id leads to its task definition; no stage', async () => {
    const event = sample('eventbridge-service-deployment-completed');
    event.resources = [rollout.serviceArn];
    event.detail.deploymentId = await rollout.primaryDeploymentId();
    const result = await run(writeEvent(event), [scenario, '--var', `baseUrl=${server.url}`, '--var', 'extra=cli']);
    expect(result.code).toBe(0);
    expect(seenVars()).toEqual({ cluster: CLUSTER, service: SERVICE, taskDefinition: expect.stringMatching(/hokusai-api:2$/), stage: 'none', extra: 'cli' });
  }, 30_000);

  it('an EventBridge ECS Hook State Change: stage from the event, target revision from its service deployment', async () => {
    const deployment = await rollout.newest();
    const event = sample('eventbridge-hook-state-change');
    event.resources = [deployment.serviceDeploymentArn];
    event.detail.serviceDeploymentArn = deployment.serviceDeploymentArn;
    const result = await run(writeEvent(event), [scenario, '--var', `baseUrl=${server.url}`]);
    expect(result.code).toBe(0);
    expect(seenVars()).toMatchObject({ cluster: CLUSTER, service: SERVICE, taskDefinition: expect.stringMatching(/hokusai-api:2$/), stage: 'POST_TEST_TRAFFIC_SHIFT' });
  }, 30_000);

  it('a CodeDeploy hook names no service: VERIFY_DEPLOYMENT_CLUSTER/_SERVICE do; without them and without a scenario, exit 2', async () => {
    const file = writeEvent(sample('codedeploy-hook'));
    const result = await run(file, [scenario, '--var', `baseUrl=${server.url}`], { VERIFY_DEPLOYMENT_CLUSTER: CLUSTER, VERIFY_DEPLOYMENT_SERVICE: SERVICE });
    expect(result.code).toBe(0);
    expect(seenVars()).toMatchObject({ cluster: CLUSTER, service: SERVICE, taskDefinition: 'none', stage: 'none' });
    expect(result.stderr).toContain('the status is not reported back');
    const nothing = await run(file, [], { VERIFY_DEPLOYMENT_CLUSTER: undefined, VERIFY_DEPLOYMENT_SERVICE: undefined });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/a CodeDeploy hook names no service/);
  }, 30_000);

  it('a plain {cluster, service, vars} input, read from stdin (--event -)', async () => {
    const event = { cluster: CLUSTER, service: SERVICE, vars: { baseUrl: server.url, extra: 'plain' } };
    const child = spawn(process.execPath, [CLI, 'run', '--event', '-', scenario], { cwd: ROOT, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    child.stdin.end(JSON.stringify(event));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(seenVars()).toMatchObject({ cluster: CLUSTER, service: SERVICE, extra: 'plain' });
  }, 30_000);

  it('no scenario: the zero-config chain for the event\'s service, judged at its stage', async () => {
    await rollout.tag({ 'moto:runningCount': '1' });
    const result = await run(writeEvent(await lifecycleHookEvent()), ['--reporter', 'json', '--timeout', '8s']);
    const report = parseStdoutJson<{ file: string; checks: { name: string; status: string; message: string }[] }>(result);
    expect(report.file).toBe(`discovered:${CLUSTER}/${SERVICE}`);
    expect(report.checks.find((c) => c.name === 'rollout landed')).toMatchObject({ status: 'passed', message: expect.stringMatching(/at POST_TEST_TRAFFIC_SHIFT \(gated/) });
  }, 30_000);

  it.each([
    ['not JSON', 'this is not json', /--event .*: not JSON/],
    ['an unrecognised object', '{"hello":"world"}', /unrecognised event/],
    ['a hook payload with a foreign resourceArn', JSON.stringify({ ...sample('ecs-hook-post-scale-up'), resourceArn: 'arn:aws:s3:::bucket' }), /resourceArn .* is not an ECS service deployment ARN/],
  ])('a malformed event (%s) is exit 2 with the reason', async (_what, text, message) => {
    const file = path.join(dir, 'bad-event.json');
    writeFileSync(file, text);
    const result = await run(file, [scenario]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('a target revision the emulator does not know: exit 1 naming it, nothing run', async () => {
    const event = await lifecycleHookEvent();
    event.executionDetails.targetServiceRevisionArn = `arn:aws:ecs:us-east-1:123456789012:service-revision/${CLUSTER}/${SERVICE}/999`;
    const result = await run(writeEvent(event), [scenario, '--var', `baseUrl=${server.url}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/service revision .*\/999 not found/);
    expect(server.requests).toHaveLength(0);
  }, 30_000);

  it('--event with --cluster is a usage error', async () => {
    const result = await runCli(['run', '--event', 'x.json', '--cluster', CLUSTER, '--service', SERVICE]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--event names the service itself/);
  });
});
