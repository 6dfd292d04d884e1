/**
 * What logs-absent and logs-present share: the spec, where to search (log group and time window),
 * the one FilterLogEvents scan (logs-scan.ts) and how its findings are shown. The filter pattern is
 * evaluated by CloudWatch Logs, never here.
 */
import { z } from 'zod';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Service } from '@aws-sdk/client-ecs';
import { durationSchema, formatDuration } from './duration.js';
import { AttemptResultError, type AttemptResult, type CheckContext, type Observation } from '../types.js';
import { awsCall, logsClient } from './aws.js';
import { describeService, primaryDeployment, serviceLogGroup, type ServiceRef } from './ecs.js';
import { LogGroupNotFoundError, scanLogEvents, type LogEvidence, type LogScan } from './logs-scan.js';
import { queryLogEvents } from './logs-insights.js';
import { translatePattern } from './logs-insights-pattern.js';
import { targetRevisionStreams } from './logs-streams.js';

export { FILTER_ACTION } from './logs-scan.js';
/** Share of the attempt timeout pagination may use, so a long scan ends with a report, not an abort. */
const TIME_BUDGET_SHARE = 0.8;

export const logsSchema = z
  .strictObject({
    logGroup: z.string().min(1).optional().meta({ description: 'CloudWatch Logs group to search, e.g. /ecs/hokusai-api-development.' }),
    cluster: z.string().min(1).optional().meta({ description: 'ECS cluster of `service`.' }),
    service: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'ECS service: searches the awslogs-group of its running task definition, and dates sinceDeployment.' }),
    container: z.string().min(1).optional().meta({ description: 'Container whose awslogs-group is used (default: the first container that has one).' }),
    pattern: z
      .string()
      .min(1)
      .meta({ description: 'CloudWatch Logs filter pattern, evaluated by CloudWatch: `Redis connection failed`, `"exact phrase"`, `?ERROR ?FATAL`, `{ $.level = "ERROR" }`.' }),
    since: durationSchema
      .optional()
      .meta({ description: 'Search events from this long before each attempt until the attempt, e.g. "5m". With sinceDeployment: true, the window starts at the later of the two.' }),
    sinceDeployment: z
      .boolean()
      .optional()
      .meta({ description: 'Search events since the service\'s PRIMARY deployment was created (needs cluster + service). With since, at most that far back.' }),
    logStreamPrefix: z.string().min(1).optional().meta({ description: 'Only streams whose name starts with this (logStreamNamePrefix), e.g. "ecs/api/".' }),
    maxEvidence: z.number().int().min(1).max(100).default(5).meta({ description: 'How many matching events to show as evidence (all matches are counted).' }),
    maxPages: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .meta({ description: 'Most FilterLogEvents pages read per attempt (up to 10,000 events each); a scan that needs more is incomplete, never a pass.' }),
    streams: z
      .enum(['all', 'target-revision'])
      .default('all')
      .meta({
        description:
          'target-revision: only the log streams (<awslogs-stream-prefix>/<container>/<task id>) of the RUNNING tasks of the PRIMARY deployment, so an old task\'s errors do not fail a new revision (needs cluster + service).',
      }),
    engine: z
      .enum(['filter', 'insights', 'auto'])
      .default('auto')
      .meta({
        description:
          'filter: FilterLogEvents pages; insights: Logs Insights counts server-side (StartQuery); auto: Insights when the window is over 1 hour, the group is INFREQUENT_ACCESS or FilterLogEvents was throttled twice, else filter.',
      }),
  })
  .refine((spec) => (spec.cluster === undefined) === (spec.service === undefined), {
    error: 'cluster and service go together: set both',
  })
  .refine((spec) => spec.logGroup !== undefined || spec.service !== undefined, {
    error: 'set logGroup, or cluster + service to search the service\'s awslogs-group',
  })
  .refine((spec) => spec.container === undefined || (spec.service !== undefined && spec.logGroup === undefined), {
    error: 'container selects the awslogs-group of a cluster + service; it cannot be combined with logGroup',
    path: ['container'],
  })
  .superRefine((spec, issue) => {
    const translated = spec.engine === 'insights' ? translatePattern(spec.pattern) : undefined;
    if (translated && !translated.ok) {
      issue.addIssue({ code: 'custom', path: ['pattern'], message: `engine insights cannot express the filter pattern's ${translated.construct}: use engine filter (or auto)` });
    }
  })
  .refine((spec) => spec.streams !== 'target-revision' || spec.service !== undefined, {
    error: 'streams: target-revision needs cluster + service (the tasks of its PRIMARY deployment)',
    path: ['streams'],
  })
  .refine((spec) => spec.streams !== 'target-revision' || spec.logStreamPrefix === undefined, {
    error: 'streams: target-revision names the streams itself; it cannot be combined with logStreamPrefix',
    path: ['logStreamPrefix'],
  })
  .refine((spec) => spec.since !== undefined || spec.sinceDeployment === true, {
    error: 'set a time window: since (e.g. "5m"), sinceDeployment: true, or both (the later start wins)',
  })
  .refine((spec) => spec.sinceDeployment !== true || spec.service !== undefined, {
    error: 'sinceDeployment needs cluster + service (the PRIMARY deployment\'s createdAt starts the window)',
    path: ['sinceDeployment'],
  });

