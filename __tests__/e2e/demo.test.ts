/** `verify-deployment demo`, the README's first command, end to end through the built binary. */
import { expect, it } from '@jest/globals';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { requireTool } from '../support/tools.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
requireTool(['moto', 'redis-server'], 'the demo test')('verify-deployment demo', () => {
  it('shows the failing verdict with the root cause, the fix, and then the passing verdict', async () => {
    const { code, stdout, stderr } = await runCli(['demo'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, killAfterMs: 170_000 });

    expect({ code, stderrTail: code === 0 ? '' : stderr.slice(-2000) }).toEqual({ code: 0, stderrTail: '' });
    const failing = stdout.indexOf('✗ FAILED hokusai-api-development');
    const rootCause = stdout.indexOf('Root cause: redis ingress from the API');
    const fix = stdout.indexOf('aws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754 --protocol tcp --port 6379 --source-group sg-0864e6f6aee2a5cf4');
    const passing = stdout.indexOf('✓ PASSED hokusai-api-development: 11 passed, 0 failed, 0 errored, 0 skipped');
    expect(failing).toBeGreaterThan(-1);
    expect(rootCause).toBeGreaterThan(failing);
    expect(fix).toBeGreaterThan(rootCause);
    expect(passing).toBeGreaterThan(fix);
    // The incident as the team found it, from the start: no wait for the target to turn unhealthy.
    expect(stdout).toContain('The ALB marks target 10.0.1.23:8000 unhealthy (Target.Timeout), as the team found it.');
    expect(stdout.slice(0, fix)).toContain('✗ FAILED hokusai-api-development: 5 passed, 6 failed, 0 errored, 0 skipped');
    for (const name of ['redis ingress from the API', 'no redis errors in logs', 'health latency', 'targets healthy', 'deployment alarm', 'alb metrics']) {
      expect(stdout.slice(0, fix)).toMatch(new RegExp(`✗ failed +${name} `));
    }
    expect(stdout).toContain('explains: no redis errors in logs, health latency, targets healthy, deployment alarm, alb metrics');
    // After the fix, the deployment alarm is back to OK before the second run (if it was not yet when
    // the target turned healthy, the demo says it waits for it).
    expect(stdout.slice(fix)).toMatch(/✓ passed +deployment alarm +1 .*1 alarm OK: hokusai-api-development-target-response-time-p95/);
    const alarmWait = stdout.slice(fix).match(/Waiting for the deployment alarm to return to OK .*/);
    if (alarmWait) expect(alarmWait[0]).toMatch(/OK after \d+\.\ds$/);
    expect(stdout).toContain('Target.Timeout');
    expect(stdout).toContain('Demo complete');
  }, 180_000);

  it('--hook: the gate rolls back the rollout on the incident, then continues the one after the fix', async () => {
    const { code, stdout, stderr } = await runCli(['demo', '--hook'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, killAfterMs: 170_000 });

    expect({ code, stderrTail: code === 0 ? '' : stderr.slice(-2000) }).toEqual({ code: 0, stderrTail: '' });
    const paused = stdout.indexOf('paused at a PAUSE hook at POST_TEST_TRAFFIC_SHIFT');
    const rootCause = stdout.indexOf('Root cause: redis ingress from the API');
    const rollback = stdout.indexOf('gate: ROLLBACK (verdict failed): redis ingress from the API: no ingress rule on sg-0454e74e2924a7754 allows tcp/6379 from sg-0864e6f6aee2a5cf4');
    const recordedRollback = stdout.search(/The emulator recorded ContinueServiceDeployment ROLLBACK on hook ecs-pause-\S+-POST_TEST_TRAFFIC_SHIFT\./);
    const fix = stdout.indexOf('Applying the fix');
    const continued = stdout.indexOf('gate: CONTINUE (verdict passed): 11 checks passed');
    const recordedContinue = stdout.search(/The emulator recorded ContinueServiceDeployment CONTINUE on hook ecs-pause-\S+-POST_TEST_TRAFFIC_SHIFT\./);
    expect(paused).toBeGreaterThan(-1);
    expect(rootCause).toBeGreaterThan(paused);
    expect(rollback).toBeGreaterThan(rootCause);
    expect(recordedRollback).toBeGreaterThan(rollback);
    expect(fix).toBeGreaterThan(recordedRollback);
    expect(continued).toBeGreaterThan(fix);
    expect(recordedContinue).toBeGreaterThan(continued);
    // Two rollouts, each of a new revision.
    expect(stdout.match(/rollout of hokusai-api:\d+ \(blue\/green\)/g)).toHaveLength(2);
    expect(stdout).toContain('Demo complete: the gate rolled back');
    expect(stdout.match(/^gate: (CONTINUE|ROLLBACK) /gm)).toEqual(['gate: ROLLBACK ', 'gate: CONTINUE ']);
  }, 180_000);
});
