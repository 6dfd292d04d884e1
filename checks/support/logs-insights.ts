/**
 * The Logs Insights engine of `logs-absent` / `logs-present`: counts matching events server-side
 * (`stats count(*)`) and fetches the newest `maxEvidence` of them in a second, concurrent query.
 * Each query is polled with GetQueryResults (back-off 100 ms doubling to 2 s) until Complete;
 * Failed / Cancelled / Timeout end the search with the reason (never a pass). When the attempt is
 * aborted, or the deadline passes with a query still Scheduled/Running, the queries are stopped
 * (StopQuery) so they do not hold one of the account's concurrent-query slots.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudWatchLogsClient, GetQueryResultsCommandOutput, ResultField } from '@aws-sdk/client-cloudwatch-logs';
import { AttemptResultError, type AttemptResult, type CheckContext } from '../types.js';
import { awsCall, type ResponseShape } from './aws.js';
import { LogGroupNotFoundError, type LogEvidence, type LogScan } from './logs-scan.js';
import { neutralize } from './untrusted.js';
import { timeoutSignal } from './abort.js';

export const START_QUERY_ACTION = 'logs:StartQuery';
export const GET_QUERY_RESULTS_ACTION = 'logs:GetQueryResults';
export const STOP_QUERY_ACTION = 'logs:StopQuery';

const START_SHAPE: ResponseShape = { queryId: 'string' };
const RESULTS_SHAPE: ResponseShape = { status: 'string' };
const POLL_MS = { first: 100, max: 2_000 };
const EVIDENCE_MAX_CHARS = 300;

/** What to query. Times are epoch milliseconds. */
export interface InsightsRequest {
  logGroup: string;
  /** The translated filter expression (`translatePattern`); undefined matches every event. */
  filter?: string;
  /** Only these log streams (`filter @logStream in [...]`), when set. */
  logStreams?: string[];
  /** Only streams whose name starts with this. */
  logStreamPrefix?: string;
  startTime: number;
  endTime: number;
  maxEvidence: number;
  /** No poll after this (epoch ms): the queries are stopped and the search is incomplete. */
  deadline: number;
  deadlineLabel: string;
}

/** An Insights search: a LogScan (pages are 0) plus the records the count query scanned. */
export interface InsightsScan extends LogScan {
  recordsScanned?: number;
}

/** The query strings for a request: `[count, evidence]`. */
export function insightsQueries(request: Pick<InsightsRequest, 'filter' | 'logStreams' | 'logStreamPrefix' | 'maxEvidence'>): [string, string] {
  const filters: string[] = [];
  if (request.logStreams) filters.push(`filter @logStream in [${request.logStreams.map((s) => JSON.stringify(s)).join(', ')}]`);
  if (request.logStreamPrefix) filters.push(`filter @logStream like /^${request.logStreamPrefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/`);
  if (request.filter) filters.push(`filter ${request.filter}`);
  const where = filters.map((f) => `${f} | `).join('');
  return [`${where}stats count(*) as matches`, `fields @timestamp, @logStream, @message | ${where}sort @timestamp desc | limit ${request.maxEvidence}`];
}

/** How a finished-but-not-Complete status ends the search. */
function statusFailure(status: string, which: string): AttemptResult {
  const base = `Logs Insights ${which} query ended ${status}`;
  if (status === 'Failed') return { outcome: 'error', retryable: true, message: `${base} (the service could not run it)` };
  if (status === 'Timeout') return { outcome: 'retry', message: `${base} (over the service's 60-minute query limit): narrow since or set logStreamPrefix` };
  return { outcome: 'retry', message: `${base}${status === 'Cancelled' ? ' (stopped by someone else)' : ''}` };
}

const field = (row: ResultField[], name: string) => row.find((f) => f.field === name)?.value;

function evidenceOf(row: ResultField[]): LogEvidence {
  const flat = [...(field(row, '@message') ?? '').replace(/\s*\n\s*/g, ' ').trim()];
  const text = flat.length > EVIDENCE_MAX_CHARS ? `${flat.slice(0, EVIDENCE_MAX_CHARS).join('')}…` : flat.join('');
  const raw = field(row, '@timestamp');
  // Insights answers `2025-10-07 14:10:43.692` (UTC); moto answers epoch milliseconds.
  const ms = raw === undefined ? NaN : /^\d+$/.test(raw) ? Number(raw) : Date.parse(`${raw.replace(' ', 'T')}Z`);
  return {
    timestamp: Number.isNaN(ms) ? 'unknown time' : new Date(ms).toISOString(),
    logStream: neutralize(field(row, '@logStream') ?? '?'),
    message: neutralize(text),
  };
}

type Poll = { done: GetQueryResultsCommandOutput } | { failure: AttemptResult } | { deadline: true };