export type LogsSpec = z.output<typeof logsSchema>;

export type { LogEvidence } from './logs-scan.js';

/** One search of a spec's window: where and when it looked (resolved), and what the scan found. */
export interface LogSearch extends LogScan {
  logGroup: string;
  pattern: string;
  /** Epoch ms. */
  startTime: number;
  /** Epoch ms: "now" at the attempt. */
  endTime: number;
  /** The AWS region searched (the logs client's). */
  region: string;
  /** Which engine answered: FilterLogEvents pages or a Logs Insights query. */
  engine: 'filter' | 'insights';
  /** Why `auto` chose Insights, when it did. */
  engineReason?: string;
  /** Records the Insights count query scanned (its statistics), when Insights answered. */
  recordsScanned?: number;
  /** The streams searched with `streams: target-revision` (else every stream). */
  logStreams?: string[];
}

interface SearchWindow {
  logGroup: string;
  startTime: number;
  endTime: number;
}

/** The schema guarantees cluster + service wherever this is called. */
function serviceRef(spec: LogsSpec): ServiceRef {
  if (!spec.cluster || !spec.service) throw new Error('cluster + service missing (the schema requires them here)');
  return { cluster: spec.cluster, service: spec.service };
}

async function deploymentStart(ctx: CheckContext, { cluster, service }: ServiceRef, described?: Promise<Service>): Promise<number> {
  const primary = primaryDeployment(await (described ?? describeService(ctx, { cluster, service })));
  if (!primary?.createdAt) {
    throw new AttemptResultError({
      outcome: 'error',
      message: `ECS service ${service} in cluster ${cluster} has no PRIMARY deployment with a createdAt: cannot date sinceDeployment`,
      nextSteps: [`aws ecs describe-services --cluster ${cluster} --services ${service} --query 'services[0].deployments'`],
    });
  }
  return new Date(primary.createdAt).getTime();
}

/**
 * Where a window starts, epoch ms: `since` before `now`, the deployment's start, or with both the
 * later of the two (since the deployment, but never further back than `since`). Pure.
 */
export function windowStart(now: number, since: number | undefined, deployedAt: number | undefined): number {
  if (since === undefined) {
    if (deployedAt === undefined) throw new Error('windowStart: neither since nor a deployment start');
    return deployedAt;
  }
  return deployedAt === undefined ? now - since : Math.max(now - since, deployedAt);
}

async function resolveWindow(spec: LogsSpec, ctx: CheckContext): Promise<SearchWindow> {
  const endTime = Date.now();
  const byDeployment = spec.sinceDeployment === true;
  // One DescribeServices per attempt when both the log group and the window start need the service.
  const described = spec.logGroup === undefined && byDeployment ? describeService(ctx, serviceRef(spec)) : undefined;
  const [logGroup, deployedAt] = await Promise.all([
    spec.logGroup ?? serviceLogGroup(ctx, serviceRef(spec), spec.container, described),
    byDeployment ? deploymentStart(ctx, serviceRef(spec), described) : undefined,
  ]);
  return { logGroup, startTime: windowStart(endTime, spec.since, deployedAt), endTime };
}

