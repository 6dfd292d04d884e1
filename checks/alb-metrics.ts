/**
 * What the load balancer saw of a service: 5xx rate, response time and unhealthy hosts from the
 * ALB's own CloudWatch metrics, over a window or since the deployment. ALB publishes a count only
 * when it is not zero, so a missing count datapoint reads as 0; too few requests (or none) is
 * missing evidence (the `noData` policy), never a pass.
 */
import { z } from 'zod';
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { Service } from '@aws-sdk/client-ecs';
import { defineCheck, type AttemptResult, type CheckContext, type FailureView, type Observation } from './types.js';
import {
  BREACH_EXPLAINS_ALARM,
  formatNumber,
  formatTime,
  getMetricData,
  metricWindowSchema,
  noDataResult,
  noDataSchema,
  resolveWindow,
  seriesOf,
  sinceDeploymentHasService,
  SINCE_DEPLOYMENT_NEEDS_SERVICE,
  windowTooYoung,
  type MetricSeries,
  type MetricWindow,
} from './support/cloudwatch.js';
import { durationSchema, formatDuration } from './support/duration.js';
import { describeService } from './support/ecs.js';
import { describeTargetGroup, targetGroupNameFromArn } from './support/elbv2.js';
import { httpServerError, httpTimedOutOrSlow } from './support/relations.js';

const NAMESPACE = 'AWS/ApplicationELB';
const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;
const RESPONSE_STAT = /^(p(\d{1,2}(\.\d{1,2})?|100)|Average|Maximum)$/;

const schema = z
  .strictObject({
    cluster: z.string().min(1).optional().meta({ description: 'ECS cluster of `service`.' }),
    service: z.string().min(1).optional().meta({ description: 'ECS service: every target group in its loadBalancers is checked (with `cluster`).' }),
    targetGroupArn: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'ARN of the target group to check (instead of cluster + service; with them only for sinceDeployment, which then reads just this target group).' }),
    window: metricWindowSchema,
    sinceDeployment: z
      .boolean()
      .optional()
      .meta({
        description:
          'Look from the service\'s PRIMARY deployment createdAt (needs cluster + service; with targetGroupArn, only that target group is read). With `window` too: since the deployment, at most `window` back (the later start wins).',
      }),
    max5xxRate: z
      .string()
      .regex(PERCENT, { error: 'expected a percentage like "1%" or "0.5%"' })
      .optional()
      .meta({ description: 'Highest share of requests the targets may answer with 5xx (HTTPCode_Target_5XX_Count ÷ RequestCount over the window), e.g. "1%".' }),
    maxResponseTime: z
      .record(z.string().regex(RESPONSE_STAT, { error: 'expected a percentile like p95, or Average or Maximum' }), durationSchema)
      .refine((m) => Object.keys(m).length > 0, { error: 'name at least one statistic, e.g. { p95: 1s }' })
      .optional()
      .meta({ description: 'Highest TargetResponseTime per statistic over the whole window, e.g. { p95: 1s, p99: 3s }.' }),
    maxUnhealthyHosts: z.number().int().min(0).optional().meta({ description: 'Most unhealthy targets allowed at any minute of the window (UnHealthyHostCount, Maximum).' }),
    minRequests: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Fewest requests in the window for the 5xx rate and response time to be evidence (default 1); fewer is no data.' }),
    noData: noDataSchema,
  })
  .refine((s) => (s.cluster === undefined) === (s.service === undefined), { error: 'cluster and service go together: set both, or use targetGroupArn' })
  // Both only with sinceDeployment: the service's deployment starts the window, the target group is the one read.
  .refine((s) => (s.service === undefined) !== (s.targetGroupArn === undefined) || s.sinceDeployment === true, {
    error: 'set exactly one of cluster + service, or targetGroupArn (both only with sinceDeployment: true)',
  })
  .refine((s) => s.max5xxRate !== undefined || s.maxResponseTime !== undefined || s.maxUnhealthyHosts !== undefined, {
    error: 'set at least one of max5xxRate, maxResponseTime, maxUnhealthyHosts',
  })
  .refine(sinceDeploymentHasService, SINCE_DEPLOYMENT_NEEDS_SERVICE);

