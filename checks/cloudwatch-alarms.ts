/**
 * Are the deployment's CloudWatch alarms quiet? The signal ECS itself rolls back on
 * (`deploymentConfiguration.alarms`): any alarm in ALARM fails at once, naming it, why and since
 * when; an alarm in INSUFFICIENT_DATA is missing evidence and follows the `noData` policy.
 */
import { z } from 'zod';
import { defineCheck, type AttemptResult, type CheckContext, type FailureView, type Observation } from './types.js';
import { clientRegion, cloudwatchClient } from './support/aws.js';
import { alarmMetrics, describeAlarms, formatTime, noDataResult, noDataSchema, type Alarm } from './support/cloudwatch.js';
import { formatDuration } from './support/duration.js';
import { describeService } from './support/ecs.js';
import { httpServerError, httpTimedOutOrSlow } from './support/relations.js';

const schema = z
  .strictObject({
    alarmNames: z
      .array(z.string().min(1))
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'The alarms to check, by name (metric or composite alarms; up to 100).' }),
    alarmNamePrefix: z.string().min(1).optional().meta({ description: 'Check every alarm whose name starts with this (instead of alarmNames).' }),
    cluster: z.string().min(1).optional().meta({ description: 'ECS cluster of `service`.' }),
    service: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "ECS service whose deployment alarms (deploymentConfiguration.alarms.alarmNames) are checked (with `cluster`)." }),
    noData: noDataSchema,
  })
  .refine((spec) => (spec.cluster === undefined) === (spec.service === undefined), {
    error: 'cluster and service go together: set both, or use alarmNames / alarmNamePrefix',
  })
  .refine((spec) => [spec.alarmNames, spec.alarmNamePrefix, spec.service].filter((v) => v !== undefined).length === 1, {
    error: 'set exactly one of alarmNames, alarmNamePrefix, or cluster + service',
  });

type Spec = z.output<typeof schema>;

/** `since 2025-06-12T14:02:11Z (3m ago)`. */
function since(alarm: Alarm, now: number): string {
  const at = alarm.StateUpdatedTimestamp ? new Date(alarm.StateUpdatedTimestamp).getTime() : undefined;
  return at === undefined ? 'since an unknown time' : `since ${formatTime(at)} (${formatDuration(Math.max(0, now - at))} ago)`;
}

/** `alarm api-5xx in ALARM since … : Threshold Crossed: …`. */
function describeState(alarm: Alarm, now: number): string {
  const reason = alarm.StateReason ? `: ${alarm.StateReason}` : '';
  return `alarm ${alarm.AlarmName} in ${alarm.StateValue} ${since(alarm, now)}${reason}`;
}

interface AlarmSelection {
  names?: string[];
  prefix?: string;
  /** What the message calls the set: "the deployment alarms of ECS service api". */
  label: string;
  details: Record<string, unknown>;
}

/** The alarm names to read: the spec's, or the service's deployment alarms (an `error` when it has none). */
async function selection(spec: Spec, ctx: CheckContext): Promise<AlarmSelection | AttemptResult> {
  if (spec.alarmNames) return { names: spec.alarmNames, label: spec.alarmNames.join(', '), details: {} };
  if (spec.alarmNamePrefix) return { prefix: spec.alarmNamePrefix, label: `alarms named ${spec.alarmNamePrefix}*`, details: {} };
  const ref = { cluster: spec.cluster as string, service: spec.service as string };
  const service = await describeService(ctx, ref);
  const configured = service.deploymentConfiguration?.alarms;
  const names = configured?.alarmNames ?? [];
  if (names.length === 0) {
    return {
      outcome: 'error',
      message: `ECS service ${ref.service} (cluster ${ref.cluster}) has no deployment alarms (deploymentConfiguration.alarms.alarmNames is empty): nothing to check; name the alarms with alarmNames`,
      nextSteps: [`aws ecs describe-services --cluster ${ref.cluster} --services ${ref.service} --query 'services[0].deploymentConfiguration.alarms'`],
    };
  }
  return {
    names,
    label: `the deployment alarms of ECS service ${ref.service}`,
    details: { deploymentAlarms: { alarmNames: names, enable: configured?.enable, rollback: configured?.rollback } },
  };
}