/**
 * The region a client sends to (SDK v3 keeps it as a provider). Never throws: a missing region is
 * reported by the first call, through awsCall, with the SDK's own words.
 */
async function clientRegion(client: CloudWatchLogsClient): Promise<string> {
  try {
    const region: unknown = client.config.region;
    const value = typeof region === 'function' ? await (region as () => Promise<string>)() : region;
    return typeof value === 'string' && value ? value : 'an unknown region';
  } catch {
    return 'an unknown region';
  }
}

function logGroupMissing(spec: LogsSpec, logGroup: string, region: string): AttemptResultError {
  const source = spec.logGroup ? '' : ` (awslogs-group of ECS service ${spec.service})`;
  const parent = logGroup.slice(0, logGroup.lastIndexOf('/') + 1);
  const regionFlag = /^[a-z0-9-]+$/.test(region) ? ` --region ${region}` : '';
  return new AttemptResultError({
    outcome: 'fail',
    message: `log group ${logGroup}${source} does not exist in ${region}`,
    observations: [{ what: `log group ${logGroup} in ${region}`, expected: 'exists', actual: 'ResourceNotFoundException', ok: false }],
    nextSteps: [
      parent.length > 1
        ? `aws logs describe-log-groups${regionFlag} --log-group-name-prefix ${shellQuote(parent)} --query 'logGroups[*].logGroupName'`
        : `aws logs describe-log-groups${regionFlag} --query 'logGroups[*].logGroupName'`,
    ],
    facts: { logGroup, region },
  });
}

const HOUR_MS = 3_600_000;
/** FilterLogEvents' logStreamNames takes at most 100 names. */
const MAX_FILTER_STREAMS = 100;

/** `streams: target-revision`'s stream names, or undefined for every stream. */
async function streamsOf(spec: LogsSpec, ctx: CheckContext, logGroup: string): Promise<string[] | undefined> {
  if (spec.streams !== 'target-revision') return undefined;
  const streams = await targetRevisionStreams(ctx, serviceRef(spec), logGroup, spec.container);
  if (spec.engine === 'filter' && streams.length > MAX_FILTER_STREAMS) {
    throw new AttemptResultError({
      outcome: 'error',
      message: `streams: target-revision found ${streams.length} log streams; FilterLogEvents takes at most ${MAX_FILTER_STREAMS}: use engine insights or auto`,
    });
  }
  return streams;
}

/**
 * The log group's class (STANDARD / INFREQUENT_ACCESS), or undefined when DescribeLogGroups cannot
 * say (denied, throttled, absent): `auto` then stays with FilterLogEvents, which reports for itself.
 * API called: logs:DescribeLogGroups.
 */
async function logGroupClass(client: CloudWatchLogsClient, ctx: CheckContext, logGroup: string): Promise<string | undefined> {
  const { DescribeLogGroupsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  try {
    const out = await awsCall(ctx, 'logs:DescribeLogGroups', (abortSignal) => client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroup }), { abortSignal }), {
      logGroups: 'array',
    });
    return out?.logGroups?.find((g) => g.logGroupName === logGroup)?.logGroupClass;
  } catch (error) {
    if (!(error instanceof AttemptResultError)) throw error;
    ctx.log.debug(`DescribeLogGroups ${logGroup}: ${error.result.message}`);
    return undefined;
  }
}

/**
 * Why `auto` (or `insights`) uses Logs Insights before any FilterLogEvents call, or undefined for
 * FilterLogEvents. `auto` never picks Insights for a pattern it cannot translate.
 */
export async function insightsReason(spec: LogsSpec, window: SearchWindow, client: CloudWatchLogsClient, ctx: CheckContext, streams?: string[]): Promise<string | undefined> {
  if (spec.engine === 'insights') return 'engine: insights';
  if (spec.engine === 'filter' || !translatePattern(spec.pattern).ok) return undefined;
  if (streams && streams.length > MAX_FILTER_STREAMS) return `the rollout has ${streams.length} log streams (FilterLogEvents takes ${MAX_FILTER_STREAMS})`;
  if (window.endTime - window.startTime > HOUR_MS) return 'the window is over 1 hour';
  if ((throttledInARow.get(spec) ?? 0) >= 2) return 'FilterLogEvents was throttled twice in a row';
  if ((await logGroupClass(client, ctx, window.logGroup)) === 'INFREQUENT_ACCESS') return 'the log group is INFREQUENT_ACCESS (FilterLogEvents does not read it)';
  return undefined;
}