type Spec = z.output<typeof schema>;

/** One target group behind one load balancer, with its dimension values as ALB publishes them. */
export interface AlbTarget {
  targetGroupArn: string;
  /** `targetgroup/api/6d0ecf831eec9f09` */
  targetGroup: string;
  /** `app/hokusai-alb/50dc6c495c0c9188` */
  loadBalancer: string;
}

/** `arn:…:loadbalancer/app/name/id` → `app/name/id`; `arn:…:targetgroup/name/id` → `targetgroup/name/id`. */
export function dimensionValue(arn: string, kind: 'loadbalancer' | 'targetgroup'): string | undefined {
  if (kind === 'loadbalancer') return /:loadbalancer\/(app\/[^/]+\/[^/]+)$/.exec(arn)?.[1];
  return /:(targetgroup\/[^/]+\/[^/]+)$/.exec(arn)?.[1];
}

/** The target groups to read and the load balancer of each (DescribeTargetGroups → LoadBalancerArns). */
async function albTargets(spec: Spec, ctx: CheckContext, described?: Promise<Service>): Promise<AlbTarget[] | AttemptResult> {
  let arns: string[];
  if (spec.targetGroupArn) arns = [spec.targetGroupArn];
  else {
    const service = await described!;
    arns = [...new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((arn): arn is string => !!arn))];
    if (arns.length === 0) {
      return {
        outcome: 'fail',
        message: `ECS service ${spec.service} in cluster ${spec.cluster} has no target group in its loadBalancers: no ALB metrics to read`,
        nextSteps: [`aws ecs describe-services --cluster ${spec.cluster} --services ${spec.service} --query 'services[0].loadBalancers'`],
      };
    }
  }
  const groups = await Promise.all(arns.map((arn) => describeTargetGroup(ctx, { arn })));
  const targets: AlbTarget[] = [];
  for (const group of groups) {
    const arn = group.TargetGroupArn as string;
    const targetGroup = dimensionValue(arn, 'targetgroup');
    const loadBalancers = (group.LoadBalancerArns ?? []).map((lb) => dimensionValue(lb, 'loadbalancer')).filter((lb): lb is string => !!lb);
    if (!targetGroup || loadBalancers.length === 0) {
      return {
        outcome: 'error',
        message: `target group ${targetGroupNameFromArn(arn)} is not attached to an application load balancer: ALB publishes no metrics for it`,
        nextSteps: [`aws elbv2 describe-target-groups --target-group-arns ${arn} --query 'TargetGroups[0].LoadBalancerArns'`],
      };
    }
    for (const loadBalancer of loadBalancers) targets.push({ targetGroupArn: arn, targetGroup, loadBalancer });
  }
  return targets;
}

/** Count metrics at one-minute periods (coarser for windows over a day, so one request stays small). */
function countPeriodSeconds(window: MetricWindow): number {
  const minutes = (window.end.getTime() - window.start.getTime()) / 60_000;
  return Math.max(1, Math.ceil(minutes / 1440)) * 60;
}

function query(id: string, target: AlbTarget, metric: string, stat: string, period: number): MetricDataQuery {
  const Dimensions = [
    { Name: 'LoadBalancer', Value: target.loadBalancer },
    { Name: 'TargetGroup', Value: target.targetGroup },
  ];
  return { Id: id, MetricStat: { Metric: { Namespace: NAMESPACE, MetricName: metric, Dimensions }, Period: period, Stat: stat }, ReturnData: true };
}

/** Ids per target index: `requests_0`, `errors_0`, `rt_p95_0`, `unhealthy_0`. */
const ids = {
  requests: (i: number) => `requests_${i}`,
  errors: (i: number) => `errors_${i}`,
  responseTime: (stat: string, i: number) => `rt_${stat.toLowerCase().replace('.', '_')}_${i}`,
  unhealthy: (i: number) => `unhealthy_${i}`,
};

