import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { cloudwatchAlarms as check } from '../../checks/cloudwatch-alarms.js';
import type { FailureView } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';

const cloudwatch = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);

const SINCE = new Date('2025-06-12T14:02:11.000Z');

function alarm(name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', reason = `${state} reason`, extra: Partial<MetricAlarm> = {}): MetricAlarm {
  return {
    AlarmName: name,
    StateValue: state,
    StateReason: reason,
    StateUpdatedTimestamp: SINCE,
    Namespace: 'AWS/ApplicationELB',
    MetricName: 'HTTPCode_Target_5XX_Count',
    ...extra,
  };
}

const run = (spec: Record<string, unknown>) => check.run(check.schema.parse(spec), fakeContext());

beforeEach(() => {
  cloudwatch.reset();
  ecs.reset();
});

describe('cloudwatch-alarms schema', () => {
  it.each([
    [{ alarmNames: ['a'] }, true],
    [{ alarmNamePrefix: 'api-' }, true],
    [{ cluster: 'c', service: 's' }, true],
    [{ alarmNames: ['a'], noData: 'pass' }, true],
    [{}, false],
    [{ alarmNames: [] }, false],
    [{ alarmNames: ['a'], alarmNamePrefix: 'b' }, false],
    [{ cluster: 'c' }, false],
    [{ alarmNames: ['a'], noData: 'maybe' }, false],
    [{ alarmNames: ['a'], window: '5m' }, false],
  ])('%j valid: %s', (spec, valid) => {
    expect(check.schema.safeParse(spec).success).toBe(valid);
  });
});

describe('cloudwatch-alarms states', () => {
  it('passes when every alarm is OK, naming them', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('api-5xx', 'OK'), alarm('api-p99', 'OK')], CompositeAlarms: [] });
    const result = await run({ alarmNames: ['api-5xx', 'api-p99'] });
    expect(result).toMatchObject({ outcome: 'pass', message: '2 alarms OK: api-5xx, api-p99' });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toMatchObject({ AlarmNames: ['api-5xx', 'api-p99'], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] });
  });

  it('fails at once on an alarm in ALARM, with its reason and since when', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [alarm('api-5xx', 'ALARM', 'Threshold Crossed: 1 datapoint [7.0 (12/06/25 14:01:00)] was greater than the threshold (5.0).'), alarm('api-p99', 'OK')],
    });
    const result = await run({ alarmNames: ['api-5xx', 'api-p99'] });
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^alarm api-5xx in ALARM since 2025-06-12T14:02:11Z \(.+ ago\): Threshold Crossed: 1 datapoint \[7\.0/);
    expect(result.message).not.toContain('api-p99');
    expect(result.facts).toMatchObject({ inAlarm: ['api-5xx'], inAlarmMetrics: ['AWS/ApplicationELB HTTPCode_Target_5XX_Count'] });
    expect(result.nextSteps?.[0]).toContain('describe-alarm-history --alarm-name api-5xx');
  });

  it('an ALARM outranks INSUFFICIENT_DATA: the check fails, it is not inconclusive', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('a', 'INSUFFICIENT_DATA'), alarm('b', 'ALARM')] });
    expect((await run({ alarmNames: ['a', 'b'] })).outcome).toBe('fail');
  });

  it.each([undefined, 'inconclusive', 'pass', 'fail'] as const)('INSUFFICIENT_DATA is no evidence, ended per noData: %s', async (noData) => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('api-5xx', 'INSUFFICIENT_DATA', 'Insufficient Data: 1 datapoint was unknown.'), alarm('b', 'OK')] });
    const result = await run({ alarmNames: ['api-5xx', 'b'], ...(noData ? { noData } : {}) });
    expect(result).toMatchObject({ outcome: 'inconclusive', noData: noData ?? 'inconclusive' });
    expect(result.message).toMatch(/^no evidence: alarm api-5xx in INSUFFICIENT_DATA since 2025-06-12T14:02:11Z .*: Insufficient Data/);
  });

  it('reads composite alarms too', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [{ AlarmName: 'api-health', StateValue: 'ALARM', StateReason: 'alarm api-5xx in ALARM', StateUpdatedTimestamp: SINCE }] });
    const result = await run({ alarmNames: ['api-health'] });
    expect(result).toMatchObject({ outcome: 'fail', details: { alarms: [{ name: 'api-health', type: 'composite', state: 'ALARM' }] } });
  });

  it('fails naming alarms that do not exist, and the region searched', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('a', 'OK')] });
    const result = await run({ alarmNames: ['a', 'typo'] });
    expect(result).toMatchObject({ outcome: 'fail', message: 'alarm not found in region us-east-1: typo', facts: { missing: ['typo'] } });
  });

  it('fails when no alarm has the prefix', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const result = await run({ alarmNamePrefix: 'api-' });
    expect(result).toMatchObject({ outcome: 'fail', message: 'no alarm named api-* in region us-east-1' });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toMatchObject({ AlarmNamePrefix: 'api-' });
  });

  it('follows NextToken and evaluates every page', async () => {
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [alarm('a', 'OK')], NextToken: 'p2' })
      .resolvesOnce({ MetricAlarms: [alarm('b', 'ALARM')] });
    const result = await run({ alarmNamePrefix: 'x' });
    expect(result.outcome).toBe('fail');
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[1]!.args[0].input.NextToken).toBe('p2');
  });

  it('is an error, never a pass, when the pages never end', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('a', 'OK')], NextToken: 'again' });
    await expect(run({ alarmNamePrefix: 'x' })).rejects.toMatchObject({ result: { outcome: 'error' } });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(10);
  });
});