/**
 * Throttled FilterLogEvents answers in a row, per check (the runner passes one spec object to every
 * attempt of a check). Throttling ends an attempt at once (the SDK does not retry it), so "twice in
 * a row" spans attempts.
 */
const throttledInARow = new WeakMap<LogsSpec, number>();

/** Records a scan's throttling; true when `auto` should now move to Insights. */
function throttledTwice(spec: LogsSpec, scan: LogScan): boolean {
  // A scan's failure is a `retry` only when FilterLogEvents was throttled (awsErrorResult).
  const throttledNow = !scan.complete && scan.failure?.outcome === 'retry';
  const inARow = throttledNow ? (throttledInARow.get(spec) ?? 0) + Math.max(scan.throttled, 1) : 0;
  throttledInARow.set(spec, inARow);
  return spec.engine === 'auto' && inARow >= 2 && scan.matchCount === 0 && translatePattern(spec.pattern).ok;
}

function budgetLabel(ctx: CheckContext, budgetMs: number): string {
  return `${Math.round(TIME_BUDGET_SHARE * 100)}% (${formatDuration(budgetMs)}) of the ${formatDuration(ctx.timeoutMs)} attempt timeout`;
}

/**
 * Resolves the spec's window (log group, start, "now") and searches it with the spec's engine:
 * FilterLogEvents pages (`scanLogEvents`) or a Logs Insights count + evidence query
 * (`queryLogEvents`); `auto` picks as `insightsReason` says, and moves to Insights when
 * FilterLogEvents was throttled twice. Work stops at 80 % of the attempt timeout so a long search
 * ends with a report, not an abort. With `stopAtFirstMatch` a FilterLogEvents scan returns at the
 * first page with a match.
 * APIs called: logs:FilterLogEvents, logs:DescribeLogGroups (auto), logs:StartQuery,
 * logs:GetQueryResults, logs:StopQuery (Insights); ecs:DescribeServices and
 * ecs:DescribeTaskDefinition with cluster + service.
 * @throws AttemptResultError for a missing log group (fail) and for ECS look-up failures.
 */
export async function searchLogs(spec: LogsSpec, ctx: CheckContext, { stopAtFirstMatch = false } = {}): Promise<LogSearch> {
  const started = Date.now();
  const window = await resolveWindow(spec, ctx);
  const client = await ctx.clients.get(logsClient);
  const region = await clientRegion(client);
  const budgetMs = ctx.timeoutMs * TIME_BUDGET_SHARE;
  const common = { ...window, maxEvidence: spec.maxEvidence, deadline: started + budgetMs, deadlineLabel: budgetLabel(ctx, budgetMs) };
  const insights = async (engineReason: string): Promise<LogSearch> => {
    const translated = translatePattern(spec.pattern);
    const filter = translated.ok ? translated.filter : undefined;
    const scan = await queryLogEvents(client, ctx, {
      ...common,
      ...(filter ? { filter } : {}),
      ...(streams ? { logStreams: streams } : {}),
      ...(spec.logStreamPrefix ? { logStreamPrefix: spec.logStreamPrefix } : {}),
    });
    ctx.log.debug(`Logs Insights ${window.logGroup}: ${scan.matchCount} matches, ${scan.recordsScanned ?? '?'} records scanned (${engineReason})`);
    return { ...window, pattern: spec.pattern, region, ...scan, engine: 'insights', engineReason, ...(streams ? { logStreams: streams } : {}) };
  };
  const streams = await streamsOf(spec, ctx, window.logGroup);
  try {
    const reason = await insightsReason(spec, window, client, ctx, streams);
    if (reason) return await insights(reason);
    const scan = await scanLogEvents(client, ctx, {
      ...common,
      pattern: spec.pattern,
      ...(spec.logStreamPrefix ? { logStreamPrefix: spec.logStreamPrefix } : {}),
      ...(streams ? { logStreamNames: streams } : {}),
      maxPages: spec.maxPages,
      stopAtFirstMatch,
    });
    ctx.log.debug(`FilterLogEvents ${window.logGroup}: ${scan.matchCount} matches in ${scan.pages} pages${scan.reasonIncomplete ? ` (${scan.reasonIncomplete})` : ''}`);
    if (throttledTwice(spec, scan)) return await insights('FilterLogEvents was throttled twice in a row');
    return { ...window, pattern: spec.pattern, region, ...scan, engine: 'filter', ...(streams ? { logStreams: streams } : {}) };
  } catch (error) {
    if (error instanceof LogGroupNotFoundError && !ctx.signal.aborted) throw logGroupMissing(spec, window.logGroup, region);
    throw error;
  }
}

