/**
 * The one CloudWatch Logs scan `logs-absent` and `logs-present` share: pages through
 * FilterLogEvents over a window until the service says there is nothing more (no nextToken), the
 * caller's deadline passes, or a page limit is reached — and says which. Memory stays flat: a count
 * and the first few events are kept, never the pages.
 *
 * Why it is careful (FilterLogEvents API reference): a page "can return empty results while there
 * are more log events available through the token", so an empty page never ends the scan; only a
 * missing nextToken does. A response without `events` is not from the API and ends in an error,
 * never in "no event matches".
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudWatchLogsClient, FilteredLogEvent, FilterLogEventsCommandInput, FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { AttemptResultError, type AttemptResult, type CheckContext } from '../types.js';
import { awsCall, awsErrorResult, type ResponseShape } from './aws.js';
import { neutralize } from './untrusted.js';
import { abortPromise } from './abort.js';

export const FILTER_ACTION = 'logs:FilterLogEvents';

/**
 * What every FilterLogEvents answer holds: `events` (possibly empty), each with the event's
 * `message`, `timestamp` (epoch ms) and `logStreamName`. `nextToken` is optional by design.
 */
export const FILTER_RESPONSE_SHAPE: ResponseShape = {
  events: 'array',
  'events[].message': 'string',
  'events[].timestamp': 'number',
  'events[].logStreamName': 'string',
};

const EVIDENCE_MAX_CHARS = 300;
/** Pause before asking again for a token the service just returned unchanged with an empty page. */
const REPEAT_PAUSE_MS = { first: 50, max: 1_000 };

/** One matching event as shown in a report; text from the log is neutralized. */
export interface LogEvidence {
  /** ISO 8601. */
  timestamp: string;
  logStream: string;
  /** One line, at most 300 characters (then `…`). */
  message: string;
}

/** What to scan. Times are epoch milliseconds. */
export interface ScanRequest {
  logGroup: string;
  pattern: string;
  startTime: number;
  endTime: number;
  logStreamPrefix?: string;
  /** Only these streams (FilterLogEvents logStreamNames, at most 100); not with logStreamPrefix. */
  logStreamNames?: string[];
  /** Most events kept as evidence; every match is counted. */
  maxEvidence: number;
  /** Most pages requested. */
  maxPages: number;
  /** No page is requested after this (epoch ms), and a page still pending then is abandoned. */
  deadline: number;
  /** Describes the deadline for messages, e.g. "80% of the 30s attempt timeout". */
  deadlineLabel: string;
  /** Return at the first page with a match (requests pages of `maxEvidence` events). */
  stopAtFirstMatch: boolean;
}

/** What a scan found, and whether what it found covers the whole window. */
export interface LogScan {
  /** The first `maxEvidence` matching events (bounded evidence). */
  matches: LogEvidence[];
  /** Matching events in the pages read: all of the window's only when `complete`. */
  matchCount: number;
  /** True when the last page came back without a nextToken: the whole window was read. */
  complete: boolean;
  /** FilterLogEvents pages answered. */
  pages: number;
  /** Why the scan ended before the end of the window; set whenever `complete` is false. */
  reasonIncomplete?: string;
  /** What ended an incomplete scan, as data (`reasonIncomplete` says it in words). */
  stoppedBy?: ScanStop;
  /** True when it ended early because `stopAtFirstMatch` found a match (evidence, not a fault). */
  stoppedAtMatch: boolean;
  /** The AWS error (as an attempt result) that ended the scan, when one did. */
  failure?: AttemptResult;
  /** FilterLogEvents answers that were throttling errors, including those the SDK retried. */
  throttled: number;
  /** Pages that came back empty with a nextToken. */
  emptyPages: number;
  /** Of those, the last ones in a row that returned the very token they were asked for. */
  repeatedTokenPages: number;
}

/** What can end a scan before the end of the window. */
export type ScanStop = 'match' | 'max-pages' | 'deadline' | 'repeated-token' | 'error';

/** FilterLogEvents answered ResourceNotFoundException: the log group does not exist. */
export class LogGroupNotFoundError extends Error {
  constructor(readonly logGroup: string) {
    super(`log group ${logGroup} does not exist`);
    this.name = 'LogGroupNotFoundError';
  }
}

