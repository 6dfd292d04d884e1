/**
 * What the CloudWatch check types share: the no-data policy, metric windows, the one
 * GetMetricData call per attempt (paginated within a page budget), DescribeAlarms, and how
 * values and times are shown. Metric math is always evaluated by CloudWatch, never here.
 */
import { z } from 'zod';
import type { CompositeAlarm, MetricAlarm, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Service as EcsService } from '@aws-sdk/client-ecs';
import { durationSchema, formatDuration } from './duration.js';
import { awsCall, cloudwatchClient, unexpectedResponseResult, type ResponseShape } from './aws.js';
import { describeService, primaryDeployment, type ServiceRef } from './ecs.js';
import { AttemptResultError, type AttemptResult, type CauseRelation, type CheckContext, type FailureView, type NoDataPolicy, type Observation } from '../types.js';

// ---------------------------------------------------------------------------------------------
// Schema pieces

/** `noData`: what the check ends as when its evidence is missing once its retries are spent. */
export const noDataSchema = z
  .enum(['pass', 'fail', 'inconclusive'])
  .optional()
  .meta({
    description:
      'What the check ends as when the evidence is missing (no datapoints, too few requests, an alarm in INSUFFICIENT_DATA) once its retries are spent: inconclusive (default; the run fails unless --inconclusive pass), pass or fail.',
  });

/** `window`: the trailing window of the CloudWatch check types, or the cap on a sinceDeployment one (resolveWindow). */
export const metricWindowSchema = durationSchema
  .optional()
  .meta({ description: 'How far back each attempt looks, ending at the last whole minute (default "5m"). With sinceDeployment: the most it looks back (since the deployment, at most this far back; the later start wins).' });

/** Whether a spec's `sinceDeployment` has the cluster + service whose deployment starts the window. */
export function sinceDeploymentHasService(spec: { sinceDeployment?: boolean; service?: string }): boolean {
  return !spec.sinceDeployment || spec.service !== undefined;
}

/** The error of a spec that fails sinceDeploymentHasService (a zod refinement's params). */
export const SINCE_DEPLOYMENT_NEEDS_SERVICE: { error: string; path: PropertyKey[] } = {
  error: "sinceDeployment needs cluster + service (the PRIMARY deployment's createdAt starts the window)",
  path: ['sinceDeployment'],
};

/** Sum, Average, Minimum, Maximum, SampleCount, or a percentile p0-p100 (p99.9 too). */
const STAT = /^(Sum|Average|Minimum|Maximum|SampleCount|p(\d{1,2}(\.\d{1,2})?|100))$/;

export const statSchema = z
  .string()
  .regex(STAT, { error: 'expected Sum, Average, Minimum, Maximum, SampleCount or a percentile like p95 or p99.9' })
  .meta({ description: 'The statistic: Sum, Average, Minimum, Maximum, SampleCount, or a percentile like p95 or p99.9.' });

/** CloudWatch periods: 1, 5, 10, 30 s (high resolution) or a multiple of 60 s. */
export const periodSchema = durationSchema
  .refine((ms) => ms % 1000 === 0 && [1, 5, 10, 30].includes(ms / 1000) || (ms > 0 && ms % 60_000 === 0), {
    error: 'expected a CloudWatch period: 1s, 5s, 10s, 30s or a multiple of 60s',
  })
  .meta({ description: 'Length of each datapoint: "60s" (default), "5m"; 1s, 5s, 10s, 30s for high-resolution metrics.' });

export const dimensionsSchema = z
  .record(z.string().min(1), z.string().min(1))
  .meta({ description: 'The metric\'s dimensions, name to value: every dimension the metric was published with (CloudWatch matches the full set).' });

/** GetMetricData ids: a lowercase letter, then letters, digits and underscores. */
export const queryIdSchema = z
  .string()
  .regex(/^[a-z][a-zA-Z0-9_]{0,254}$/, { error: 'expected an id that starts with a lowercase letter (letters, digits, _), e.g. errors' })
  .meta({ description: 'The query\'s Id, as the expression names it: starts with a lowercase letter (letters, digits, _).' });

// ---------------------------------------------------------------------------------------------
// The no-data result

/**
 * The attempt result for missing evidence: `inconclusive`, retried while the budget lasts, then
 * ended per `policy` by the runner (see AttemptOutcome).
 */