/** `14:08:41Z` when on the same UTC day as `now`, else the full ISO time. */
export function formatTime(ms: number, now: number, { millis = false } = {}): string {
  const iso = new Date(ms).toISOString();
  if (iso.slice(0, 10) !== new Date(now).toISOString().slice(0, 10)) return iso;
  return `${iso.slice(11, millis ? 23 : 19)}Z`;
}

/** `14:10:43.692Z ecs/api/3f9c2b7e: ERROR: Redis connection failed: …` for the one-line message. */
export function formatEvidence(evidence: LogEvidence, now: number): string {
  const ms = Date.parse(evidence.timestamp);
  const when = Number.isNaN(ms) ? evidence.timestamp : formatTime(ms, now, { millis: true });
  return `${when} ${evidence.logStream}: ${evidence.message}`;
}

/** A pattern as people read it: quoted once (`"Redis connection failed"`), never `"\"…\""`. */
function shownPattern(pattern: string): string {
  return /^".*"$/s.test(pattern) ? pattern : JSON.stringify(pattern);
}

/** `"Redis connection failed" in /ecs/api since 14:08:41Z`. */
export function describeSearch(search: LogSearch): string {
  return `${shownPattern(search.pattern)} in ${search.logGroup} since ${formatTime(search.startTime, search.endTime)}`;
}

/** Quotes for a POSIX shell: bare when safe, else single quotes. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `aws logs tail` takes a relative time like 5m / 2h or an ISO timestamp. */
function tailSince(search: LogSearch, spec: LogsSpec): string {
  if (spec.since === undefined || spec.sinceDeployment === true) return new Date(search.startTime).toISOString();
  const ms = spec.since;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.ceil(ms / 1000)}s`;
}

export function logsNextSteps(search: LogSearch, spec: LogsSpec): string[] {
  const prefix = spec.logStreamPrefix ? ` --log-stream-name-prefix ${shellQuote(spec.logStreamPrefix)}` : '';
  const pattern = `'${search.pattern.replace(/'/g, `'\\''`)}'`;
  return [
    `aws logs tail ${shellQuote(search.logGroup)} --since ${tailSince(search, spec)}${prefix} --filter-pattern ${pattern}`,
    `aws logs filter-log-events --log-group-name ${shellQuote(search.logGroup)} --start-time ${search.startTime} --end-time ${search.endTime}${prefix} --filter-pattern ${pattern} --max-items 20`,
  ];
}

/** One observation per evidence event (the log text already neutralized). */
export function evidenceObservations(search: LogSearch, expected: string, ok: boolean): Observation[] {
  return search.matches.map((e) => ({ what: `event at ${e.timestamp} in ${e.logStream}`, expected, actual: e.message, ok }));
}

/** For describe(): where and since when a spec searches, before anything is resolved. */
export function describeLogsSpec(spec: LogsSpec): string {
  const where = spec.logGroup ?? `the awslogs group of ECS service ${spec.service} (cluster ${spec.cluster})`;
  const prefix = spec.logStreamPrefix ? ` (streams ${spec.logStreamPrefix}*)` : spec.streams === 'target-revision' ? ' (streams of the current rollout\'s tasks)' : '';
  const since =
    spec.since === undefined
      ? 'since the PRIMARY deployment started'
      : spec.sinceDeployment === true
        ? `since the PRIMARY deployment started, at most the last ${formatDuration(spec.since)} before each attempt`
        : `in the last ${formatDuration(spec.since)} before each attempt`;
  return `${shownPattern(spec.pattern)} in ${where}${prefix} ${since}`;
}