/**
 * The errors FilterLogEvents documents, and how each ends an attempt where it differs from the
 * generic mapping (`awsErrorResult`: throttling → retry, AccessDenied/credentials → error, HTTP 5xx
 * and network → retried error). ResourceNotFoundException is handled before this (missing group).
 */
const FILTER_ERRORS: Readonly<Record<string, (result: AttemptResult) => AttemptResult>> = {
  // A server fault whatever HTTP status carried it: transient.
  ServiceUnavailableException: (result) => ({ ...result, retryable: true }),
  // The request itself is wrong (pattern syntax, window, prefix): asking again cannot help.
  InvalidParameterException: (result) => ({
    ...result,
    retryable: false,
    message: `${result.message} (check the filter pattern's syntax, the time window and logStreamPrefix)`,
    nextSteps: ['https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html', ...(result.nextSteps ?? [])],
  }),
};

/** awsErrorResult maps throttling, and only throttling, to `retry`. */
const isThrottling = (error: unknown) => awsErrorResult(error, FILTER_ACTION).outcome === 'retry';

function evidenceOf(event: FilteredLogEvent): LogEvidence {
  const flat = [...(event.message ?? '').replace(/\s*\n\s*/g, ' ').trim()];
  const text = flat.length > EVIDENCE_MAX_CHARS ? `${flat.slice(0, EVIDENCE_MAX_CHARS).join('')}…` : flat.join('');
  return {
    timestamp: event.timestamp !== undefined ? new Date(event.timestamp).toISOString() : 'unknown time',
    logStream: neutralize(event.logStreamName ?? '?'),
    message: neutralize(text),
  };
}

const TIMED_OUT = Symbol('deadline passed');

/**
 * Runs `work` with a signal that also aborts at `deadline`; TIMED_OUT when the deadline (not the
 * attempt) ended it. Races the work too: an SDK retry back-off does not watch its signal.
 */
async function beforeDeadline<T>(ctx: CheckContext, deadline: number, work: (signal: AbortSignal) => Promise<T>): Promise<T | typeof TIMED_OUT> {
  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(new DOMException('scan deadline passed', 'TimeoutError')), Math.max(0, deadline - Date.now()));
  const signal = AbortSignal.any([ctx.signal, budget.signal]);
  const aborted = abortPromise(signal);
  const running = work(signal);
  running.catch(() => {});
  try {
    return await Promise.race([running, aborted.promise]);
  } catch (error) {
    if (budget.signal.aborted && !ctx.signal.aborted) return TIMED_OUT;
    throw error;
  } finally {
    clearTimeout(timer);
    aborted.dispose();
  }
}

interface PageRead {
  page?: FilterLogEventsCommandOutput;
  failure?: AttemptResult;
}

/**
 * One FilterLogEvents call through awsCall (errors and malformed answers become attempt results),
 * counting throttled answers the SDK retries on its own (a middleware inside its retry loop).
 * @throws LogGroupNotFoundError on ResourceNotFoundException; the abort when the attempt ends.
 */
async function readPage(client: CloudWatchLogsClient, ctx: CheckContext, input: FilterLogEventsCommandInput, onThrottled: () => void): Promise<PageRead> {
  const { FilterLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
  const command = new FilterLogEventsCommand(input);
  command.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isThrottling(error)) onThrottled();
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'verifyDeploymentThrottleCount' },
  );
  let errorName: string | undefined;
  try {
    const page = await awsCall(
      ctx,
      FILTER_ACTION,
      async (abortSignal) => {
        try {
          return await client.send(command, { abortSignal });
        } catch (error) {
          errorName = (error as { name?: string })?.name;
          throw error;
        }
      },
      FILTER_RESPONSE_SHAPE,
    );
    return { page };
  } catch (error) {
    if (!(error instanceof AttemptResultError)) throw error;
    if (errorName === 'ResourceNotFoundException') throw new LogGroupNotFoundError(String(input.logGroupName));
    const adjust = errorName !== undefined ? FILTER_ERRORS[errorName] : undefined;
    const result = adjust ? adjust(error.result) : error.result;
    return { failure: { ...result, message: neutralize(result.message) } };
  }
}

