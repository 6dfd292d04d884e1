/**
 * The sandbox's CloudWatch side against the emulator: ALB-like metrics published and read back
 * with both ALB dimensions, its deployment alarm set by its own evaluation (moto evaluates none),
 * and the service's deploymentConfiguration.alarms kept (scripts/moto/ext_ecs_deployment_configuration.py).
 */
import { expect, it } from '@jest/globals';
import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { createAlbMetrics, type AlarmState } from '../../scripts/sandbox/alb-metrics.js';
import { sandboxClients } from '../../scripts/sandbox/aws.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const LB = 'app/hokusai-api-development/50dc6c495c0c9188';
const TG = 'targetgroup/hokusai-api-development/6d0ecf831eec9f09';
const ALARM = 'hokusai-api-development-target-response-time-p95';

requireTool('moto', 'the sandbox metrics integration tests')('the sandbox\'s ALB-like metrics and deployment alarm against moto', () => {
  const moto = useMoto({ resetBetweenTests: true });

  it('publishes a broken history, sets the alarm to ALARM from it, then to OK once fast requests follow; the metrics read back', async () => {
    const aws = sandboxClients(moto.endpoint);
    const changes: AlarmState[] = [];
    const metrics = createAlbMetrics({
      cloudwatch: aws.cloudwatch,
      loadBalancer: LB,
      targetGroup: TG,
      alarmName: ALARM,
      hosts: () => ({ healthy: 0, unhealthy: 1 }),
      publishEveryMs: 200,
      onAlarm: (state) => changes.push(state),
    });
    try {
      const now = Date.now();
      // 5 minutes of health checks every 5 s, each waiting 2 s on Redis: more than one PutMetricData page of 1000.
      const history = Array.from({ length: 300 }, (_, i) => ({ status: 200, durationMs: 2006, at: now - 300_000 + i * 1000 }));
      await metrics.start(history);
      expect(metrics.alarmState()).toBe('ALARM');
      const [alarm] = (await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [ALARM] }))).MetricAlarms ?? [];
      expect(alarm).toMatchObject({
        StateValue: 'ALARM',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'TargetResponseTime',
        ExtendedStatistic: 'p95',
        Period: 10,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      expect(alarm!.StateReason).toMatch(/^Threshold Crossed: 1 datapoint \[2\.006 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(1\.0\)\.$/);

      const Dimensions = [
        { Name: 'LoadBalancer', Value: LB },
        { Name: 'TargetGroup', Value: TG },
      ];
      const metric = (Id: string, MetricName: string, Stat: string) => ({ Id, MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName, Dimensions }, Period: 600, Stat } });
      const read = await aws.cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now - 300_000),
          EndTime: new Date(now + 1000),
          MetricDataQueries: [metric('requests', 'RequestCount', 'Sum'), metric('p95', 'TargetResponseTime', 'p95'), metric('errors', 'HTTPCode_Target_5XX_Count', 'Sum'), metric('unhealthy', 'UnHealthyHostCount', 'Maximum')],
        }),
      );
      const value = (id: string) => read.MetricDataResults?.find((r) => r.Id === id)?.Values;
      expect({ requests: value('requests'), p95: value('p95'), errors: value('errors'), unhealthy: value('unhealthy') }).toEqual({ requests: [300], p95: [2.006], errors: [], unhealthy: [1] });

      // The fix: fast answers from now on; the slow history leaves the 10 s period.
      const fast = setInterval(() => metrics.record({ status: 200, durationMs: 4 }), 100);
      try {
        await metrics.waitForAlarm('OK', 15_000);
      } finally {
        clearInterval(fast);
      }
      const [after] = (await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [ALARM] }))).MetricAlarms ?? [];
      expect(after).toMatchObject({ StateValue: 'OK', StateReason: expect.stringMatching(/^Threshold Crossed: 1 datapoint \[0\.004 .*\] was not greater than the threshold \(1\.0\)\.$/) });
      expect(changes).toEqual(['ALARM', 'OK']);
    } finally {
      await metrics.stop();
      aws.destroy();
    }
  }, 40_000);

  it('keeps a service\'s deploymentConfiguration (deployment alarms) through CreateService, UpdateService and a redeploy', async () => {
    const { ecs, destroy } = sandboxClients(moto.endpoint);
    try {
      await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
      await ecs.send(new RegisterTaskDefinitionCommand({ family: 'api', containerDefinitions: [{ name: 'api', image: 'api:1', memory: 128 }] }));
      const created = await ecs.send(
        new CreateServiceCommand({ cluster: 'c', serviceName: 'api', taskDefinition: 'api', desiredCount: 1, deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } }),
      );
      expect(created.service?.deploymentConfiguration).toEqual({ maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: true, rollback: true } });
      await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'api', deploymentConfiguration: { alarms: { alarmNames: [ALARM], enable: true, rollback: true } } }));
      await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'api', forceNewDeployment: true }));
      const described = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['api'] }));
      expect(described.services?.[0]?.deploymentConfiguration).toEqual({
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: [ALARM], enable: true, rollback: true },
      });
    } finally {
      destroy();
    }
  }, 30_000);
});