export function noDataResult(policy: NoDataPolicy | undefined, result: Omit<AttemptResult, 'outcome' | 'noData'>): AttemptResult {
  return { ...result, outcome: 'inconclusive', noData: policy ?? 'inconclusive' };
}

// ---------------------------------------------------------------------------------------------
// Windows

/** The time range one attempt reads: [start, end), whole minutes, and how to say it. */
export interface MetricWindow {
  start: Date;
  end: Date;
  /** "5m", or "since the deployment at 14:02Z (5m)". */
  label: string;
}

const MINUTE = 60_000;

/**
 * The window ending at the last whole minute before `now` (CloudWatch rounds a recent StartTime
 * down to the minute anyway, and the current minute is still being published). A window shorter
 * than a minute is a reading of high-resolution data (StorageResolution 1) and ends at `now`, to
 * the second: ending it at the last whole minute would read the previous minute's last seconds.
 */
export function trailingWindow(lengthMs: number, now = Date.now()): MetricWindow {
  const unit = lengthMs < MINUTE ? 1000 : MINUTE;
  const end = Math.floor(now / unit) * unit;
  return { start: new Date(end - lengthMs), end: new Date(end), label: formatDuration(lengthMs) };
}

/** `2025-06-12T14:02:11Z` (no milliseconds). */
export function formatTime(time: Date | number): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The window since the service's PRIMARY deployment was created (rounded down to the minute),
 * until the last whole minute. `undefined` when not one whole minute has passed yet: no data can
 * exist, which the caller reports as no data.
 * @throws AttemptResultError (`error`) when the service has no PRIMARY deployment with a createdAt.
 */
export function deploymentWindow(service: EcsService, ref: ServiceRef, now = Date.now()): MetricWindow | undefined {
  const createdAt = primaryDeployment(service)?.createdAt;
  if (!createdAt) {
    throw new AttemptResultError({
      outcome: 'error',
      message: `ECS service ${ref.service} in cluster ${ref.cluster} has no PRIMARY deployment with a createdAt: cannot date sinceDeployment`,
      nextSteps: [`aws ecs describe-services --cluster ${ref.cluster} --services ${ref.service} --query 'services[0].deployments'`],
    });
  }
  const start = Math.floor(new Date(createdAt).getTime() / MINUTE) * MINUTE;
  const end = Math.floor(now / MINUTE) * MINUTE;
  if (end <= start) return undefined;
  return { start: new Date(start), end: new Date(end), label: `since the deployment at ${formatTime(start)} (${formatDuration(end - start)})` };
}

/**
 * The later-starting of a deployment window and a `window`-long trailing one: "since the
 * deployment, at most `window` back". The deployment window when it is no longer than the cap
 * (a deployment exactly `window` old reads since the deployment); otherwise the trailing window,
 * labelled with the deployment it left out ("5m (the deployment at 14:02Z is older)"). Pure.
 */
export function cappedDeploymentWindow(deployment: MetricWindow, windowMs: number, now = Date.now()): MetricWindow {
  const trailing = trailingWindow(windowMs, now);
  if (trailing.start.getTime() <= deployment.start.getTime()) return deployment;
  return { ...trailing, label: `${trailing.label} (the deployment at ${formatTime(deployment.start)} is older)` };
}

/**
 * The window a spec asks for: `window` (default 5m); with `sinceDeployment`, since the PRIMARY
 * deployment of cluster + service, and with both, since the deployment but at most `window` back
 * (the later start wins: after an infrastructure fix without a redeploy, evidence from before the
 * fix leaves the window once `window` has passed). `undefined` when the deployment is younger than
 * one whole minute (no data can exist yet), whatever `window` is.
 * Calls ECS DescribeServices (unless `described` is given) for sinceDeployment.
 * @throws AttemptResultError (`error`) when the service has no PRIMARY deployment with a createdAt.
 */
export async function resolveWindow(
  ctx: CheckContext,
  spec: { window?: number; sinceDeployment?: boolean; cluster?: string; service?: string },
  described?: Promise<EcsService>,
  now = Date.now(),
): Promise<MetricWindow | undefined> {
  if (!spec.sinceDeployment) return trailingWindow(spec.window ?? 5 * MINUTE, now);
  const ref = { cluster: spec.cluster as string, service: spec.service as string };
  const deployment = deploymentWindow(await (described ?? describeService(ctx, ref)), ref, now);
  return deployment && spec.window !== undefined ? cappedDeploymentWindow(deployment, spec.window, now) : deployment;
}