/** The pass/fail/no-data rules (documented in docs/checks/cloudwatch-alarms.md). */
export function assessAlarms(spec: Spec, chosen: AlarmSelection, alarms: Alarm[], region: string, now = Date.now()): AttemptResult {
  const missing = (chosen.names ?? []).filter((name) => !alarms.some((a) => a.AlarmName === name));
  const inAlarm = alarms.filter((a) => a.StateValue === 'ALARM');
  const insufficient = alarms.filter((a) => a.StateValue === 'INSUFFICIENT_DATA');
  const observations: Observation[] = [
    ...alarms.map((a) => ({ what: `alarm ${a.AlarmName}`, expected: 'OK', actual: `${a.StateValue} ${since(a, now)}`, ok: a.StateValue === 'OK' })),
    ...missing.map((name) => ({ what: `alarm ${name}`, expected: 'exists', actual: `not found in region ${region}`, ok: false })),
  ];
  const details = {
    ...chosen.details,
    alarms: alarms.map((a) => ({ name: a.AlarmName, type: a.kind, state: a.StateValue, reason: a.StateReason, since: a.StateUpdatedTimestamp && formatTime(a.StateUpdatedTimestamp) })),
    ...(missing.length ? { missing } : {}),
  };
  const facts = {
    inAlarm: inAlarm.map((a) => a.AlarmName),
    inAlarmMetrics: [...new Set(inAlarm.flatMap(alarmMetrics))],
    insufficientData: insufficient.map((a) => a.AlarmName),
    missing,
    region,
  };
  const history = (name?: string) => `aws cloudwatch describe-alarm-history --alarm-name ${name} --history-item-type StateUpdate --max-items 5 --region ${region}`;
  if (inAlarm.length > 0 || missing.length > 0 || (chosen.prefix && alarms.length === 0)) {
    const parts = [
      ...inAlarm.map((a) => describeState(a, now)),
      ...(missing.length ? [`alarm${missing.length > 1 ? 's' : ''} not found in region ${region}: ${missing.join(', ')}`] : []),
      ...(chosen.prefix && alarms.length === 0 ? [`no alarm named ${chosen.prefix}* in region ${region}`] : []),
    ];
    const nextSteps = inAlarm.map((a) => history(a.AlarmName));
    if (missing.length || alarms.length === 0) nextSteps.push(`aws cloudwatch describe-alarms --region ${region} --query 'MetricAlarms[].AlarmName'`);
    return { outcome: 'fail', message: parts.join('; '), observations, details, facts, nextSteps };
  }
  if (insufficient.length > 0) {
    return noDataResult(spec.noData, {
      message: `no evidence: ${insufficient.map((a) => describeState(a, now)).join('; ')}`,
      observations,
      details,
      facts,
      nextSteps: insufficient.map((a) => history(a.AlarmName)),
    });
  }
  const names = alarms.map((a) => a.AlarmName);
  return { outcome: 'pass', message: `${names.length} alarm${names.length === 1 ? '' : 's'} OK: ${names.join(', ')}`, observations, details, facts };
}

/** An alarm check that saw an alarm in ALARM (not one that found no alarm, nor one with no data). */
function sawAlarm(cause: FailureView): boolean {
  return ((cause.facts as { inAlarm?: string[] }).inAlarm ?? []).length > 0;
}

/** Alarmed metrics ("Namespace MetricName") that show as slow or hanging answers, and as 5xx answers. */
const LATENCY_METRICS = new Set(['AWS/ApplicationELB TargetResponseTime']);
const SERVER_ERROR_METRICS = new Set(['AWS/ApplicationELB HTTPCode_Target_5XX_Count', 'AWS/ApplicationELB HTTPCode_ELB_5XX_Count']);

/**
 * An alarm in ALARM explains an HTTP failure of the kind its metric measures: a latency alarm a slow
 * or hanging answer, a 5xx alarm a 5xx (a latency alarm does not explain a fast 500). Alarms on
 * other metrics, or composite ones, say nothing about the kind: they explain any HTTP failure.
 */
function alarmExplainsHttp(cause: FailureView, effect: FailureView): boolean {
  if (!sawAlarm(cause)) return false;
  const metrics = (cause.facts as { inAlarmMetrics?: string[] }).inAlarmMetrics ?? [];
  const latency = metrics.some((m) => LATENCY_METRICS.has(m));
  const errors = metrics.some((m) => SERVER_ERROR_METRICS.has(m));
  if (!latency && !errors) return true;
  return (latency && httpTimedOutOrSlow(effect)) || (errors && httpServerError(effect));
}

export const cloudwatchAlarms = defineCheck({
  type: 'cloudwatch-alarms',
  summary: 'CloudWatch alarms (named, by prefix, or an ECS service\'s deployment alarms) are not in ALARM.',
  schema,
  // Past evidence (an alarm's last evaluation, of periods already past): its failure never cuts another check's retries.
  evidence: 'window',
  // ALARM and OK are verdicts at once; only INSUFFICIENT_DATA waits, for the next evaluation period.
  defaults: { timeoutMs: 10_000, retry: { intervalMs: 20_000, backoff: 1, maxIntervalMs: 20_000, withinMs: 120_000 } },
  describe(spec) {
    if (spec.alarmNames) return `no CloudWatch alarm in ALARM: ${spec.alarmNames.join(', ')}`;
    if (spec.alarmNamePrefix) return `no CloudWatch alarm named ${spec.alarmNamePrefix}* in ALARM`;
    return `no deployment alarm of ECS service ${spec.service} (cluster ${spec.cluster}) in ALARM`;
  },
  async run(spec, ctx) {
    const chosen = await selection(spec, ctx);
    if ('outcome' in chosen) return chosen;
    const alarms = await describeAlarms(ctx, chosen.names ? { names: chosen.names } : { prefix: chosen.prefix as string });
    return assessAlarms(spec, chosen, alarms, await clientRegion(await ctx.clients.get(cloudwatchClient)));
  },
  explains: [
    { effect: 'http', because: 'an alarm on the service is in ALARM: the service is failing or slow', when: alarmExplainsHttp },
    { effect: 'alb-targets-healthy', because: 'an alarm on the service is in ALARM: its targets fail the load balancer\'s health checks', when: sawAlarm },
  ],
});