/** Every query of the check, for all target groups: one GetMetricData request. */
export function albQueries(spec: Spec, targets: AlbTarget[], window: MetricWindow): MetricDataQuery[] {
  const countPeriod = countPeriodSeconds(window);
  // TargetResponseTime over the whole window: one datapoint, a percentile of every request in it.
  const wholeWindow = Math.max(60, Math.round((window.end.getTime() - window.start.getTime()) / 60_000) * 60);
  return targets.flatMap((target, i) => [
    query(ids.requests(i), target, 'RequestCount', 'Sum', countPeriod),
    ...(spec.max5xxRate !== undefined ? [query(ids.errors(i), target, 'HTTPCode_Target_5XX_Count', 'Sum', countPeriod)] : []),
    ...Object.keys(spec.maxResponseTime ?? {}).map((stat) => query(ids.responseTime(stat, i), target, 'TargetResponseTime', stat, wholeWindow)),
    ...(spec.maxUnhealthyHosts !== undefined ? [query(ids.unhealthy(i), target, 'UnHealthyHostCount', 'Maximum', countPeriod)] : []),
  ]);
}

const sum = (series: MetricSeries[]) => series.reduce((total, s) => total + s.points.reduce((n, p) => n + p.value, 0), 0);
const max = (series: MetricSeries[]) => Math.max(-Infinity, ...series.flatMap((s) => s.points.map((p) => p.value)));
const hasPoints = (series: MetricSeries[]) => series.some((s) => s.points.length > 0);

/** One criterion's verdict on one target group. */
interface Finding {
  verdict: 'pass' | 'fail' | 'nodata';
  /** `5xx rate 7.3 % (22 of 301 requests) > 1 %`. */
  text: string;
  observation: Observation;
  metric: string;
  breach?: '5xx' | 'latency' | 'unhealthy';
}

const percent = (fraction: number) => `${formatNumber(fraction * 100, 1)} %`;

/** The criteria for one target group (rules in docs/checks/alb-metrics.md). */
function assessTarget(spec: Spec, series: MetricSeries[], i: number, where: string): { findings: Finding[]; requests: number; errors: number } {
  const findings: Finding[] = [];
  const requests = sum(seriesOf(series, ids.requests(i)));
  const errors = sum(seriesOf(series, ids.errors(i)));
  const minRequests = spec.minRequests ?? 1;
  const enough = requests >= minRequests;
  const tooFew = `${requests} request${requests === 1 ? '' : 's'}${where} (minRequests ${minRequests})`;
  if (spec.max5xxRate !== undefined) {
    const limit = Number(PERCENT.exec(spec.max5xxRate)![1]) / 100;
    const metric = `${NAMESPACE} HTTPCode_Target_5XX_Count`;
    if (!enough) findings.push({ verdict: 'nodata', text: `no 5xx rate: ${tooFew}`, metric, observation: { what: `5xx rate${where}`, expected: `≤ ${percent(limit)}`, actual: tooFew, ok: false } });
    else {
      const rate = errors / requests;
      const text = `5xx rate ${percent(rate)} (${errors} of ${requests} requests)${where} ${rate > limit ? '>' : '≤'} ${percent(limit)}`;
      findings.push({ verdict: rate > limit ? 'fail' : 'pass', text, metric, breach: '5xx', observation: { what: `5xx rate${where}`, expected: `≤ ${percent(limit)}`, actual: `${percent(rate)} (${errors} of ${requests})`, ok: rate <= limit } });
    }
  }
  for (const [stat, limitMs] of Object.entries(spec.maxResponseTime ?? {})) {
    const found = seriesOf(series, ids.responseTime(stat, i));
    const what = `${stat} response time${where}`;
    const metric = `${NAMESPACE} TargetResponseTime`;
    if (!enough || !hasPoints(found)) {
      const actual = enough ? 'no datapoints' : tooFew;
      findings.push({ verdict: 'nodata', text: `no ${stat} response time: ${actual}`, metric, observation: { what, expected: `≤ ${formatDuration(limitMs)}`, actual, ok: false } });
      continue;
    }
    const valueMs = max(found) * 1000;
    const ok = valueMs <= limitMs;
    const text = `${stat} response time ${formatDuration(valueMs)}${where} ${ok ? '≤' : '>'} ${formatDuration(limitMs)}`;
    findings.push({ verdict: ok ? 'pass' : 'fail', text, metric, breach: 'latency', observation: { what, expected: `≤ ${formatDuration(limitMs)}`, actual: formatDuration(valueMs), ok } });
  }
  if (spec.maxUnhealthyHosts !== undefined) {
    const found = seriesOf(series, ids.unhealthy(i));
    const what = `unhealthy hosts${where}`;
    const metric = `${NAMESPACE} UnHealthyHostCount`;
    if (!hasPoints(found)) {
      findings.push({ verdict: 'nodata', text: `no UnHealthyHostCount datapoints${where}`, metric, observation: { what, expected: `≤ ${spec.maxUnhealthyHosts}`, actual: 'no datapoints', ok: false } });
    } else {
      const worst = max(found);
      const ok = worst <= spec.maxUnhealthyHosts;
      const text = `${ok ? 'at most' : 'up to'} ${formatNumber(worst)} unhealthy host${worst === 1 ? '' : 's'}${where} ${ok ? '≤' : '>'} ${spec.maxUnhealthyHosts}`;
      findings.push({ verdict: ok ? 'pass' : 'fail', text, metric, breach: 'unhealthy', observation: { what, expected: `≤ ${spec.maxUnhealthyHosts}`, actual: formatNumber(worst), ok } });
    }
  }
  return { findings, requests, errors };
}

