/**
 * Zero-config discovery against the emulator: `discover` reads a service built by the shared
 * fixtures, `scenarioText` writes the chain with budgets derived from the target group's health
 * check, the text validates, and a run of it on a broken service ends within those budgets.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { AddTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { checkTypes } from '../../checks/index.js';
import { discover, DiscoveryError, scenarioText, worstCaseMs, plannedChain, type Discovered } from '../../runner/discovery/index.js';
import { parseScenario } from '../../runner/load.js';
import { runScenario } from '../../runner/run.js';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSecret, createWebService, type WebService, type WebServiceClients } from '../../scripts/fixtures/index.js';
import { useMoto } from '../support/moto.js';
import { startSilentServer } from '../support/redis.js';
import { requireTool } from '../support/tools.js';

const CLUSTER = 'shop';
const SERVICE = 'checkout';
const HEALTH_CHECK = { path: '/healthz', intervalSeconds: 3, timeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2 };
/** 3 s × 2 + 2 s, plus the 10 s margin. */
const TARGETS_WITHIN_MS = 18_000;

const load = (text: string) => parseScenario(text, { checkTypes, env: {}, displayName: 'discovered.yaml', dir: process.cwd() });

requireTool('moto', 'discovery integration tests')('discover against moto', () => {
  const moto = useMoto({ pinEcsTasks: true });
  let aws: WebServiceClients;
  let web: WebService;
  let found: Discovered;
  let secrets: SecretsManagerClient;

  beforeAll(async () => {
    aws = { ec2: new EC2Client({}), ecs: new ECSClient({}), elbv2: new ElasticLoadBalancingV2Client({}), logs: new CloudWatchLogsClient({}) };
    secrets = new SecretsManagerClient({});
    // The secret exists, as in a healthy account: discovery checks that it does (secretsExist).
    const stripeKey = await createSecret(secrets, 'checkout/stripe-key');
    web = await createWebService(aws, {
      cluster: CLUSTER,
      service: SERVICE,
      healthCheck: HEALTH_CHECK,
      environment: { REDIS_URL: 'redis.internal:6379' },
      secretsFrom: { STRIPE_KEY: stripeKey },
      logGroup: '/ecs/checkout',
    });
    found = await discover({ cluster: CLUSTER, service: SERVICE });
  });

  afterAll(() => {
    secrets?.destroy();
    for (const client of Object.values(aws ?? {})) client.destroy();
  });

  it('finds the task definition, target group with its health check, log group, security groups and rollout', () => {
    expect(found).toMatchObject({
      taskDefinition: `${SERVICE}:1`,
      containers: [{ name: 'app', secrets: ['STRIPE_KEY'], environment: ['REDIS_URL'], logGroup: '/ecs/checkout' }],
      targetGroups: [
        {
          name: SERVICE,
          arn: web.targetGroupArn,
          healthCheckPath: '/healthz',
          healthCheck: { intervalSeconds: 3, timeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2 },
        },
      ],
      securityGroups: [web.securityGroup],
      rolloutState: 'COMPLETED',
      region: 'us-east-1',
    });
    expect(found.deploymentStartedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('writes the chain with a bounded budget on every check, derived from the target group, and it validates', () => {
    const text = scenarioText({ cluster: CLUSTER, service: SERVICE, url: 'http://127.0.0.1:9/' }, found);
    const scenario = load(text);
    const budgets = Object.fromEntries(scenario.checks.map((c) => [c.name, { within: c.retry.withinMs, attempts: c.retry.attempts, timeout: c.timeoutMs }]));
    expect(budgets).toEqual({
      // The task definition's secrets exist and its REDIS_URL has no scheme (a warning): 2 attempts.
      'task definition': { within: undefined, attempts: 2, timeout: 10_000 },
      // 60 s task start + no grace period (moto keeps none) + the targets' bound; rollout COMPLETED, so no draining.
      'rollout landed': { within: 60_000 + TARGETS_WITHIN_MS, attempts: undefined, timeout: 10_000 },
      'service stable': { within: 60_000 + TARGETS_WITHIN_MS, attempts: undefined, timeout: 10_000 },
      'tasks running': { within: 30_000, attempts: undefined, timeout: 15_000 },
      'targets healthy': { within: TARGETS_WITHIN_MS, attempts: undefined, timeout: 10_000 },
      'no errors since the deployment': { within: 40_000, attempts: undefined, timeout: 20_000 },
      health: { within: undefined, attempts: 1, timeout: 10_000 },
    });
    // The bound is shown where it applies, with where it comes from.
    expect(text).toContain(`# budget: within 18s = 3s interval × 2 healthy threshold + 2s timeout + 10s margin (target group ${SERVICE})`);
    expect(text).toContain('within: 18s');
    expect(text).toContain('url: ${vars.baseUrl}/healthz');
  });

  it('a run on a broken service (targets timing out) fails within the derived budget, well under a minute', async () => {
    await aws.elbv2.send(new AddTagsCommand({ ResourceArns: [web.targetGroupArn], Tags: [{ Key: `moto:health:${web.targets[0]}`, Value: 'unhealthy|Target.Timeout|Request timed out' }] }));
    const chain = plannedChain({ cluster: CLUSTER, service: SERVICE }, found);
    // The chain's worst case on this path: stable and tasks pass at once, targets retry to their bound.
    expect(worstCaseMs(chain.checks.find((c) => c.name === 'targets healthy')!.budget)).toBe(TARGETS_WITHIN_MS);
    const scenario = load(scenarioText({ cluster: CLUSTER, service: SERVICE }, found));
    const report = await runScenario(scenario);
    const statuses = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
    expect(statuses).toEqual({ 'task definition': 'passed', 'rollout landed': 'passed', 'service stable': 'passed', 'tasks running': 'passed', 'targets healthy': 'failed', 'no errors since the deployment': 'passed' });
    expect(report.checks.find((c) => c.name === 'targets healthy')!.message).toContain('Target.Timeout');
    // Retried up to its bound (the last attempt starts one 3 s poll before it), not failed at once, and no longer.
    expect(report.durationMs).toBeGreaterThanOrEqual(TARGETS_WITHIN_MS - 4_000);
    expect(report.durationMs).toBeLessThan(TARGETS_WITHIN_MS + 8_000);
  }, 60_000);

  it('names a missing service plainly, with where to look', async () => {
    const error = await discover({ cluster: CLUSTER, service: 'no-such-service' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toBe(
      `ECS service no-such-service not found in cluster ${CLUSTER}, region us-east-1 (MISSING); check the names and the region (aws ecs list-services --cluster ${CLUSTER} --region us-east-1)`,
    );
  });

  it('bounds its own AWS calls: an endpoint that never answers is a DiscoveryError, not a hang', async () => {
    const silent = await startSilentServer();
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${silent.port}`;
    try {
      const started = Date.now();
      const error = await discover({ cluster: CLUSTER, service: SERVICE }, { timeoutMs: 1_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiscoveryError);
      expect((error as Error).message).toBe(`cannot discover ${SERVICE}: AWS did not answer within 1s`);
      // Loose on purpose (a loaded CI machine): the point is that it ends, well before the 30 s default.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      process.env.AWS_ENDPOINT_URL = saved;
      await silent.stop();
    }
    expect(moto.endpoint).toBe(saved);
  });
});