describe('cloudwatch-alarms of an ECS service', () => {
  const service = (alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean }) => ({
    services: [{ serviceName: 'api', status: 'ACTIVE', desiredCount: 1, runningCount: 1, deployments: [], deploymentConfiguration: alarms ? { alarms } : {} }],
    failures: [],
  });

  it('checks the alarms named in deploymentConfiguration.alarms', async () => {
    ecs.on(DescribeServicesCommand).resolves(service({ alarmNames: ['api-5xx'], enable: true, rollback: true }));
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('api-5xx', 'OK')] });
    const result = await run({ cluster: 'c', service: 'api' });
    expect(result).toMatchObject({ outcome: 'pass', details: { deploymentAlarms: { alarmNames: ['api-5xx'], enable: true, rollback: true } } });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input.AlarmNames).toEqual(['api-5xx']);
  });

  it('is an error (nothing to check) when the service has no deployment alarms', async () => {
    ecs.on(DescribeServicesCommand).resolves(service());
    const result = await run({ cluster: 'c', service: 'api' });
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('has no deployment alarms');
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });
});

describe('cloudwatch-alarms faults are never a pass', () => {
  it.each([
    ['access denied', Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }), 'error'],
    ['throttled', Object.assign(new Error('slow down'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }), 'retry'],
  ])('%s', async (_label, error, outcome) => {
    cloudwatch.on(DescribeAlarmsCommand).rejects(error);
    await expect(run({ alarmNames: ['a'] })).rejects.toMatchObject({ result: { outcome } });
  });

  it('a response without MetricAlarms is an error', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({});
    await expect(run({ alarmNames: ['a'] })).rejects.toMatchObject({ result: { outcome: 'error', message: expect.stringContaining('unexpected response from cloudwatch:DescribeAlarms') } });
  });

  it('an alarm without a state is an error', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'a' }] });
    await expect(run({ alarmNames: ['a'] })).rejects.toMatchObject({ result: { outcome: 'error' } });
  });
});

describe('cloudwatch-alarms root-cause relations', () => {
  const view = (type: string, facts: Record<string, unknown>): FailureView => ({ name: type, type, message: '', facts });
  const relation = (effect: string) => check.explains!.find((r) => r.effect === effect)!;

  it.each(['http', 'alb-targets-healthy'])('an alarm in ALARM explains a %s failure; a missing alarm does not', (effect) => {
    expect(relation(effect).when!(view('cloudwatch-alarms', { inAlarm: ['api-5xx'] }), view(effect, {}))).toBe(true);
    expect(relation(effect).when!(view('cloudwatch-alarms', { inAlarm: [], missing: ['typo'] }), view(effect, {}))).toBe(false);
  });
});
