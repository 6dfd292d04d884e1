/**
 * Just after the fix, stale evidence does not cut what is healing (the finding behind
 * CheckType.evidence): the sandbox broken by the missing Redis ingress rule, then fixed (what
 * `sandbox fix` does), then at once the shipped scenario with its production budgets, or the
 * zero-config chain. The log window still holds the Redis errors from before the fix, so the logs
 * check fails, really; but it is past evidence and must not stop `targets healthy` retrying: the
 * target turns healthy a few seconds after the fix, and the check passes within its own budget.
 */
import { beforeAll, expect, it } from '@jest/globals';
import path from 'node:path';
import { checkTypes } from '../../checks/index.js';
import type { RunReport } from '../../runner/result.js';
import type { Sandbox } from '../../scripts/sandbox/index.js';
import { runCliReport } from '../support/cli.js';
import { useSandbox } from '../support/sandbox.js';
import { requireTool } from '../support/tools.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const SCENARIO = path.join(ROOT, 'scenarios/hokusai-api-development.yaml');
/** The shipped scenario's log window (its `logWindow` var): the errors from before the fix are in it. */
const LOG_WINDOW_S = 120;

const windowTypes = new Set(checkTypes.filter((t) => t.evidence === 'window').map((t) => t.type));

requireTool(['moto', 'redis-server'], 'the fixed-sandbox stale-evidence tests')('right after the fix, stale logs and alarms do not cut what is healing', () => {
  const twin = useSandbox({ logWindowSeconds: LOG_WINDOW_S });
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = twin.sandbox;
  });

  it.each<{ label: string; args: () => string[] }>([
    { label: 'the shipped scenario, production budgets', args: () => ['run', SCENARIO, '--var', `baseUrl=${sandbox.vars.baseUrl}`] },
    { label: 'zero-config run --cluster --service', args: () => ['run', '--cluster', 'hokusai-development', '--service', 'hokusai-api-development', '--url', sandbox.apiUrl] },
  ])('$label: targets healthy is not explained by stale evidence; it passes within its budget', async ({ args }) => {
    await sandbox.setState('missing-sg-rule');
    await sandbox.waitForTarget('unhealthy', 30_000);
    // `sandbox fix`, then the run at once: the target is still unhealthy, the log window still holds the errors.
    await sandbox.setState('healthy');
    const { report } = await runCliReport<RunReport>(args(), { env: { ...sandbox.env, CI: 'true' }, killAfterMs: 170_000 });

    const targets = report.checks.find((c) => c.type === 'alb-targets-healthy')!;
    expect({ status: targets.status, consequenceOf: targets.consequenceOf, message: targets.message }).toEqual({ status: 'passed', consequenceOf: undefined, message: expect.not.stringContaining('not retried') });
    // It did have to wait for the target: the first attempt saw it not healthy yet.
    expect(targets.attempts).toBeGreaterThan(1);
    // The stale lines are still a real failure of the logs check (windows are not this fix's concern).
    expect(report.checks.find((c) => c.type === 'logs-absent')).toMatchObject({ status: 'failed', attempts: 1, observations: expect.arrayContaining([expect.objectContaining({ expected: '0', ok: false })]) });
    // No check anywhere was cut by a failure on past evidence.
    const cutBy = report.checks.flatMap((c) => (c.consequenceOf ? [report.checks.find((cause) => cause.name === c.consequenceOf)!.type] : []));
    expect(cutBy.filter((type) => windowTypes.has(type))).toEqual([]);
    // The SG rule is back: it is no cause.
    expect(report.checks.find((c) => c.type === 'sg-ingress')?.status).toBe('passed');
    await sandbox.waitForTarget('healthy', 30_000);
  }, 150_000);
});