function windowWords(window: MetricWindow): string {
  return /^since /.test(window.label) ? ` ${window.label}` : ` over ${window.label}`;
}

/** The metric and statistics flags that show each breach (5xx rate, response time, unhealthy hosts) by hand. */
function breachCommands(spec: Spec, breached: string[]): Array<[metric: string, statistics: string]> {
  const commands: Array<[string, string]> = [];
  if (breached.includes('5xx')) commands.push(['HTTPCode_Target_5XX_Count', '--statistics Sum']);
  if (breached.includes('latency')) {
    const stats = Object.keys(spec.maxResponseTime ?? {});
    const percentiles = stats.filter((stat) => /^p\d/.test(stat));
    const plain = stats.filter((stat) => !/^p\d/.test(stat));
    const flags = [...(plain.length ? [`--statistics ${plain.join(' ')}`] : []), ...(percentiles.length ? [`--extended-statistics ${percentiles.join(' ')}`] : [])];
    commands.push(['TargetResponseTime', flags.join(' ')]);
  }
  if (breached.includes('unhealthy')) commands.push(['UnHealthyHostCount', '--statistics Maximum']);
  return commands;
}

/** All target groups' findings as one result: any breach fails, else any missing evidence is no data. */
export function assessAlb(spec: Spec, targets: AlbTarget[], series: MetricSeries[], window: MetricWindow): AttemptResult {
  const many = targets.length > 1;
  const assessed = targets.map((t, i) => assessTarget(spec, series, i, `${many ? ` in ${targetGroupNameFromArn(t.targetGroupArn)}` : ''}${windowWords(window)}`));
  const findings = assessed.flatMap((a) => a.findings);
  const failed = findings.filter((f) => f.verdict === 'fail');
  const missing = findings.filter((f) => f.verdict === 'nodata');
  const details = {
    window: { start: formatTime(window.start), end: formatTime(window.end) },
    targetGroups: targets.map((t, i) => ({ targetGroup: t.targetGroup, loadBalancer: t.loadBalancer, requests: assessed[i]!.requests, errors5xx: assessed[i]!.errors })),
  };
  const observations = findings.map((f) => f.observation);
  const breached = [...new Set(failed.map((f) => f.breach!))];
  const facts = {
    breached,
    breachedMetrics: [...new Set(failed.map((f) => f.metric))],
    requests: assessed.reduce((n, a) => n + a.requests, 0),
    errors5xx: assessed.reduce((n, a) => n + a.errors, 0),
  };
  const nextSteps = targets.flatMap((t) =>
    breachCommands(spec, breached).map(
      ([metric, statistics]) =>
        `aws cloudwatch get-metric-statistics --namespace ${NAMESPACE} --metric-name ${metric} --dimensions Name=LoadBalancer,Value=${t.loadBalancer} Name=TargetGroup,Value=${t.targetGroup} ${statistics} --period 60 --start-time ${formatTime(window.start)} --end-time ${formatTime(window.end)}`,
    ),
  );
  if (failed.length > 0) return { outcome: 'fail', message: failed.map((f) => f.text).join('; '), observations, details, facts, nextSteps };
  if (missing.length > 0) {
    const passed = findings.filter((f) => f.verdict === 'pass').map((f) => f.text);
    return noDataResult(spec.noData, { message: [...missing.map((f) => f.text), ...passed].join('; '), observations, details, facts });
  }
  return { outcome: 'pass', message: findings.map((f) => f.text).join('; '), observations, details, facts };
}