/**
 * The report's `details`: `{ logGroup, pattern, region, startTime, endTime, matches (count), pages,
 * evidence, complete, cut?, throttled?, emptyPages? }`. `cut` says why a scan ended before the end of
 * the window (absent when it read it all, or stopped at a match on purpose).
 */
export function searchDetails(search: LogSearch): Record<string, unknown> {
  return {
    logGroup: search.logGroup,
    pattern: search.pattern,
    region: search.region,
    startTime: new Date(search.startTime).toISOString(),
    endTime: new Date(search.endTime).toISOString(),
    matches: search.matchCount,
    pages: search.pages,
    evidence: search.matches,
    complete: search.complete,
    engine: search.engine,
    ...(search.logStreams ? { logStreams: search.logStreams } : {}),
    ...(search.engineReason ? { engineReason: search.engineReason } : {}),
    ...(search.recordsScanned !== undefined ? { recordsScanned: search.recordsScanned } : {}),
    ...(search.reasonIncomplete && !search.stoppedAtMatch ? { cut: search.reasonIncomplete } : {}),
    ...(search.throttled > 0 ? { throttled: search.throttled } : {}),
    ...(search.emptyPages > 0 ? { emptyPages: search.emptyPages } : {}),
  };
}

/** The parts of a logs result both checks build from a search. */
export interface SearchReport {
  /** `"Redis connection failed" in /ecs/api since 14:08:41Z`. */
  where: string;
  /** The first match as one line (`14:10:43.692Z ecs/api/3f9c2b7e: ERROR: …`), if any. */
  first?: string;
  details: Record<string, unknown>;
  nextSteps: string[];
  /** One observation per evidence event, each expected `expected` and judged `ok`. */
  evidence(expected: string, ok: boolean): Observation[];
}

export function searchReport(search: LogSearch, spec: LogsSpec): SearchReport {
  const first = search.matches[0];
  return {
    where: describeSearch(search),
    ...(first ? { first: formatEvidence(first, search.endTime) } : {}),
    details: searchDetails(search),
    nextSteps: logsNextSteps(search, spec),
    evidence: (expected, ok) => evidenceObservations(search, expected, ok),
  };
}

/** What to change so the next scan can finish. */
function scanAdvice(search: LogSearch): string {
  if (search.engine === 'insights') return 'narrow since, set logStreamPrefix or give the check a longer timeout (the queries were stopped)';
  if (search.throttled > 0) return 'AWS is throttling FilterLogEvents (an account-wide quota): retry later or give the check a longer timeout';
  if (search.stoppedBy === 'max-pages') return 'narrow since, set logStreamPrefix or raise maxPages';
  if (search.repeatedTokenPages > 0) return 'the endpoint kept answering empty pages with the same nextToken: check AWS_ENDPOINT_URL and any proxy, or retry later';
  return 'narrow since, set logStreamPrefix or give the check a longer timeout';
}

/**
 * The result of a scan that ended before the end of the window without a match: never a pass.
 * An AWS error that ended it keeps its own outcome (throttling → retry, AccessDenied → error, …);
 * a deadline or page limit is a `retry` that says the scan was incomplete. `unproven` ends the
 * message's first clause (e.g. ", so absence is not proven").
 */
export function unfinishedScanResult(search: LogSearch, spec: LogsSpec, shared: Pick<AttemptResult, 'observations' | 'facts'>, unproven = ''): AttemptResult {
  const details = searchDetails(search);
  const pages = search.engine === 'insights' ? 'the Logs Insights query' : `${search.pages} page${search.pages === 1 ? '' : 's'}`;
  const failure = search.failure;
  if (failure) {
    return {
      ...failure,
      message: search.pages > 0 ? `scan incomplete after ${pages}: ${failure.message}` : failure.message,
      ...shared,
      details: { ...failure.details, ...details },
      nextSteps: failure.nextSteps ?? logsNextSteps(search, spec),
    };
  }
  const found = search.pages > 0 || search.engine === 'insights' ? `no event matches ${describeSearch(search)} in the pages read` : `${describeSearch(search)} was not searched`;
  return {
    outcome: 'retry',
    message: `scan incomplete after ${pages} (${search.reasonIncomplete}): ${found}${unproven}; ${scanAdvice(search)}`,
    ...shared,
    details,
    nextSteps: logsNextSteps(search, spec),
  };
}
