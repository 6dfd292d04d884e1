/**
 * Does a CloudWatch metric (or a metric math expression CloudWatch evaluates) stay within bounds
 * over a window? One GetMetricData request per attempt for all of a check's queries; every
 * datapoint in the window must keep the bound, and the message shows the worst one, the bound and
 * the window. No datapoints is missing evidence (the `noData` policy), never a pass.
 */
import { z } from 'zod';
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { defineCheck, type AttemptResult, type CheckContext } from './types.js';
import {
  boundsSchema,
  BREACH_EXPLAINS_ALARM,
  closest,
  datapointObservations,
  dimensionsSchema,
  formatBounds,
  formatNumber,
  formatTime,
  getMetricData,
  metricWindowSchema,
  noDataResult,
  noDataSchema,
  periodSchema,
  queryIdSchema,
  resolveWindow,
  seriesOf,
  sinceDeploymentHasService,
  SINCE_DEPLOYMENT_NEEDS_SERVICE,
  statSchema,
  windowTooYoung,
  worstBreach,
  type MetricSeries,
  type MetricWindow,
} from './support/cloudwatch.js';
import { formatDuration } from './support/duration.js';

const querySchema = z
  .strictObject({
    id: queryIdSchema,
    namespace: z.string().min(1).optional().meta({ description: 'Namespace of the metric, e.g. AWS/ApplicationELB.' }),
    metric: z.string().min(1).optional().meta({ description: 'Metric name, e.g. RequestCount.' }),
    dimensions: dimensionsSchema.optional(),
    stat: statSchema.optional(),
    period: periodSchema.optional(),
    expression: z.string().min(1).optional().meta({ description: 'A metric math expression over other queries\' ids (instead of namespace/metric/stat).' }),
  })
  .refine((q) => (q.expression === undefined) === (q.namespace !== undefined && q.metric !== undefined && q.stat !== undefined), {
    error: 'a query is either namespace + metric + stat (with optional dimensions and period) or an expression',
  })
  .refine((q) => q.expression === undefined || (q.dimensions === undefined && q.period === undefined), {
    error: 'dimensions and period belong to a metric query, not to an expression',
  })
  .meta({ description: 'One MetricDataQuery: a metric (namespace, metric, dimensions, stat, period) or an intermediate expression.' });

/** The id the checked expression gets in the request; query ids must not take it. */
const RESULT_ID = 'verdict';

const schema = z
  .strictObject({
    namespace: z.string().min(1).optional().meta({ description: 'Namespace of the metric, e.g. AWS/ApplicationELB (single-metric form).' }),
    metric: z.string().min(1).optional().meta({ description: 'Metric name, e.g. TargetResponseTime (single-metric form).' }),
    dimensions: dimensionsSchema.optional(),
    stat: statSchema.optional(),
    period: periodSchema.optional(),
    queries: z
      .array(querySchema)
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'Metric math form: the metrics the expression uses, each with an id (sent with ReturnData false).' }),
    expression: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Metric math form: the expression CloudWatch evaluates, e.g. "100 * FILL(errors, 0) / requests"; must return a time series.' }),
    window: metricWindowSchema,
    sinceDeployment: z
      .boolean()
      .optional()
      .meta({
        description:
          'Look from the ECS service\'s PRIMARY deployment createdAt (needs cluster + service). With `window` too: since the deployment, at most `window` back (the later start wins).',
      }),
    cluster: z.string().min(1).optional().meta({ description: 'ECS cluster of `service` (for sinceDeployment).' }),
    service: z.string().min(1).optional().meta({ description: 'ECS service whose PRIMARY deployment starts the window (for sinceDeployment).' }),
    expect: boundsSchema,
    noData: noDataSchema,
  })
  .refine((s) => (s.metric !== undefined) !== (s.expression !== undefined), {
    error: 'set either namespace + metric + stat, or queries + expression',
  })
  .refine(
    (s) => s.expression === undefined || (s.queries !== undefined && s.namespace === undefined && s.dimensions === undefined && s.stat === undefined && s.period === undefined),
    { error: 'expression goes with queries; namespace, dimensions, stat and period belong to the single-metric form (or to each query)' },
  )
  .refine((s) => s.metric === undefined || (s.namespace !== undefined && s.stat !== undefined && s.queries === undefined), {
    error: 'the single-metric form needs namespace and stat (and no queries)',
  })
  .refine((s) => !s.queries || new Set(s.queries.map((q) => q.id)).size === s.queries.length, { error: 'query ids must be unique', path: ['queries'] })
  .refine((s) => !s.queries?.some((q) => q.id === RESULT_ID), { error: `"${RESULT_ID}" is the id of the checked expression; name the query otherwise`, path: ['queries'] })
  .refine((s) => (s.cluster === undefined) === (s.service === undefined), { error: 'cluster and service go together' })
  .refine(sinceDeploymentHasService, SINCE_DEPLOYMENT_NEEDS_SERVICE);

type Spec = z.output<typeof schema>;
type Query = z.output<typeof querySchema>;

const DEFAULT_PERIOD_S = 60;