/** The no-data result for a sinceDeployment window younger than one whole minute. */
export function windowTooYoung(policy: NoDataPolicy | undefined, what: string): AttemptResult {
  return noDataResult(policy, { message: `no data yet for ${what}: the deployment started less than a whole minute ago` });
}

// ---------------------------------------------------------------------------------------------
// GetMetricData

export const GET_METRIC_DATA_ACTION = 'cloudwatch:GetMetricData';

/**
 * What GetMetricData always returns (API reference, `GetMetricDataOutput`): the results, each with
 * its Id, status, and the two parallel lists (empty when the query found nothing).
 */
export const GET_METRIC_DATA_SHAPE: ResponseShape = {
  MetricDataResults: 'array',
  'MetricDataResults[].Id': 'string',
  'MetricDataResults[].StatusCode': 'string',
  'MetricDataResults[].Timestamps': 'array',
  'MetricDataResults[].Values': 'array',
};

/** One datapoint: epoch ms and value. */
export interface Datapoint {
  at: number;
  value: number;
}

/** One returned time series (an expression that returns an array of series gives several per id). */
export interface MetricSeries {
  id: string;
  label: string;
  /** Oldest first. */
  points: Datapoint[];
}

/** GetMetricData pages one attempt reads: a check with more data than this is an error, never a verdict. */
export const MAX_METRIC_DATA_PAGES = 10;

function seriesKey(id: string, label: string): string {
  return `${id}\u0000${label}`;
}

interface PageResult {
  Id?: string;
  Label?: string;
  StatusCode?: string;
  Timestamps?: Date[];
  Values?: number[];
  Messages?: { Code?: string; Value?: string }[];
}

function mergePage(series: Map<string, MetricSeries>, results: readonly PageResult[]): string[] {
  const problems: string[] = [];
  results.forEach((result, index) => {
    const timestamps = result.Timestamps ?? [];
    const values = result.Values ?? [];
    if (timestamps.length !== values.length) {
      problems.push(`MetricDataResults[${index}]: ${timestamps.length} Timestamps but ${values.length} Values`);
      return;
    }
    const id = result.Id as string;
    const label = result.Label ?? id;
    const key = seriesKey(id, label);
    const entry = series.get(key) ?? { id, label, points: [] };
    timestamps.forEach((at, i) => entry.points.push({ at: new Date(at).getTime(), value: values[i]! }));
    series.set(key, entry);
  });
  return problems;
}

