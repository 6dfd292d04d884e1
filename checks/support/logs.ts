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
import { logsClient } from './aws.js';
import { describeService, primaryDeployment, serviceLogGroup, type ServiceRef } from './ecs.js';
import { LogGroupNotFoundError, scanLogEvents, type LogEvidence, type LogScan } from './logs-scan.js';

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
    since: durationSchema.optional().meta({ description: 'Search events from this long before each attempt until the attempt, e.g. "5m".' }),
    sinceDeployment: z
      .boolean()
      .optional()
      .meta({ description: 'Search events since the service\'s PRIMARY deployment was created (needs cluster + service).' }),
    logStreamPrefix: z.string().min(1).optional().meta({ description: 'Only streams whose name starts with this (logStreamNamePrefix), e.g. "ecs/api/".' }),
    maxEvidence: z.number().int().min(1).max(100).default(5).meta({ description: 'How many matching events to show as evidence (all matches are counted).' }),
    maxPages: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .meta({ description: 'Most FilterLogEvents pages read per attempt (up to 10,000 events each); a scan that needs more is incomplete, never a pass.' }),
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
  .refine((spec) => (spec.since !== undefined) !== (spec.sinceDeployment === true), {
    error: 'set exactly one time window: since (e.g. "5m") or sinceDeployment: true',
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

async function resolveWindow(spec: LogsSpec, ctx: CheckContext): Promise<SearchWindow> {
  const endTime = Date.now();
  // One DescribeServices per attempt when both the log group and the window start need the service.
  const described = spec.logGroup === undefined && spec.since === undefined ? describeService(ctx, serviceRef(spec)) : undefined;
  const [logGroup, startTime] = await Promise.all([
    spec.logGroup ?? serviceLogGroup(ctx, serviceRef(spec), spec.container, described),
    spec.since !== undefined ? endTime - spec.since : deploymentStart(ctx, serviceRef(spec), described),
  ]);
  return { logGroup, startTime, endTime };
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

/**
 * Resolves the spec's window (log group, start, "now") and scans it with FilterLogEvents (see
 * `scanLogEvents`). Pages stop at 80 % of the attempt timeout so a long scan ends with a report,
 * not an abort. With `stopAtFirstMatch` it returns at the first page with a match.
 * APIs called: logs:FilterLogEvents; ecs:DescribeServices and ecs:DescribeTaskDefinition with
 * cluster + service.
 * @throws AttemptResultError for a missing log group (fail) and for ECS look-up failures.
 */
export async function searchLogs(spec: LogsSpec, ctx: CheckContext, { stopAtFirstMatch = false } = {}): Promise<LogSearch> {
  const started = Date.now();
  const window = await resolveWindow(spec, ctx);
  const client = await ctx.clients.get(logsClient);
  const region = await clientRegion(client);
  const budgetMs = ctx.timeoutMs * TIME_BUDGET_SHARE;
  try {
    const scan = await scanLogEvents(client, ctx, {
      ...window,
      pattern: spec.pattern,
      ...(spec.logStreamPrefix ? { logStreamPrefix: spec.logStreamPrefix } : {}),
      maxEvidence: spec.maxEvidence,
      maxPages: spec.maxPages,
      deadline: started + budgetMs,
      deadlineLabel: `${Math.round(TIME_BUDGET_SHARE * 100)}% (${formatDuration(budgetMs)}) of the ${formatDuration(ctx.timeoutMs)} attempt timeout`,
      stopAtFirstMatch,
    });
    const search: LogSearch = { ...window, pattern: spec.pattern, region, ...scan };
    ctx.log.debug(`FilterLogEvents ${window.logGroup}: ${scan.matchCount} matches in ${scan.pages} pages${scan.reasonIncomplete ? ` (${scan.reasonIncomplete})` : ''}`);
    return search;
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
  if (spec.since === undefined) return new Date(search.startTime).toISOString();
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
  const prefix = spec.logStreamPrefix ? ` (streams ${spec.logStreamPrefix}*)` : '';
  const since = spec.since !== undefined ? `in the last ${formatDuration(spec.since)} before each attempt` : 'since the PRIMARY deployment started';
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
  const pages = `${search.pages} page${search.pages === 1 ? '' : 's'}`;
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
  const found = search.pages > 0 ? `no event matches ${describeSearch(search)} in the pages read` : `${describeSearch(search)} was not searched`;
  return {
    outcome: 'retry',
    message: `scan incomplete after ${pages} (${search.reasonIncomplete}): ${found}${unproven}; ${scanAdvice(search)}`,
    ...shared,
    details,
    nextSteps: logsNextSteps(search, spec),
  };
}
