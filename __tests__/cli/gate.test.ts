/**
 * `verify-deployment gate` end to end: the built CLI against the emulator (a rollout paused at a
 * PAUSE hook, scripts/moto/ext_ecs_deployments.py) and a local HTTP server playing the new
 * revision. The emulator records every ContinueServiceDeployment in the service tag
 * `moto:deployment:continued`: the tests read what the gate really did there.
 */
import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { parseStdoutJson, runCli } from '../support/cli.js';
import { respond, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { useMoto } from '../support/moto.js';
import { CLUSTER, SERVICE, pausedRollout, type PausedRollout } from '../support/paused-rollout.js';
import { requireTool } from '../support/tools.js';
import { latestMetricValue } from '../support/metrics.js';

/** What a gate at a traffic-shift stage checks: the target revision at the stage, and its endpoint. */
const GATE_SCENARIO = `name: hokusai-api gate
# A --var must be declared; cluster, service, taskDefinition and stage are the gate's own.
vars:
  baseUrl: http://127.0.0.1:9
checks:
  - name: target revision at the stage
    type: ecs-deployment
    cluster: \${vars.cluster}
    service: \${vars.service}
    taskDefinition: \${vars.taskDefinition}
    stage: \${vars.stage}
  - name: health
    type: http
    url: \${vars.baseUrl}/health
    retry: { attempts: 1 }
    expect: { status: 200 }
`;

const CONTINUED = 'moto:deployment:continued';

requireTool('moto', 'gate end-to-end tests')('verify-deployment gate against the emulator', () => {
  useMoto({ resetBetweenTests: true });
  let server: TestHttpServer;
  let dir: string;
  let scenario: string;
  let rollout: PausedRollout | undefined;

  beforeAll(async () => {
    server = await startHttpServer();
    dir = mkdtempSync(path.join(tmpdir(), 'vd-gate-'));
    scenario = path.join(dir, 'gate.yaml');
    writeFileSync(scenario, GATE_SCENARIO);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    rollout?.destroy();
    rollout = undefined;
  });

  const gate = (...extra: string[]) => runCli(['gate', '--cluster', CLUSTER, '--service', SERVICE, '--var', `baseUrl=${server.url}`, ...extra], { killAfterMs: 60_000 });
  // Zero-config declares no vars of its own: its base URL comes from --url.
  const gateZeroConfig = (...extra: string[]) => runCli(['gate', '--cluster', CLUSTER, '--service', SERVICE, '--url', server.url, ...extra], { killAfterMs: 60_000 });

  it('the broken revision (its /health answers 500): ROLLBACK, exit 1; after the fix, a new rollout: CONTINUE, exit 0', async () => {
    rollout = await pausedRollout({ pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' });
    const broken = await rollout.newest();
    server.route('/health', respond(500, '{"error":"HuggingFace token not configured"}'));
    const rolledBack = await gate(scenario);
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.stdout).toMatch(/gate: ROLLBACK \(verdict failed\): health: .*500/);
    expect(rolledBack.stderr).toContain(`awaiting action at POST_TEST_TRAFFIC_SHIFT`);
    expect(rolledBack.stderr).toMatch(/target revision arn:aws:ecs:us-east-1:\d+:task-definition\/hokusai-api:2/);
    const hookId = broken.lifecycleHookDetails![0]!.hookId!;
    expect((await rollout.tags())[CONTINUED]).toBe(`ROLLBACK|${hookId}`);
    expect((await rollout.newest()).status).toBe('ROLLBACK_REQUESTED');

    // The fix: the endpoint answers, and a new rollout (revision 3) pauses at the same stage.
    server.route('/health', respond(200, '{"status":"ok"}'));
    await rollout.redeploy(3);
    await rollout.untag(['moto:deployment:status', 'moto:deployment:statusReason', CONTINUED]);
    await rollout.tag({ 'moto:deployment:pauseHook': 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' });
    const fixed = await rollout.newest();
    const continued = await gate(scenario);
    expect(continued.code).toBe(0);
    expect(continued.stdout).toMatch(/gate: CONTINUE \(verdict passed\): 2 checks passed/);
    expect(continued.stderr).toMatch(/task-definition\/hokusai-api:3/);
    expect((await rollout.tags())[CONTINUED]).toBe(`CONTINUE|${fixed.lifecycleHookDetails![0]!.hookId}`);
  }, 90_000);

  it('nothing awaits action: exit 3, says what it saw, calls nothing', async () => {
    rollout = await pausedRollout();
    const result = await gate(scenario);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/no PAUSE hook awaiting action for ECS service hokusai-api \(cluster hokusai\) \(looked once.*\): service deployment \S+ IN_PROGRESS at no lifecycle stage: no PAUSE hook awaiting action/);
    expect(result.stdout).toBe('');
    expect((await rollout.tags())[CONTINUED]).toBeUndefined();
  }, 30_000);

  it('--stage: a hook at another stage does not count (exit 3); at its own stage the gate acts', async () => {
    rollout = await pausedRollout({ pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' });
    server.route('/health', respond(200, 'ok'));
    const elsewhere = await gate(scenario, '--stage', 'PRODUCTION_TRAFFIC_SHIFT');
    expect(elsewhere.code).toBe(3);
    expect(elsewhere.stderr).toMatch(/at PRODUCTION_TRAFFIC_SHIFT .*awaits action at POST_TEST_TRAFFIC_SHIFT, not at PRODUCTION_TRAFFIC_SHIFT/);
    expect((await rollout.tags())[CONTINUED]).toBeUndefined();
    const here = await gate(scenario, '--stage', 'POST_TEST_TRAFFIC_SHIFT');
    expect(here.code).toBe(0);
    expect((await rollout.tags())[CONTINUED]).toMatch(/^CONTINUE\|/);
  }, 60_000);

  it('--wait: polls until a hook appears, then acts on it', async () => {
    rollout = await pausedRollout();
    server.route('/health', respond(200, 'ok'));
    const appears = setTimeout(() => void rollout!.tag({ 'moto:deployment:pauseHook': 'POST_SCALE_UP|AWAITING_ACTION' }), 2_500);
    try {
      const result = await gate(scenario, '--wait', '40s', '--interval', '500ms');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/gate: waiting for a PAUSE hook: .*no PAUSE hook awaiting action/);
      expect(result.stderr).toContain('awaiting action at POST_SCALE_UP');
      expect((await rollout.tags())[CONTINUED]).toMatch(/^CONTINUE\|/);
    } finally {
      clearTimeout(appears);
    }
  }, 60_000);

  it('--wait that runs out: exit 3 with the tally of what it saw', async () => {
    rollout = await pausedRollout();
    const result = await gate(scenario, '--wait', '1500ms', '--interval', '300ms');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/within --wait 1\.5s \(\d+ looks\): .*no PAUSE hook awaiting action ×\d/);
  }, 30_000);

  it('--dry-run decides and prints, but ContinueServiceDeployment is never called', async () => {
    rollout = await pausedRollout({ pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' });
    server.route('/health', respond(500, 'down'));
    const result = await gate(scenario, '--dry-run');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/gate: would ROLLBACK \(verdict failed\)/);
    expect(result.stdout).toContain('ContinueServiceDeployment not called');
    expect((await rollout.tags())[CONTINUED]).toBeUndefined();
    expect((await rollout.newest()).lifecycleHookDetails![0]!.status).toBe('AWAITING_ACTION');
  }, 30_000);

  it('--publish-metrics puts the run\'s verdict into CloudWatch, then the gate decides as without it', async () => {
    rollout = await pausedRollout({ pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' });
    server.route('/health', respond(500, 'down'));
    const result = await gate(scenario, '--dry-run', '--publish-metrics', 'Deploy/Gate');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/gate: would ROLLBACK \(verdict failed\)/);
    expect(result.stderr).not.toContain('warning');
    const cloudwatch = new CloudWatchClient({});
    try {
      expect([
        await latestMetricValue(cloudwatch, 'Deploy/Gate', 'ScenarioPassed', { Scenario: 'hokusai-api gate' }),
        await latestMetricValue(cloudwatch, 'Deploy/Gate', 'CheckPassed', { Scenario: 'hokusai-api gate', Check: 'health' }),
      ]).toEqual([0, 0]);
    } finally {
      cloudwatch.destroy();
    }
  }, 60_000);

  it('without a scenario: the zero-config chain, judged at the hook stage (--reporter json keeps stdout one JSON document)', async () => {
    // The target revision's deployment runs its 1 task (ext_ecs.py), the old one still beside it.
    rollout = await pausedRollout({ pauseHook: 'POST_SCALE_UP|AWAITING_ACTION', tags: { 'moto:runningCount': '1' } });
    const result = await gateZeroConfig('--dry-run', '--reporter', 'json', '--timeout', '8s');
    const report = parseStdoutJson<{ file: string; checks: { name: string; type: string; status: string; message: string }[] }>(result);
    expect(report.file).toBe(`discovered:${CLUSTER}/${SERVICE}`);
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['rollout landed']).toMatchObject({ type: 'ecs-deployment', status: 'passed' });
    expect(byName['rollout landed']!.message).toMatch(/IN_PROGRESS at POST_SCALE_UP \(gated: rollout completion is not judged\); hokusai-api:2 runs 1\/1 tasks/);
    expect(byName['service stable']).toMatchObject({ type: 'ecs-service-stable', status: 'passed', message: expect.stringMatching(/target revision hokusai-api:2 runs 1\/1 tasks \(gated at POST_SCALE_UP/) });
    expect(result.stderr).toMatch(/gate: would (CONTINUE|ROLLBACK)/);
    expect((await rollout.tags())[CONTINUED]).toBeUndefined();
  }, 60_000);

  it.each([
    ['an unknown stage', ['--stage', 'SCALE_UP'], /--stage expects a stage a lifecycle hook can pause/],
    ['no service', [], /needs --cluster and --service/],
    ['--interval without --wait', ['--interval', '1s'], /--interval only applies with --wait/],
    ['a malformed --wait', ['--wait', 'soon'], /--wait expects a duration/],
  ])('usage: %s is exit 2, before any AWS call', async (_what, extra, message) => {
    const args = extra.length === 0 ? ['gate', scenario] : ['gate', '--cluster', CLUSTER, '--service', SERVICE, scenario, ...extra];
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('an invalid scenario is exit 2 before looking for the hook: nothing is called', async () => {
    rollout = await pausedRollout({ pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' });
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nchecks:\n  - name: x\n    type: ecs-deployment\n    cluster: ${vars.cluster}\n    stage: SOMETIME\n');
    const result = await gate(bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml:\d+:\d+ .*service/);
    expect((await rollout.tags())[CONTINUED]).toBeUndefined();
  }, 30_000);
});
