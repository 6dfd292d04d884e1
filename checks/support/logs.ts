/**
 * What logs-absent and logs-present share: the spec, where to search (log group and time window),
 * and one FilterLogEvents scan that keeps only a count and the first few events (flat memory).
 * The filter pattern is evaluated by CloudWatch Logs, never here.
 */
import { z } from 'zod';
import type { FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import type { Service } from '@aws-sdk/client-ecs';
import { durationSchema, formatDuration } from '../../runner/duration.js';
import { AttemptResultError, type CheckContext, type Observation } from '../types.js';
import { awsCall, logsClient } from './aws.js';
import { describeService, primaryDeployment, serviceLogGroup, type ServiceRef } from './ecs.js';

export const FILTER_ACTION = 'logs:FilterLogEvents';
/** Share of the attempt timeout pagination may use, so a long scan ends with a report, not an abort. */
const TIME_BUDGET_SHARE = 0.8;
const EVIDENCE_MAX_CHARS = 300;

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
      .meta({ description: 'Most FilterLogEvents pages read per attempt (up to 10,000 events each); a longer scan is reported as cut.' }),
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

export interface LogEvidence {
  timestamp: string;
  logStream: string;
  message: string;
}

export interface LogSearch {
  logGroup: string;
  pattern: string;
  startTime: number;
  endTime: number;
  matches: number;
  evidence: LogEvidence[];
  pages: number;
  /** Why the scan stopped before the end of the window; undefined when it searched all of it. */
  cut?: string;
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

function logGroupMissing(spec: LogsSpec, logGroup: string): AttemptResultError {
  const source = spec.logGroup ? '' : ` (awslogs-group of ECS service ${spec.service})`;
  const parent = logGroup.slice(0, logGroup.lastIndexOf('/') + 1);
  return new AttemptResultError({
    outcome: 'fail',
    message: `log group ${logGroup}${source} does not exist`,
    observations: [{ what: `log group ${logGroup}`, expected: 'exists', actual: 'ResourceNotFoundException', ok: false }],
    nextSteps: [
      parent.length > 1
        ? `aws logs describe-log-groups --log-group-name-prefix ${shellQuote(parent)} --query 'logGroups[*].logGroupName'`
        : `aws logs describe-log-groups --query 'logGroups[*].logGroupName'`,
    ],
  });
}

function evidenceOf(event: { timestamp?: number; logStreamName?: string; message?: string }): LogEvidence {
  const text = (event.message ?? '').replace(/\s*\n\s*/g, ' ').trim();
  return {
    timestamp: event.timestamp !== undefined ? new Date(event.timestamp).toISOString() : 'unknown time',
    logStream: event.logStreamName ?? '?',
    message: text.length > EVIDENCE_MAX_CHARS ? `${text.slice(0, EVIDENCE_MAX_CHARS)}…` : text,
  };
}

/**
 * Scans the window with FilterLogEvents, following nextToken to the end (pages can be empty and
 * still carry a token). With `stopAtFirstMatch` it returns as soon as a page has a match.
 */
export async function searchLogs(spec: LogsSpec, ctx: CheckContext, { stopAtFirstMatch = false } = {}): Promise<LogSearch> {
  const started = Date.now();
  const window = await resolveWindow(spec, ctx);
  const { FilterLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const client = await ctx.clients.get(logsClient);
  const search: LogSearch = { ...window, pattern: spec.pattern, matches: 0, evidence: [], pages: 0 };
  const budgetEnds = started + ctx.timeoutMs * TIME_BUDGET_SHARE;
  let nextToken: string | undefined;
  do {
    if (search.pages >= spec.maxPages) {
      search.cut = `stopped after maxPages (${spec.maxPages}) pages`;
      break;
    }
    if (search.pages > 0 && Date.now() > budgetEnds) {
      search.cut = `stopped after ${search.pages} pages to finish within the attempt timeout`;
      break;
    }
    const input = {
      logGroupName: window.logGroup,
      filterPattern: spec.pattern,
      startTime: window.startTime,
      endTime: window.endTime,
      ...(spec.logStreamPrefix ? { logStreamNamePrefix: spec.logStreamPrefix } : {}),
      // Counting needs full pages; stopping at the first match only needs the evidence.
      ...(stopAtFirstMatch ? { limit: spec.maxEvidence } : {}),
      ...(nextToken ? { nextToken } : {}),
    };
    const page: FilterLogEventsCommandOutput | undefined = await awsCall(ctx, FILTER_ACTION, async (abortSignal) => {
      try {
        return await client.send(new FilterLogEventsCommand(input), { abortSignal });
      } catch (error) {
        if ((error as { name?: string })?.name === 'ResourceNotFoundException' && !abortSignal.aborted) return undefined;
        throw error;
      }
    });
    if (!page) throw logGroupMissing(spec, window.logGroup);
    search.pages += 1;
    const events = page.events ?? [];
    search.matches += events.length;
    for (const event of events.slice(0, spec.maxEvidence - search.evidence.length)) search.evidence.push(evidenceOf(event));
    if (stopAtFirstMatch && search.matches > 0) break;
    // A repeated token would loop forever; CloudWatch ends with no token, but be safe.
    nextToken = page.nextToken && page.nextToken !== nextToken ? page.nextToken : undefined;
  } while (nextToken);
  ctx.log.debug(`FilterLogEvents ${window.logGroup}: ${search.matches} matches in ${search.pages} pages${search.cut ? ` (${search.cut})` : ''}`);
  return search;
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

export function evidenceObservations(search: LogSearch, expected: string, ok: boolean): Observation[] {
  return search.evidence.map((e) => ({ what: `event at ${e.timestamp} in ${e.logStream}`, expected, actual: e.message, ok }));
}

/** For describe(): where and since when a spec searches, before anything is resolved. */
export function describeLogsSpec(spec: LogsSpec): string {
  const where = spec.logGroup ?? `the awslogs group of ECS service ${spec.service} (cluster ${spec.cluster})`;
  const prefix = spec.logStreamPrefix ? ` (streams ${spec.logStreamPrefix}*)` : '';
  const since = spec.since !== undefined ? `in the last ${formatDuration(spec.since)} before each attempt` : 'since the PRIMARY deployment started';
  return `${shownPattern(spec.pattern)} in ${where}${prefix} ${since}`;
}

export function searchDetails(search: LogSearch): Record<string, unknown> {
  return {
    logGroup: search.logGroup,
    pattern: search.pattern,
    startTime: new Date(search.startTime).toISOString(),
    endTime: new Date(search.endTime).toISOString(),
    matches: search.matches,
    pages: search.pages,
    evidence: search.evidence,
    ...(search.cut ? { cut: search.cut } : {}),
  };
}