/** Why no further page may be requested now, if so. */
function stopBefore(scan: LogScan, request: ScanRequest): [ScanStop, string] | undefined {
  if (scan.pages >= request.maxPages) return ['max-pages', `maxPages (${request.maxPages}) reached`];
  if (Date.now() >= request.deadline) return ['deadline', `pages stop at ${request.deadlineLabel}`];
  return undefined;
}

/**
 * Scans `request`'s window with FilterLogEvents and returns what it found and whether that covers
 * the whole window. Never throws for an AWS error: the scan ends with `failure` set instead.
 * API called: logs:FilterLogEvents (once per page).
 * @throws LogGroupNotFoundError when the log group does not exist; the abort when the attempt ends.
 */
export async function scanLogEvents(client: CloudWatchLogsClient, ctx: CheckContext, request: ScanRequest): Promise<LogScan> {
  const scan: LogScan = { matches: [], matchCount: 0, complete: false, pages: 0, stoppedAtMatch: false, throttled: 0, emptyPages: 0, repeatedTokenPages: 0 };
  let nextToken: string | undefined;
  const end = (stoppedBy: ScanStop, reason: string) => {
    scan.stoppedBy = stoppedBy;
    const throttled = scan.throttled > 0 ? `; AWS throttled ${FILTER_ACTION} ${scan.throttled} time${scan.throttled === 1 ? '' : 's'}` : '';
    const repeats = scan.repeatedTokenPages;
    const looping = repeats > 0 ? `; the last ${repeats} pages came back empty with the token they were asked for` : '';
    scan.reasonIncomplete = `${reason}${throttled}${looping}`;
    return scan;
  };
  for (;;) {
    const stop = stopBefore(scan, request);
    if (stop) return end(...stop);
    const input: FilterLogEventsCommandInput = {
      logGroupName: request.logGroup,
      filterPattern: request.pattern,
      startTime: request.startTime,
      endTime: request.endTime,
      ...(request.logStreamPrefix ? { logStreamNamePrefix: request.logStreamPrefix } : {}),
      ...(request.logStreamNames ? { logStreamNames: request.logStreamNames } : {}),
      // Counting needs full pages; stopping at the first match only needs the evidence.
      ...(request.stopAtFirstMatch ? { limit: request.maxEvidence } : {}),
      ...(nextToken ? { nextToken } : {}),
    };
    const read = await beforeDeadline(ctx, request.deadline, (signal) => readPage(client, { ...ctx, signal }, input, () => (scan.throttled += 1)));
    if (read === TIMED_OUT) return end('deadline', `page ${scan.pages + 1} got no answer before ${request.deadlineLabel}`);
    if (read.failure || !read.page) {
      scan.failure = read.failure;
      return end('error', read.failure?.message ?? 'no answer');
    }
    const events = read.page.events ?? [];
    scan.pages += 1;
    scan.matchCount += events.length;
    for (const event of events.slice(0, Math.max(0, request.maxEvidence - scan.matches.length))) scan.matches.push(evidenceOf(event));
    const sent = nextToken;
    nextToken = read.page.nextToken;
    if (!nextToken) {
      scan.complete = true;
      return scan;
    }
    if (events.length === 0) scan.emptyPages += 1;
    if (request.stopAtFirstMatch && scan.matchCount > 0) {
      scan.stoppedAtMatch = true;
      return end('match', 'stopped at the first page with a match');
    }
    if (nextToken !== sent) {
      scan.repeatedTokenPages = 0;
      continue;
    }
    // The token we sent came back. With events, asking again would count them twice.
    if (events.length > 0) return end('repeated-token', 'the service returned the token it was asked for with events (paging on would count them twice)');
    scan.repeatedTokenPages += 1;
    const pause = Math.min(REPEAT_PAUSE_MS.first * 2 ** (scan.repeatedTokenPages - 1), REPEAT_PAUSE_MS.max);
    if ((await beforeDeadline(ctx, request.deadline, (signal) => sleep(pause, undefined, { signal }))) === TIMED_OUT) {
      return end('deadline', `pages stop at ${request.deadlineLabel}`);
    }
  }
}