/** The query results CloudWatch could not compute (`InternalError`, `Forbidden`), as one line each. */
function failedQueries(results: readonly PageResult[]): string[] {
  return results
    .filter((r) => r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden')
    .map((r) => `${r.Id}: ${r.StatusCode}${r.Messages?.length ? ` (${r.Messages.map((m) => `${m.Code}: ${m.Value}`).join('; ')})` : ''}`);
}

/**
 * One GetMetricData request for all `queries` of a check over `window`, following NextToken for
 * at most MAX_METRIC_DATA_PAGES pages. Returns every returned series, oldest point first (results
 * of queries with ReturnData false are not returned by CloudWatch).
 * @throws AttemptResultError for SDK errors, malformed answers, queries CloudWatch could not
 *   compute (`InternalError`, `Forbidden`), and more pages than the budget.
 */
export async function getMetricData(ctx: CheckContext, queries: MetricDataQuery[], window: MetricWindow): Promise<MetricSeries[]> {
  const { GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  const client = await ctx.clients.get(cloudwatchClient);
  const series = new Map<string, MetricSeries>();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_METRIC_DATA_PAGES; page++) {
    const input = { MetricDataQueries: queries, StartTime: window.start, EndTime: window.end, ScanBy: 'TimestampAscending' as const, NextToken: nextToken };
    const out = await awsCall(ctx, GET_METRIC_DATA_ACTION, (abortSignal) => client.send(new GetMetricDataCommand(input), { abortSignal }), GET_METRIC_DATA_SHAPE);
    const results = (out.MetricDataResults ?? []) as PageResult[];
    const problems = mergePage(series, results);
    if (problems.length) throw new AttemptResultError(unexpectedResponseResult(GET_METRIC_DATA_ACTION, problems));
    const failed = failedQueries(results);
    if (failed.length) {
      throw new AttemptResultError({
        outcome: 'error',
        message: `CloudWatch could not compute ${failed.join('; ')}`,
        details: { action: GET_METRIC_DATA_ACTION, failedQueries: failed },
      });
    }
    nextToken = out.NextToken;
    if (!nextToken) return [...series.values()].map((s) => ({ ...s, points: s.points.sort((a, b) => a.at - b.at) }));
  }
  throw new AttemptResultError({
    outcome: 'error',
    message: `GetMetricData returned more than ${MAX_METRIC_DATA_PAGES} pages for ${window.label}: narrow the window or use a longer period`,
    details: { action: GET_METRIC_DATA_ACTION, pages: MAX_METRIC_DATA_PAGES },
  });
}

/** The series of one query id (several when its expression returns an array of time series). */
export function seriesOf(all: readonly MetricSeries[], id: string): MetricSeries[] {
  return all.filter((s) => s.id === id);
}

// ---------------------------------------------------------------------------------------------
// Thresholds

/** `{ max }` and/or `{ min }`: every datapoint must be at most max and at least min. */
export interface Bounds {
  max?: number;
  min?: number;
}

export const boundsSchema = z
  .strictObject({
    max: z.number().optional().meta({ description: 'Fail when a datapoint is above this.' }),
    min: z.number().optional().meta({ description: 'Fail when a datapoint is below this.' }),
  })
  .refine((b) => b.max !== undefined || b.min !== undefined, { error: 'set max, min, or both' })
  .refine((b) => b.max === undefined || b.min === undefined || b.min <= b.max, { error: 'min must not be above max' })
  .meta({ description: 'The bound every datapoint in the window must keep: `{ max: 1 }`, `{ min: 10 }`, or both.' });

/** A datapoint outside the bounds, with the bound it broke. */
export interface Breach {
  point: Datapoint;
  series: MetricSeries;
  bound: 'max' | 'min';
  limit: number;
}

/** The worst datapoint outside `bounds` (highest above max, else lowest below min), or undefined. */
export function worstBreach(all: readonly MetricSeries[], bounds: Bounds): Breach | undefined {
  let worst: Breach | undefined;
  for (const series of all) {
    for (const point of series.points) {
      if (bounds.max !== undefined && point.value > bounds.max && (!worst || worst.bound !== 'max' || point.value > worst.point.value)) {
        worst = { point, series, bound: 'max', limit: bounds.max };
      } else if (bounds.min !== undefined && point.value < bounds.min && (!worst || (worst.bound === 'min' && point.value < worst.point.value))) {
        worst = { point, series, bound: 'min', limit: bounds.min };
      }
    }
  }
  return worst;
}

/** The datapoint closest to breaking `bounds` (highest for max, else lowest), to show on a pass. */
export function closest(all: readonly MetricSeries[], bounds: Bounds): { point: Datapoint; series: MetricSeries } | undefined {
  let best: { point: Datapoint; series: MetricSeries } | undefined;
  const worse = (a: number, b: number) => (bounds.max !== undefined ? a > b : a < b);
  for (const series of all) for (const point of series.points) if (!best || worse(point.value, best.point.value)) best = { point, series };
  return best;
}

/** `1.5`, `7.31`, `12000`: at most `decimals` decimals, no trailing zeros. */
export function formatNumber(value: number, decimals = 2): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toFixed(decimals)));
}

/** `≤ 1` / `≥ 10` / `between 10 and 20`. */
export function formatBounds(bounds: Bounds): string {
  if (bounds.max !== undefined && bounds.min !== undefined) return `between ${formatNumber(bounds.min)} and ${formatNumber(bounds.max)}`;
  return bounds.max !== undefined ? `≤ ${formatNumber(bounds.max)}` : `≥ ${formatNumber(bounds.min as number)}`;
}

// ---------------------------------------------------------------------------------------------
// Alarms

export const DESCRIBE_ALARMS_ACTION = 'cloudwatch:DescribeAlarms';