/** Polls one query until it leaves Scheduled/Running, the deadline passes, or the attempt aborts. */
async function poll(client: CloudWatchLogsClient, ctx: CheckContext, queryId: string, which: string, deadline: number): Promise<Poll> {
  const { GetQueryResultsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  for (let wait = POLL_MS.first; ; wait = Math.min(wait * 2, POLL_MS.max)) {
    const out = await awsCall(ctx, GET_QUERY_RESULTS_ACTION, (abortSignal) => client.send(new GetQueryResultsCommand({ queryId }), { abortSignal }), RESULTS_SHAPE);
    const status = String(out.status);
    if (status === 'Complete') return { done: out };
    if (status !== 'Scheduled' && status !== 'Running') return { failure: statusFailure(status, which) };
    if (Date.now() + wait >= deadline) return { deadline: true };
    await sleep(wait, undefined, { signal: ctx.signal });
  }
}

/** Best effort: a query that already finished answers an error, which changes nothing. */
async function stopQueries(client: CloudWatchLogsClient, ctx: CheckContext, queryIds: string[]): Promise<void> {
  const { StopQueryCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  await Promise.all(
    queryIds.map((queryId) =>
      Promise.resolve()
        .then(() => client.send(new StopQueryCommand({ queryId }), { abortSignal: timeoutSignal(5_000) }))
        .catch((error: unknown) => {
        ctx.log.debug(`StopQuery ${queryId}: ${(error as Error)?.message ?? String(error)}`);
      }),
    ),
  );
}

function emptyScan(): InsightsScan {
  return { matches: [], matchCount: 0, complete: false, pages: 0, stoppedAtMatch: false, throttled: 0, emptyPages: 0, repeatedTokenPages: 0 };
}

function failed(scan: InsightsScan, failure: AttemptResult): InsightsScan {
  return { ...scan, failure: { ...failure, message: neutralize(failure.message) }, stoppedBy: 'error', reasonIncomplete: failure.message };
}

/**
 * Runs the count and evidence queries over `request`'s window and returns what they found.
 * Never throws for an AWS error or a failed query: the scan ends with `failure` set instead.
 * APIs called: logs:StartQuery (2), logs:GetQueryResults (polls), logs:StopQuery (abort/deadline).
 * @throws the abort when the attempt ends (after stopping the queries); LogGroupNotFoundError when
 * StartQuery answers ResourceNotFoundException.
 */
export async function queryLogEvents(client: CloudWatchLogsClient, ctx: CheckContext, request: InsightsRequest): Promise<InsightsScan> {
  const { StartQueryCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const scan = emptyScan();
  const queries = insightsQueries(request);
  const started: string[] = [];
  let notFound = false;
  const start = async (queryString: string, limit?: number) => {
    const input = { logGroupName: request.logGroup, startTime: Math.floor(request.startTime / 1000), endTime: Math.ceil(request.endTime / 1000), queryString, ...(limit ? { limit } : {}) };
    const out = await awsCall(
      ctx,
      START_QUERY_ACTION,
      async (abortSignal) => {
        try {
          return await client.send(new StartQueryCommand(input), { abortSignal });
        } catch (error) {
          if ((error as { name?: string })?.name === 'ResourceNotFoundException') notFound = true;
          throw error;
        }
      },
      START_SHAPE,
    );
    started.push(String(out.queryId));
    return String(out.queryId);
  };
  try {
    const [countId, evidenceId] = await Promise.all([start(queries[0]), start(queries[1], request.maxEvidence)]);
    const [count, evidence] = await Promise.all([poll(client, ctx, countId, 'count', request.deadline), poll(client, ctx, evidenceId, 'evidence', request.deadline)]);
    for (const result of [count, evidence]) if ('failure' in result) return failed(scan, result.failure);
    if (!('done' in count) || !('done' in evidence)) {
      await stopQueries(client, ctx, started);
      return { ...scan, stoppedBy: 'deadline', reasonIncomplete: `the Logs Insights queries had not completed at ${request.deadlineLabel}` };
    }
    const counted = Number(field(count.done.results?.[0] ?? [], 'matches') ?? '0');
    if (!Number.isInteger(counted) || counted < 0) return failed(scan, { outcome: 'error', message: `unexpected response from ${GET_QUERY_RESULTS_ACTION}: count ${field(count.done.results?.[0] ?? [], 'matches')}` });
    const recordsScanned = count.done.statistics?.recordsScanned;
    return {
      ...scan,
      matchCount: counted,
      matches: (evidence.done.results ?? []).slice(0, request.maxEvidence).map(evidenceOf),
      complete: true,
      ...(recordsScanned !== undefined ? { recordsScanned } : {}),
    };
  } catch (error) {
    if (ctx.signal.aborted) {
      await stopQueries(client, ctx, started);
      throw ctx.signal.reason ?? error;
    }
    if (notFound) throw new LogGroupNotFoundError(request.logGroup);
    if (error instanceof AttemptResultError) {
      await stopQueries(client, ctx, started);
      return failed(scan, error.result);
    }
    throw error;
  }
}
