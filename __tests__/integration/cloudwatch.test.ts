/**
 * The CloudWatch check types against moto (with scripts/moto/ext_cloudwatch.py): a real ALB and
 * target group, ALB-like metrics published with PutMetricData, alarms flipped with SetAlarmState,
 * the inconclusive status through the runner and the built CLI's exit code.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { albMetrics } from '../../checks/alb-metrics.js';
import { checkTypes } from '../../checks/index.js';
import { cloudwatchAlarms } from '../../checks/cloudwatch-alarms.js';
import { cloudwatchMetric } from '../../checks/cloudwatch-metric.js';
import type { CheckType } from '../../checks/types.js';
import { parseScenario } from '../../runner/load.js';
import { runScenario } from '../../runner/run.js';
import { killAllCli, parseStdoutJson, runCli } from '../support/cli.js';
import { fakeContext } from '../support/context.js';
import { useClientPool } from '../support/clients.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const suite = requireTool('moto', 'CloudWatch integration tests');

const MINUTE = 60_000;

suite('CloudWatch check types against moto', () => {
  const moto = useMoto({ resetBetweenTests: true });
  const aws = useClientPool();
  let cloudwatch: CloudWatchClient;
  let ec2: EC2Client;
  let elbv2: ElasticLoadBalancingV2Client;
  let tmp: string;

  beforeAll(() => {
    cloudwatch = new CloudWatchClient({});
    ec2 = new EC2Client({});
    elbv2 = new ElasticLoadBalancingV2Client({});
    tmp = mkdtempSync(path.join(tmpdir(), 'vd-cloudwatch-'));
  });
  afterAll(async () => {
    cloudwatch?.destroy();
    ec2?.destroy();
    elbv2?.destroy();
    killAllCli();
    rmSync(tmp, { recursive: true, force: true });
  });

  const run = <S>(check: CheckType<S>, spec: Record<string, unknown>) => check.run(check.schema.parse(spec) as S, fakeContext({ clients: aws.pool }));

  /** An ALB with a listener forwarding to target group hokusai-api: its ARN and the two dimension values. */
  async function alb() {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId as string;
    const subnet = async (cidr: string, zone: string) => (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet?.SubnetId as string;
    const subnets = await Promise.all([subnet('10.0.1.0/24', 'us-east-1a'), subnet('10.0.2.0/24', 'us-east-1b')]);
    const lb = (await elbv2.send(new CreateLoadBalancerCommand({ Name: 'hokusai-alb', Subnets: subnets, Type: 'application' }))).LoadBalancers![0]!;
    const group = (await elbv2.send(new CreateTargetGroupCommand({ Name: 'hokusai-api', Protocol: 'HTTP', Port: 8000, VpcId: vpc, TargetType: 'ip' }))).TargetGroups![0]!;
    await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: group.TargetGroupArn }] }));
    const dimensions = [
      { Name: 'LoadBalancer', Value: lb.LoadBalancerArn!.split(':loadbalancer/')[1]! },
      { Name: 'TargetGroup', Value: group.TargetGroupArn!.split(':').pop()! },
    ];
    return { targetGroupArn: group.TargetGroupArn!, dimensions };
  }

  /** One datapoint per value, a minute apart, inside the last five whole minutes. */
  async function publish(metric: string, dimensions: MetricDatum['Dimensions'], values: number[]) {
    const end = Math.floor(Date.now() / MINUTE) * MINUTE;
    const MetricData = values.map((Value, i) => ({ MetricName: metric, Dimensions: dimensions, Value, Timestamp: new Date(end - (values.length - i) * MINUTE + 15_000) }));
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData }));
  }

  async function alarm(name: string, state?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', reason = 'set by the test') {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    if (state) await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
  }

  it('alb-metrics: a 5xx rate over the threshold fails with the numbers', async () => {
    const { targetGroupArn, dimensions } = await alb();
    await publish('RequestCount', dimensions, [100, 101, 100]);
    await publish('HTTPCode_Target_5XX_Count', dimensions, [2, 20]);
    const result = await run(albMetrics, { targetGroupArn, max5xxRate: '1%' });
    expect(result).toMatchObject({ outcome: 'fail', message: '5xx rate 7.3 % (22 of 301 requests) over 5m > 1 %' });
  });

  it('alb-metrics: under the threshold passes, a missing 5xx datapoint read as 0; p95 from the published distribution', async () => {
    const { targetGroupArn, dimensions } = await alb();
    await publish('RequestCount', dimensions, [150, 150]);
    await publish('HTTPCode_Target_5XX_Count', dimensions, [1]);
    const end = Math.floor(Date.now() / MINUTE) * MINUTE;
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [{ MetricName: 'TargetResponseTime', Dimensions: dimensions, Values: [0.1, 0.2, 0.3, 2.5], Counts: [200, 80, 15, 5], Timestamp: new Date(end - 2 * MINUTE) }],
      }),
    );
    const result = await run(albMetrics, { targetGroupArn, max5xxRate: '1%', maxResponseTime: { p95: '1s', p99: '1s' } });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('p99 response time 2.5s over 5m > 1s');
    expect(result.observations).toEqual(
      expect.arrayContaining([
        { what: '5xx rate over 5m', expected: '≤ 1 %', actual: '0.3 % (1 of 300)', ok: true },
        { what: 'p95 response time over 5m', expected: '≤ 1s', actual: '300ms', ok: true },
      ]),
    );
  });

  it('alb-metrics: no traffic at all is no data, and the runner ends the check inconclusive', async () => {
    const { targetGroupArn } = await alb();
    expect(await run(albMetrics, { targetGroupArn, max5xxRate: '1%' })).toMatchObject({ outcome: 'inconclusive', message: 'no 5xx rate: 0 requests over 5m (minRequests 1)' });
    const scenario = parseScenario(
      `name: no traffic\nchecks:\n  - name: alb\n    type: alb-metrics\n    targetGroupArn: ${targetGroupArn}\n    max5xxRate: 1%\n    retry: { attempts: 2, interval: 100ms }\n`,
      { checkTypes, env: {}, displayName: 'no-traffic.yaml', dir: tmp },
    );
    const report = await runScenario(scenario, {});
    expect(report.checks[0]).toMatchObject({ status: 'inconclusive', attempts: 2 });
    expect(report.summary).toMatchObject({ inconclusive: 1 });
    expect(report.status).toBe('failed');
  });

  it('cloudwatch-alarms: OK passes, INSUFFICIENT_DATA is no evidence, an alarm flipped to ALARM fails with its reason', async () => {
    // (moto starts a new alarm in OK; AWS in INSUFFICIENT_DATA, which the test sets.)
    await alarm('hokusai-api-5xx', 'INSUFFICIENT_DATA', 'Insufficient Data: 1 datapoint was unknown.');
    await alarm('hokusai-api-p99', 'OK');
    const names = { alarmNames: ['hokusai-api-5xx', 'hokusai-api-p99'] };
    expect(await run(cloudwatchAlarms, names)).toMatchObject({ outcome: 'inconclusive', facts: { insufficientData: ['hokusai-api-5xx'] } });
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'hokusai-api-5xx', StateValue: 'OK', StateReason: 'recovered' }));
    expect(await run(cloudwatchAlarms, { alarmNamePrefix: 'hokusai-api-' })).toMatchObject({ outcome: 'pass', message: '2 alarms OK: hokusai-api-5xx, hokusai-api-p99' });
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'hokusai-api-5xx', StateValue: 'ALARM', StateReason: 'Threshold Crossed: 1 datapoint [22.0] was greater than the threshold (5.0).' }));
    const result = await run(cloudwatchAlarms, names);
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^alarm hokusai-api-5xx in ALARM since \d{4}-\d\d-\d\dT[\d:]+Z \(.+ ago\): Threshold Crossed: 1 datapoint \[22\.0\] was greater than the threshold \(5\.0\)\.$/);
  });

  it('cloudwatch-alarms: an alarm that does not exist fails, naming it', async () => {
    await alarm('hokusai-api-5xx', 'OK');
    expect(await run(cloudwatchAlarms, { alarmNames: ['hokusai-api-5xx', 'hokusai-api-typo'] })).toMatchObject({
      outcome: 'fail',
      message: 'alarm not found in region us-east-1: hokusai-api-typo',
    });
  });

  it('cloudwatch-metric: metric math evaluated by the emulator, over and under the bound', async () => {
    const { dimensions } = await alb();
    await publish('RequestCount', dimensions, [100, 100, 100]);
    await publish('HTTPCode_Target_5XX_Count', dimensions, [3]);
    const dims = Object.fromEntries(dimensions.map((d) => [d.Name, d.Value]));
    const spec = (max: number) => ({
      queries: [
        { id: 'errors', namespace: 'AWS/ApplicationELB', metric: 'HTTPCode_Target_5XX_Count', dimensions: dims, stat: 'Sum' },
        { id: 'requests', namespace: 'AWS/ApplicationELB', metric: 'RequestCount', dimensions: dims, stat: 'Sum' },
      ],
      expression: '100 * FILL(errors, 0) / requests',
      expect: { max },
    });
    const failed = await run(cloudwatchMetric, spec(1));
    expect(failed.outcome).toBe('fail');
    expect(failed.message).toMatch(/^100 \* FILL\(errors, 0\) \/ requests was 3 at .*Z over 5m, expected ≤ 1$/);
    expect(await run(cloudwatchMetric, spec(5))).toMatchObject({ outcome: 'pass', message: '100 * FILL(errors, 0) / requests ≤ 5 over 5m: highest 3 of 3 datapoints' });
  });

  it('cloudwatch-metric: an expression CloudWatch rejects is an error, never a verdict', async () => {
    const result = run(cloudwatchMetric, {
      queries: [{ id: 'requests', namespace: 'AWS/ApplicationELB', metric: 'RequestCount', stat: 'Sum' }],
      expression: 'SUM(requests)',
      expect: { max: 1 },
    });
    await expect(result).rejects.toMatchObject({ result: { outcome: 'error', message: expect.stringContaining('must be a time series') } });
  });

  it('root cause: the 5xx breach explains the alarm on the same metric', async () => {
    const { targetGroupArn, dimensions } = await alb();
    await publish('RequestCount', dimensions, [100, 100]);
    await publish('HTTPCode_Target_5XX_Count', dimensions, [30]);
    await alarm('hokusai-api-5xx', 'ALARM');
    const scenario = parseScenario(
      [
        'name: breach',
        'checks:',
        '  - { name: alarms quiet, type: cloudwatch-alarms, alarmNames: [hokusai-api-5xx] }',
        `  - { name: alb 5xx, type: alb-metrics, targetGroupArn: "${targetGroupArn}", max5xxRate: 1% }`,
      ].join('\n'),
      { checkTypes, env: {}, displayName: 'breach.yaml', dir: tmp },
    );
    const report = await runScenario(scenario, {});
    expect(report.checks.map((c) => c.status)).toEqual(['failed', 'failed']);
    expect(report.rootCause).toMatchObject({ check: 'alb 5xx', consequences: ['alarms quiet'], independent: false });
  });

  it('the built CLI exits 1 on an inconclusive check, 0 with --inconclusive pass, and reports summary.inconclusive', async () => {
    const file = path.join(tmp, 'no-data.yaml');
    writeFileSync(
      file,
      'name: no data\nchecks:\n  - name: cpu\n    type: cloudwatch-metric\n    namespace: AWS/ECS\n    metric: CPUUtilization\n    stat: Maximum\n    expect: { max: 80 }\n    retry: { attempts: 1 }\n',
    );
    const env = { ...moto.env };
    const strict = await runCli(['run', file, '--reporter', 'json'], { env });
    expect(strict.code).toBe(1);
    const report = parseStdoutJson(strict);
    expect(report).toMatchObject({ status: 'failed', summary: { passed: 0, failed: 0, errored: 0, skipped: 0, inconclusive: 1 } });
    expect(report.checks[0]).toMatchObject({ status: 'inconclusive', message: 'no datapoints for Maximum CPUUtilization over 5m (no data after 1 attempt)' });
    const lenient = await runCli(['run', file, '--inconclusive', 'pass'], { env });
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain('✓ PASSED no data: 0 passed, 0 failed, 0 errored, 0 skipped, 1 inconclusive');
    const wrong = await runCli(['run', file, '--inconclusive', 'maybe'], { env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--inconclusive expects fail or pass, got "maybe"');
  }, 60_000);
});
