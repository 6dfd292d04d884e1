/**
 * The handler against the emulator: zero-config discovery of the event's service, and the default
 * DescribeServiceRevisions resolver. moto has no DescribeServiceRevisions yet (another branch adds
 * it to scripts/moto/): until then the resolver's call fails and the hook must answer FAILED with
 * the reason — never SUCCEEDED on a task definition it could not see.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { createHandler, type EcsHookResponse, type RunResponse } from '../../runner/lambda/handler.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';
import { sampleEvent } from './fixtures.js';
import { TASK_DEFINITION, bundleDir, fakeContext, logCapture } from './support.js';
import { latestMetricValue } from '../support/metrics.js';

/** A gate on a metric nobody published: no datapoints, so the check ends inconclusive. */
const NO_DATA_SCENARIO = `name: hokusai-api metrics
publishMetrics: { namespace: Deploy/Lambda }
checks:
  - name: latency
    type: cloudwatch-metric
    namespace: Hokusai/Nothing
    metric: Latency
    stat: Maximum
    retry: { attempts: 1 }
    expect: { max: 1 }
`;

requireTool('moto', 'Lambda handler against moto')('Lambda handler against moto', () => {
  useMoto();
  let bundle: { root: string; remove: () => void };

  beforeAll(async () => {
    bundle = bundleDir({ 'scenarios/no-data.yaml': NO_DATA_SCENARIO });
    const ecs = new ECSClient({ region: 'us-east-1' });
    await ecs.send(new CreateClusterCommand({ clusterName: 'hokusai' }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'hokusai-api', containerDefinitions: [{ name: 'api', image: 'api:152', memory: 512 }] }));
    await ecs.send(new CreateServiceCommand({ cluster: 'hokusai', serviceName: 'hokusai-api', taskDefinition: 'hokusai-api', desiredCount: 1 }));
    ecs.destroy();
  });

  afterAll(async () => {
    bundle?.remove();
  });

  it('plain input without a scenario: discovers the service and runs the standard chain', async () => {
    const logs = logCapture();
    const handler = createHandler({ bundleRoot: bundle.root, env: process.env, log: logs.log, marginMs: 100 });
    const response = (await handler({ cluster: 'hokusai', service: 'hokusai-api' }, fakeContext(8_000))) as RunResponse;
    expect(response.report?.file).toBe('discovered:hokusai/hokusai-api');
    expect(response.report?.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['service stable', 'tasks running']));
    expect(logs.entries()[0]).toMatchObject({ kind: 'plain', scenarioSource: 'discovery', cluster: 'hokusai', service: 'hokusai-api' });
  });

  it('a lifecycle hook without a scenario: discovery, with the injected revision resolver', async () => {
    const logs = logCapture();
    const handler = createHandler({ bundleRoot: bundle.root, env: process.env, log: logs.log, marginMs: 100, resolveTaskDefinition: async () => TASK_DEFINITION });
    const event = sampleEvent('ecs-hook-post-scale-up');
    event.hookDetails = {};
    const response = (await handler(event, fakeContext(3_000))) as EcsHookResponse;
    expect(['SUCCEEDED', 'FAILED', 'IN_PROGRESS']).toContain(response.hookStatus);
    expect(logs.entries()[0]).toMatchObject({ scenarioSource: 'discovery', taskDefinition: TASK_DEFINITION });
  });

  it("an inconclusive check (no datapoints) answers FAILED, and the scenario's publishMetrics puts the verdict", async () => {
    const logs = logCapture();
    const handler = createHandler({ bundleRoot: bundle.root, env: process.env, log: logs.log, marginMs: 100, resolveTaskDefinition: async () => TASK_DEFINITION });
    const event = sampleEvent('ecs-hook-post-test-traffic-shift');
    event.hookDetails = { scenario: 'scenarios/no-data.yaml' };
    expect(await handler(event, fakeContext(20_000))).toEqual({ hookStatus: 'FAILED' });
    const entry = logs.entries()[0]!;
    expect(entry).toMatchObject({ verdict: 'inconclusive', hookStatus: 'FAILED', summary: { inconclusive: 1, failed: 0, errored: 0 }, metricsPublished: 'Deploy/Lambda' });
    expect(entry.report.checks[0]).toMatchObject({ name: 'latency', status: 'inconclusive' });
    const cloudwatch = new CloudWatchClient({ region: 'us-east-1' });
    try {
      expect([
        await latestMetricValue(cloudwatch, 'Deploy/Lambda', 'ScenarioPassed', { Scenario: 'hokusai-api metrics' }),
        await latestMetricValue(cloudwatch, 'Deploy/Lambda', 'CheckPassed', { Scenario: 'hokusai-api metrics', Check: 'latency' }),
      ]).toEqual([0, 0]);
    } finally {
      cloudwatch.destroy();
    }
  }, 30_000);

  it('discovery of a service that does not exist: the reason, not a crash', async () => {
    const logs = logCapture();
    const handler = createHandler({ bundleRoot: bundle.root, env: process.env, log: logs.log });
    const response = (await handler({ cluster: 'hokusai', service: 'nope' }, fakeContext(8_000))) as RunResponse;
    expect(response).toMatchObject({ verdict: 'errored', error: expect.stringMatching(/ECS service nope not found in cluster hokusai/) });
  });

  it('the default DescribeServiceRevisions resolver: a failed look-up answers FAILED with the reason', async () => {
    const logs = logCapture();
    const handler = createHandler({ bundleRoot: bundle.root, env: process.env, log: logs.log });
    const event = sampleEvent('ecs-hook-post-test-traffic-shift');
    event.hookDetails = {};
    expect(await handler(event, fakeContext(8_000))).toEqual({ hookStatus: 'FAILED' });
    expect(logs.entries()[0]!.reason).toMatch(/cannot resolve the target task definition|service revision .* not found/);
  });
});
