/**
 * The Lambda hook handler against the incident's sandbox (issue #9): a real-shaped ECS lifecycle
 * hook event for the sandbox's own paused blue/green rollout, the shipped scenario named by
 * VERIFY_DEPLOYMENT_SCENARIO, invoked in-process. Broken (missing SG rule) → FAILED with the root
 * cause in the log line; fixed, on a new rollout → SUCCEEDED. The target revision's task
 * definition is resolved by the default resolver (ecs:DescribeServiceRevisions in the emulator).
 */
import { afterAll, beforeAll, beforeEach, expect, it, jest } from '@jest/globals';
import { DescribeServiceDeploymentsCommand, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import path from 'node:path';
import { handler, type EcsHookResponse } from '../../runner/lambda/handler.js';
import type { Sandbox } from '../../scripts/sandbox/index.js';
import { fakeContext } from '../lambda/support.js';
import { METRICS_WINDOW_S, useSandbox } from '../support/sandbox.js';
import { requireTool } from '../support/tools.js';

const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..');
const LOG_WINDOW_S = 4;
const ALB_WAIT_S = 6;
const FUNCTION_ENV: Record<string, string> = { VERIFY_DEPLOYMENT_SCENARIO: 'scenarios/hokusai-api-development.yaml', LAMBDA_TASK_ROOT: ROOT };

/** The hook event ECS sends for the sandbox's newest rollout, paused at POST_TEST_TRAFFIC_SHIFT. */
async function hookEventForRollout(sandbox: Sandbox): Promise<Record<string, unknown>> {
  const { serviceArn } = await sandbox.rollout();
  const listed = await sandbox.aws.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'hokusai-development', service: serviceArn }));
  const newest = listed.serviceDeployments?.[0];
  if (!newest?.serviceDeploymentArn || !newest.targetServiceRevisionArn) throw new Error(`no service deployment for ${serviceArn}: ${JSON.stringify(listed)}`);
  const described = await sandbox.aws.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [newest.serviceDeploymentArn] }));
  const target = newest.targetServiceRevisionArn;
  const source = described.serviceDeployments?.[0]?.sourceServiceRevisions?.[0]?.arn;
  if (!source || source === target) throw new Error(`the rollout has no distinct source revision: ${JSON.stringify(described)}`);
  return {
    executionId: `exec-${newest.serviceDeploymentArn.split('/').pop()}`,
    lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
    resourceArn: newest.serviceDeploymentArn,
    executionDetails: {
      // Test traffic on the new revision, production still on the old one: a forward rollout.
      testTrafficWeights: { [target]: 100, [source]: 0 },
      productionTrafficWeights: { [source]: 100, [target]: 0 },
      serviceArn,
      targetServiceRevisionArn: target,
    },
    hookDetails: { vars: { baseUrl: sandbox.vars.baseUrl, logWindow: `${LOG_WINDOW_S}s`, albWait: `${ALB_WAIT_S}s`, metricsWindow: `${METRICS_WINDOW_S}s` } },
  };
}

/** Invokes the shipped handler and returns its answer with the one JSON line it logged. */
async function invoke(event: Record<string, unknown>): Promise<{ response: EcsHookResponse; line: Record<string, any> }> {
  const spy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const response = (await handler(event, fakeContext(10 * 60_000))) as EcsHookResponse;
    const lines = spy.mock.calls.map((args) => String(args[0])).filter((text) => text.includes('verify-deployment verdict'));
    expect(lines).toHaveLength(1);
    return { response, line: JSON.parse(lines[0]!) as Record<string, any> };
  } finally {
    spy.mockRestore();
  }
}

requireTool(['moto', 'redis-server'], 'the Lambda handler against the sandbox')('the Lambda hook handler against the sandbox', () => {
  const twin = useSandbox({ logWindowSeconds: LOG_WINDOW_S, setProcessEnv: true });
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [key, value] of Object.entries(FUNCTION_ENV)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = twin.sandbox;
  });

  it('missing SG rule: FAILED, and the logged line names the Redis ingress rule as the root cause', async () => {
    await sandbox.setState('missing-sg-rule');
    await sandbox.waitForTarget('unhealthy', 30_000);
    const event = await hookEventForRollout(sandbox);
    const { response, line } = await invoke(event);
    expect(response).toEqual({ hookStatus: 'FAILED' });
    expect(line).toMatchObject({
      kind: 'ecs-lifecycle-hook',
      hookStatus: 'FAILED',
      verdict: 'failed',
      cluster: 'hokusai-development',
      service: 'hokusai-api-development',
      stage: 'POST_TEST_TRAFFIC_SHIFT',
      serviceDeployment: event.resourceArn,
      scenarioSource: 'VERIFY_DEPLOYMENT_SCENARIO',
    });
    expect(line.taskDefinition).toMatch(/task-definition\/hokusai-api:\d+$/);
    expect(line.rootCause).toContain('sg-0454e74e2924a7754');
    expect(line.rootCause).toContain('sg-0864e6f6aee2a5cf4');
    expect(line.rootCause).toMatch(/6379/);
    const statuses = Object.fromEntries((line.report.checks as { name: string; status: string }[]).map((c) => [c.name, c.status]));
    expect(statuses['redis ingress from the API']).toBe('failed');
    expect(JSON.stringify(line)).not.toContain(sandbox.apiKey);
  }, 180_000);

  it('fixed, on a new rollout: SUCCEEDED', async () => {
    await sandbox.setState('healthy');
    await sandbox.waitForTarget('healthy', 30_000);
    await twin.waitForCleanLogs();
    const event = await hookEventForRollout(sandbox);
    const { response, line } = await invoke(event);
    expect({ response, failed: (line.report?.checks as { name: string; status: string; message?: string }[] | undefined)?.filter((c) => c.status !== 'passed') }).toEqual({
      response: { hookStatus: 'SUCCEEDED' },
      failed: [],
    });
    expect(line).toMatchObject({ hookStatus: 'SUCCEEDED', verdict: 'passed', serviceDeployment: event.resourceArn });
    expect(line.summary).toEqual({ passed: 11, failed: 0, errored: 0, skipped: 0 });
    expect(line.rootCause).toBeUndefined();
  }, 180_000);
});
