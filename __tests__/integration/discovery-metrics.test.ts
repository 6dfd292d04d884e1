/**
 * Zero-config discovery's `alb-metrics` against the emulator: a service behind a real (moto) ALB
 * gets the check and its zero-config run passes with no metrics published (no false alarm); a
 * target group attached to no load balancer gets none; and a published 5xx rate over the
 * threshold, in the dimensions the check queries, fails the run on alb-metrics.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
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

const load = (text: string) => parseScenario(text, { checkTypes, env: {}, displayName: 'discovered.yaml', dir: process.cwd() });

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

  const zeroConfig = (service: string, discovered: Discovered) => runScenario(load(scenarioText({ cluster: CLUSTER, service, url: api.url }, discovered)));

  it('a target group behind a moto ALB gets alb-metrics, and with no metrics published the run passes (noData: pass, no false alarm)', async () => {
    expect(found.targetGroups[0]).toMatchObject({ arn: behindAlb.targetGroupArn, loadBalancerArns: [loadBalancerArn], loadBalancerTypes: ['application'] });
    const report = await zeroConfig('checkout', found);
    const metrics = report.checks.find((c) => c.type === 'alb-metrics')!;
    expect(metrics).toMatchObject({ name: 'ALB 5xx rate', status: 'passed', attempts: 1 });
    // The message says the pass is the no-data policy's, not evidence of a healthy 5xx rate.
    expect(metrics.message).toContain('noData: pass');
    expect(metrics.message).toMatch(/0 requests since the deployment at .* \(minRequests 50\)/);
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
    // Published 12-14 minutes ago, before the rollout 10 minutes ago: outside the window.
    await publish(dimensions(), [14, 13, 12], 10);
    const report = await zeroConfig('checkout', found);
    expect(report.checks.find((c) => c.type === 'alb-metrics')).toMatchObject({ status: 'passed' });
    expect(report.status).toBe('passed');
  }, 60_000);

  it('a published 5xx rate over 5% (LoadBalancer + TargetGroup dimensions, as the check queries) fails the run on alb-metrics', async () => {
    await publish(dimensions(), [3, 2, 1], 10);
    const report = await zeroConfig('checkout', found);
    const metrics = report.checks.find((c) => c.type === 'alb-metrics')!;
    expect(metrics).toMatchObject({ status: 'failed', attempts: 1 });
    expect(metrics.message).toMatch(/^5xx rate 10 % \(30 of 300 requests\) since the deployment at .* > 5 %$/);
    expect(report.status).toBe('failed');
    expect(report.checks.filter((c) => c.status === 'failed').map((c) => c.name)).toEqual(['ALB 5xx rate']);
    expect(report.rootCause?.check).toBe('ALB 5xx rate');
  }, 60_000);
});