/** What DescribeAlarms always returns: the metric alarms (composite ones when asked), each named and in a state. */
export const DESCRIBE_ALARMS_SHAPE: ResponseShape = {
  MetricAlarms: 'array',
  'MetricAlarms[].AlarmName': 'string',
  'MetricAlarms[].StateValue': 'string',
  'CompositeAlarms[].AlarmName': 'string',
  'CompositeAlarms[].StateValue': 'string',
};

export type Alarm = (MetricAlarm | CompositeAlarm) & { kind: 'metric' | 'composite' };

/** Alarms one attempt reads at most (10 pages of 100). */
export const MAX_ALARM_PAGES = 10;

/**
 * DescribeAlarms for the named alarms or the name prefix, metric and composite alike, following
 * NextToken for at most MAX_ALARM_PAGES pages. Alarms that do not exist are simply absent.
 * @throws AttemptResultError for SDK errors, malformed answers and more pages than the budget.
 */
export async function describeAlarms(ctx: CheckContext, selector: { names: string[] } | { prefix: string }): Promise<Alarm[]> {
  const { DescribeAlarmsCommand } = await import('@aws-sdk/client-cloudwatch');
  const client = await ctx.clients.get(cloudwatchClient);
  const alarms: Alarm[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_ALARM_PAGES; page++) {
    const input = {
      ...('names' in selector ? { AlarmNames: selector.names } : { AlarmNamePrefix: selector.prefix }),
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] as ('MetricAlarm' | 'CompositeAlarm')[],
      MaxRecords: 100,
      NextToken: nextToken,
    };
    const out = await awsCall(ctx, DESCRIBE_ALARMS_ACTION, (abortSignal) => client.send(new DescribeAlarmsCommand(input), { abortSignal }), DESCRIBE_ALARMS_SHAPE);
    alarms.push(...(out.MetricAlarms ?? []).map((a) => ({ ...a, kind: 'metric' as const })));
    alarms.push(...(out.CompositeAlarms ?? []).map((a) => ({ ...a, kind: 'composite' as const })));
    nextToken = out.NextToken;
    if (!nextToken) return alarms;
  }
  throw new AttemptResultError({
    outcome: 'error',
    message: `DescribeAlarms returned more than ${MAX_ALARM_PAGES * 100} alarms: use a narrower alarmNamePrefix`,
    details: { action: DESCRIBE_ALARMS_ACTION },
  });
}

/** `AWS/ApplicationELB HTTPCode_Target_5XX_Count`: the metrics an alarm watches (its own, or in its metric math). */
export function alarmMetrics(alarm: Alarm): string[] {
  if (alarm.kind === 'composite') return [];
  const metric = alarm as MetricAlarm;
  const own = metric.MetricName ? [`${metric.Namespace} ${metric.MetricName}`] : [];
  const math = (metric.Metrics ?? []).flatMap((q) => (q.MetricStat?.Metric?.MetricName ? [`${q.MetricStat.Metric.Namespace} ${q.MetricStat.Metric.MetricName}`] : []));
  return [...new Set([...own, ...math])];
}

// ---------------------------------------------------------------------------------------------
// Root cause

/** The facts a metric breach carries: `breachedMetrics` as "Namespace MetricName". */
export interface BreachFacts {
  breachedMetrics?: string[];
}

/** An alarm check that saw an alarm in ALARM watching one of the metrics the cause saw breached. */
function alarmWatchesBreach(cause: FailureView, effect: FailureView): boolean {
  const breached = new Set((cause.facts as BreachFacts).breachedMetrics ?? []);
  const watched = (effect.facts as { inAlarmMetrics?: string[] }).inAlarmMetrics ?? [];
  return watched.some((metric) => breached.has(metric));
}

/** A metric breach explains an alarm in ALARM on that same metric: the alarm only reports it. */
export const BREACH_EXPLAINS_ALARM: CauseRelation = {
  effect: 'cloudwatch-alarms',
  because: 'the alarm watches the metric that breached',
  when: alarmWatchesBreach,
};

/** Observations for each query id: how many datapoints it returned in the window. */
export function datapointObservations(all: readonly MetricSeries[], ids: readonly string[], window: MetricWindow): Observation[] {
  return ids.map((id) => {
    const count = seriesOf(all, id).reduce((n, s) => n + s.points.length, 0);
    return { what: `datapoints of ${id} over ${window.label}`, expected: 'at least 1', actual: String(count), ok: count > 0 };
  });
}