function metricQuery(id: string, q: Pick<Query, 'namespace' | 'metric' | 'dimensions' | 'stat' | 'period'>, returnData: boolean): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: q.namespace,
        MetricName: q.metric,
        Dimensions: Object.entries(q.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: q.period === undefined ? DEFAULT_PERIOD_S : q.period / 1000,
      Stat: q.stat,
    },
    ReturnData: returnData,
  };
}

/** The MetricDataQueries of a spec: the one metric, or every query (not returned) plus the checked expression. */
export function metricDataQueries(spec: Spec): MetricDataQuery[] {
  if (spec.metric) return [metricQuery(RESULT_ID, spec, true)];
  const queries = (spec.queries ?? []).map((q) =>
    q.expression !== undefined ? { Id: q.id, Expression: q.expression, ReturnData: false } : metricQuery(q.id, q, false),
  );
  // CloudWatch gives the expression the period of the metrics it uses.
  return [...queries, { Id: RESULT_ID, Expression: spec.expression, ReturnData: true }];
}

/** `p95 TargetResponseTime` / `100 * errors / requests`. */
function subject(spec: Spec): string {
  return spec.metric ? `${spec.stat} ${spec.metric}` : spec.expression!;
}

function windowWords(window: MetricWindow): string {
  return /^since /.test(window.label) ? window.label : `over ${window.label}`;
}

/** The pass/fail/no-data rules (documented in docs/checks/cloudwatch-metric.md). */
export function assessMetric(spec: Spec, series: MetricSeries[], window: MetricWindow): AttemptResult {
  const result = seriesOf(series, RESULT_ID);
  const count = result.reduce((n, s) => n + s.points.length, 0);
  const bound = formatBounds(spec.expect);
  const ids = [RESULT_ID];
  const observations = datapointObservations(series, ids, window);
  const details = { window: { start: formatTime(window.start), end: formatTime(window.end) }, datapoints: count, series: result.map((s) => ({ label: s.label, points: s.points.length })) };
  if (count === 0) {
    return noDataResult(spec.noData, {
      message: `no datapoints for ${subject(spec)} ${windowWords(window)}`,
      observations,
      details,
      facts: { namespace: spec.namespace, metric: spec.metric },
    });
  }
  const breach = worstBreach(result, spec.expect);
  if (breach) {
    const label = result.length > 1 ? ` (${breach.series.label})` : '';
    return {
      outcome: 'fail',
      message: `${subject(spec)}${label} was ${formatNumber(breach.point.value)} at ${formatTime(breach.point.at)} ${windowWords(window)}, expected ${bound}`,
      observations: [{ what: `${subject(spec)} ${windowWords(window)}`, expected: bound, actual: formatNumber(breach.point.value), ok: false }],
      details: { ...details, worst: { value: breach.point.value, at: formatTime(breach.point.at) } },
      facts: { breachedMetrics: spec.metric ? [`${spec.namespace} ${spec.metric}`] : usedMetrics(spec), value: breach.point.value, limit: breach.limit },
    };
  }
  const nearest = closest(result, spec.expect)!;
  return {
    outcome: 'pass',
    message: `${subject(spec)} ${bound} ${windowWords(window)}: ${bound.startsWith('≥') ? 'lowest' : 'highest'} ${formatNumber(nearest.point.value)} of ${count} datapoint${count === 1 ? '' : 's'}`,
    observations: [{ what: `${subject(spec)} ${windowWords(window)}`, expected: bound, actual: formatNumber(nearest.point.value), ok: true }],
    details,
  };
}

/** The metrics an expression's queries read, as "Namespace MetricName". */
function usedMetrics(spec: Spec): string[] {
  return (spec.queries ?? []).filter((q) => q.metric).map((q) => `${q.namespace} ${q.metric}`);
}

async function run(spec: Spec, ctx: CheckContext): Promise<AttemptResult> {
  const window = await resolveWindow(ctx, spec);
  if (!window) return windowTooYoung(spec.noData, subject(spec));
  const series = await getMetricData(ctx, metricDataQueries(spec), window);
  return assessMetric(spec, series, window);
}

export const cloudwatchMetric = defineCheck({
  type: 'cloudwatch-metric',
  summary: 'A CloudWatch metric, or a metric math expression CloudWatch evaluates, stays within bounds over a window.',
  schema,
  // Past evidence (datapoints over a window: they lag the present by their period): its failure never cuts another check's retries.
  evidence: 'window',
  // A breach or a pass is a verdict at once; only "no datapoints" waits (a period not yet published).
  defaults: { timeoutMs: 15_000, retry: { intervalMs: 30_000, backoff: 1, maxIntervalMs: 30_000, withinMs: 120_000 } },
  describe(spec) {
    const window = spec.sinceDeployment
      ? `since the deployment of ECS service ${spec.service}${spec.window !== undefined ? `, at most ${formatDuration(spec.window)} back` : ''}`
      : `over ${formatDuration(spec.window ?? 300_000)}`;
    return `${subject(spec)} ${formatBounds(spec.expect)} ${window}`;
  },
  run,
  explains: [BREACH_EXPLAINS_ALARM],
});