async function run(spec: Spec, ctx: CheckContext): Promise<AttemptResult> {
  // One DescribeServices per attempt when both the target groups and the window need the service.
  const described = spec.service ? describeService(ctx, { cluster: spec.cluster!, service: spec.service }) : undefined;
  described?.catch(() => {});
  const [targets, window] = await Promise.all([albTargets(spec, ctx, described), resolveWindow(ctx, spec, described)]);
  if (!Array.isArray(targets)) return targets;
  if (!window) return windowTooYoung(spec.noData, 'the ALB metrics');
  const series = await getMetricData(ctx, albQueries(spec, targets, window), window);
  return assessAlb(spec, targets, series, window);
}

function saw(kind: '5xx' | 'latency', cause: FailureView): boolean {
  return ((cause.facts as { breached?: string[] }).breached ?? []).includes(kind);
}

export const albMetrics = defineCheck({
  type: 'alb-metrics',
  summary: "An ALB target group's 5xx rate, response time and unhealthy hosts (CloudWatch metrics) stay within bounds over a window.",
  schema,
  // Past evidence (datapoints over a window: they lag the present by their period): its failure never cuts another check's retries.
  evidence: 'window',
  // A breach or a pass is a verdict at once; only too few requests / no datapoints waits.
  defaults: { timeoutMs: 15_000, retry: { intervalMs: 30_000, backoff: 1, maxIntervalMs: 30_000, withinMs: 120_000 } },
  describe(spec) {
    const bounds = [
      spec.max5xxRate !== undefined ? `5xx rate ≤ ${spec.max5xxRate}` : undefined,
      ...Object.entries(spec.maxResponseTime ?? {}).map(([stat, ms]) => `${stat} response time ≤ ${formatDuration(ms)}`),
      spec.maxUnhealthyHosts !== undefined ? `unhealthy hosts ≤ ${spec.maxUnhealthyHosts}` : undefined,
    ].filter(Boolean);
    const service = spec.service ? `ECS service ${spec.service} (cluster ${spec.cluster})` : undefined;
    const group = spec.targetGroupArn ? `target group ${targetGroupNameFromArn(spec.targetGroupArn)}` : undefined;
    const what = group && service ? `${group} of ${service}` : (group ?? service);
    const window = spec.sinceDeployment
      ? `since the deployment${spec.window !== undefined ? `, at most ${formatDuration(spec.window)} back` : ''}`
      : `over ${formatDuration(spec.window ?? 300_000)}`;
    return `ALB metrics of ${what} ${window}: ${bounds.join(', ')}`;
  },
  run,
  explains: [
    { effect: 'http', because: 'the load balancer saw the targets answer 5xx', when: (cause, effect) => saw('5xx', cause) && httpServerError(effect) },
    { effect: 'http', because: 'the load balancer saw the targets answer slowly', when: (cause, effect) => saw('latency', cause) && httpTimedOutOrSlow(effect) },
    BREACH_EXPLAINS_ALARM,
  ],
});
