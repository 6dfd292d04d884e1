/**
 * Zero-config discovery's `alb-metrics` against the emulator: a service behind a real (moto) ALB
 * gets the check and its zero-config run passes with no metrics published (no false alarm); a
 * target group attached to no load balancer gets none; a published 5xx rate over the threshold, in
 * the dimensions the check queries, fails the run on alb-metrics; and the window is since the
 * deployment, at most the `metricsWindow` var back: after an infrastructure fix (no redeploy), 5xx
 * older than the window stop failing the check.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { checkTypes } from '../../checks/index.js';
import { discover, scenarioText, type Discovered } from '../../runner/discovery/index.js';
import { parseScenario } from '../../runner/load.js';
import { runScenario } from '../../runner/run.js';
import { createLoadBalancer, createWebService, type WebService, type WebServiceClients } from '../../scripts/fixtures/index.js';
import { startHttpServer, respond, type TestHttpServer } from '../support/http-server.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const CLUSTER = 'shop';
const HEALTH_CHECK = { path: '/healthz', intervalSeconds: 3, timeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2 };
const MINUTE = 60_000;

const load = (text: string, vars?: Record<string, string>) => parseScenario(text, { checkTypes, env: {}, displayName: 'discovered.yaml', dir: process.cwd(), ...(vars ? { vars } : {}) });

requireTool('moto', 'discovery metrics integration tests')('discovered alb-metrics against moto', () => {
  useMoto({ pinEcsTasks: true });
  let aws: WebServiceClients;
  let cloudwatch: CloudWatchClient;
  let behindAlb: WebService;
  let loadBalancerArn: string;
  let api: TestHttpServer;
  let found: Discovered;
  let unattached: Discovered;

  beforeAll(async () => {
    aws = { ec2: new EC2Client({}), ecs: new ECSClient({}), elbv2: new ElasticLoadBalancingV2Client({}), logs: new CloudWatchLogsClient({}) };
    cloudwatch = new CloudWatchClient({});
    api = await startHttpServer();
    api.route('/healthz', respond(200, 'ok'));
    // The rollout started 10 minutes ago (ext_ecs.py), so the window since the deployment holds whole minutes.
    const serviceTags = { 'moto:runningCount': '1', 'moto:rolloutState': 'COMPLETED', 'moto:deploymentCreatedAt': new Date(Date.now() - 10 * MINUTE).toISOString() };
    behindAlb = await createWebService(aws, { cluster: CLUSTER, service: 'checkout', healthCheck: HEALTH_CHECK, logGroup: '/ecs/checkout', serviceTags });
    loadBalancerArn = await createLoadBalancer(aws.elbv2, { name: 'shop', subnetIds: behindAlb.subnetIds, securityGroups: [behindAlb.securityGroup], targetGroupArn: behindAlb.targetGroupArn });
    await createWebService(aws, { cluster: CLUSTER, service: 'worker-api', healthCheck: HEALTH_CHECK });
    [found, unattached] = await Promise.all([discover({ cluster: CLUSTER, service: 'checkout' }), discover({ cluster: CLUSTER, service: 'worker-api' })]);
  }, 60_000);

  afterAll(async () => {
    cloudwatch?.destroy();
    for (const client of Object.values(aws ?? {})) client.destroy();
    await api?.stop();
  });

  /** The dimension values ALB publishes per target group: `app/name/id` and `targetgroup/name/id`. */
  const dimensions = () => [
    { Name: 'LoadBalancer', Value: loadBalancerArn.split(':loadbalancer/')[1]! },
    { Name: 'TargetGroup', Value: behindAlb.targetGroupArn.split(':').pop()! },
  ];

  /** 100 requests and `errors` 5xx in each of the minutes `minutesAgo` (whole minutes before now). */
  async function publish(dims: ReturnType<typeof dimensions>, minutesAgo: number[], errors: number) {
    const end = Math.floor(Date.now() / MINUTE) * MINUTE;
    const at = (ago: number) => new Date(end - ago * MINUTE + 15_000);
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: minutesAgo.flatMap((ago) => [
          { MetricName: 'RequestCount', Dimensions: dims, Value: 100, Timestamp: at(ago) },
          { MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: dims, Value: errors, Timestamp: at(ago) },
        ]),
      }),
    );
  }

  const zeroConfig = (service: string, discovered: Discovered, vars?: Record<string, string>) => runScenario(load(scenarioText({ cluster: CLUSTER, service, url: api.url }, discovered), vars));

  it('a target group behind a moto ALB gets alb-metrics, and with no metrics published the run passes (noData: pass, no false alarm)', async () => {
    expect(found.targetGroups[0]).toMatchObject({ arn: behindAlb.targetGroupArn, loadBalancerArns: [loadBalancerArn], loadBalancerTypes: ['application'] });
    const report = await zeroConfig('checkout', found);
    const metrics = report.checks.find((c) => c.type === 'alb-metrics')!;
    expect(metrics).toMatchObject({ name: 'ALB 5xx rate', status: 'passed', attempts: 1 });
    // The message says the pass is the no-data policy's, not evidence of a healthy 5xx rate.
    expect(metrics.message).toContain('noData: pass');
    // The deployment (10 minutes ago) is older than metricsWindow (5m): the last 5 minutes are read.
    expect(metrics.message).toMatch(/0 requests over 5m \(the deployment at .* is older\) \(minRequests 50\)/);
    expect(report.status).toBe('passed');
    expect(report.checks.map((c) => c.name)).toEqual(['rollout landed', 'service stable', 'tasks running', 'targets healthy', 'ALB 5xx rate', 'no errors since the deployment', 'health']);
  }, 60_000);

  it('a target group attached to no load balancer gets no alb-metrics, and the header says why', async () => {
    expect(unattached.targetGroups[0]!.loadBalancerArns).toEqual([]);
    const text = scenarioText({ cluster: CLUSTER, service: 'worker-api', url: api.url }, unattached);
    expect(load(text).checks.map((c) => c.type)).not.toContain('alb-metrics');
    expect(text).toContain('# Left out: ALB 5xx rate: target group worker-api is not attached to a load balancer: no ALB metrics exist for it.');
    expect((await zeroConfig('worker-api', unattached)).status).toBe('passed');
  }, 60_000);

  it('a 5xx rate before the deployment is not the rollout\'s: a run whose deployment started after it passes', async () => {
    // Published 12-14 minutes ago, before the rollout 10 minutes ago: outside the window. A metricsWindow
    // of an hour leaves the deployment as the start that counts.
    await publish(dimensions(), [14, 13, 12], 10);
    const report = await zeroConfig('checkout', found, { metricsWindow: '1h' });
    expect(report.checks.find((c) => c.type === 'alb-metrics')).toMatchObject({ status: 'passed' });
    expect(report.status).toBe('passed');
  }, 60_000);

  it('a published 5xx rate over 5% (LoadBalancer + TargetGroup dimensions, as the check queries) fails the run on alb-metrics', async () => {
    await publish(dimensions(), [3, 2, 1], 10);
    const report = await zeroConfig('checkout', found);
    const metrics = report.checks.find((c) => c.type === 'alb-metrics')!;
    expect(metrics).toMatchObject({ status: 'failed', attempts: 1 });
    expect(metrics.message).toMatch(/^5xx rate 10 % \(30 of 300 requests\) over 5m \(the deployment at .* is older\) > 5 %$/);
    expect(report.status).toBe('failed');
    expect(report.checks.filter((c) => c.status === 'failed').map((c) => c.name)).toEqual(['ALB 5xx rate']);
    expect(report.rootCause?.check).toBe('ALB 5xx rate');
  }, 60_000);

  describe('after an infrastructure fix: the deployment 30 minutes old, metricsWindow 5m', () => {
    let orders: WebService;
    let ordersLb: string;
    let ordersFound: Discovered;
    const ordersDimensions = () => [
      { Name: 'LoadBalancer', Value: ordersLb.split(':loadbalancer/')[1]! },
      { Name: 'TargetGroup', Value: orders.targetGroupArn.split(':').pop()! },
    ];
    const ordersMetrics = async (vars?: Record<string, string>) => (await zeroConfig('orders', ordersFound, vars)).checks.find((c) => c.type === 'alb-metrics')!;

    beforeAll(async () => {
      const serviceTags = { 'moto:runningCount': '1', 'moto:rolloutState': 'COMPLETED', 'moto:deploymentCreatedAt': new Date(Date.now() - 30 * MINUTE).toISOString() };
      orders = await createWebService(aws, { cluster: CLUSTER, service: 'orders', healthCheck: HEALTH_CHECK, serviceTags });
      ordersLb = await createLoadBalancer(aws.elbv2, { name: 'orders', subnetIds: orders.subnetIds, securityGroups: [orders.securityGroup], targetGroupArn: orders.targetGroupArn });
      ordersFound = await discover({ cluster: CLUSTER, service: 'orders' });
    }, 60_000);

    it('5xx from 10 minutes ago (before the fix) no longer fail it; the whole deployment window still would', async () => {
      // Before the fix: 20 % 5xx 9-11 minutes ago. After it: clean traffic in the last 3 minutes.
      await publish(ordersDimensions(), [11, 10, 9], 20);
      await publish(ordersDimensions(), [3, 2, 1], 0);
      const capped = await ordersMetrics();
      expect(capped).toMatchObject({ status: 'passed', attempts: 1 });
      // Evidence, not the no-data policy: 300 clean requests over the last 5 minutes.
      expect(capped.message).toMatch(/^5xx rate 0 % \(0 of 300 requests\) over 5m \(the deployment at .* is older\) ≤ 5 %$/);
      // The control: a window as long as the deployment holds the pre-fix 5xx (60 of 600 requests).
      const whole = await ordersMetrics({ metricsWindow: '1h' });
      expect(whole).toMatchObject({ status: 'failed' });
      expect(whole.message).toMatch(/^5xx rate 10 % \(60 of 600 requests\) since the deployment at .* \(3[01]m\) > 5 %$/);
    }, 60_000);

    it('5xx inside the window still fail it', async () => {
      await publish(ordersDimensions(), [4], 50);
      const metrics = await ordersMetrics();
      expect(metrics).toMatchObject({ status: 'failed', attempts: 1 });
      expect(metrics.message).toMatch(/^5xx rate 12\.5 % \(50 of 400 requests\) over 5m \(the deployment at .* is older\) > 5 %$/);
    }, 60_000);
  });
});
