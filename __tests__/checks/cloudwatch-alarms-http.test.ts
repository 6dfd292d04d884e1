/** Which HTTP failures an alarm in ALARM explains: the kind its metric measures. */
import { describe, expect, it } from '@jest/globals';
import { cloudwatchAlarms } from '../../checks/cloudwatch-alarms.js';
import type { FailureView } from '../../checks/types.js';

const view = (type: string, facts: Record<string, unknown>): FailureView => ({ name: type, type, message: '', facts });
const explainsHttp = cloudwatchAlarms.explains!.find((r) => r.effect === 'http')!.when!;
const alarm = (metrics: string[]) => view('cloudwatch-alarms', { inAlarm: ['a'], inAlarmMetrics: metrics });
const slow = view('http', { latencyMs: 2000, maxLatencyMs: 1000 });
const hung = view('http', { networkError: 'headers timeout' });
const serverError = view('http', { status: 500 });

describe('cloudwatch-alarms explains http', () => {
  it.each<[string, string[], FailureView, boolean]>([
    ['a latency alarm, a slow answer', ['AWS/ApplicationELB TargetResponseTime'], slow, true],
    ['a latency alarm, a hanging request', ['AWS/ApplicationELB TargetResponseTime'], hung, true],
    ['a latency alarm, a fast 500', ['AWS/ApplicationELB TargetResponseTime'], serverError, false],
    ['a 5xx alarm, a 500', ['AWS/ApplicationELB HTTPCode_Target_5XX_Count'], serverError, true],
    ['a 5xx alarm, a slow answer', ['AWS/ApplicationELB HTTPCode_Target_5XX_Count'], slow, false],
    ['an ELB 5xx alarm, a 500', ['AWS/ApplicationELB HTTPCode_ELB_5XX_Count'], serverError, true],
    ['alarms on both, a 500', ['AWS/ApplicationELB TargetResponseTime', 'AWS/ApplicationELB HTTPCode_Target_5XX_Count'], serverError, true],
    ['an alarm on another metric, a 500', ['Custom/Api Errors'], serverError, true],
    ['a composite alarm (no metric), a slow answer', [], slow, true],
  ])('%s', (_name, metrics, effect, explained) => {
    expect(explainsHttp(alarm(metrics), effect)).toBe(explained);
  });

  it('an alarm check that saw no alarm in ALARM explains nothing', () => {
    expect(explainsHttp(view('cloudwatch-alarms', { inAlarm: [], inAlarmMetrics: [] }), slow)).toBe(false);
  });
});
