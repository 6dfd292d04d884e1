/**
 * Why a run stopped before every check had its verdict, as one value. It travels as the reason of
 * the run's AbortController, so every place that sees the abort reads the same data.
 */
import { formatDuration } from './duration.js';
import type { CheckReport, RunReport, SkipInfo } from './result.js';

export type RunStop =
  | { kind: 'signal'; signal: 'SIGINT' | 'SIGTERM' }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'fail-fast'; check: string; status: 'failed' | 'error' };

/**
 * The stop a caller's abort reason stands for. Library callers abort with "SIGINT"/"SIGTERM" (the
 * documented RunOptions.signal contract) or a RunStop; anything else counts as SIGINT.
 */
export function stopFromReason(reason: unknown): RunStop {
  if (isRunStop(reason)) return reason;
  if (reason instanceof RunTimeout) return { kind: 'timeout', timeoutMs: reason.timeoutMs };
  if (reason === 'SIGTERM') return { kind: 'signal', signal: 'SIGTERM' };
  return { kind: 'signal', signal: 'SIGINT' };
}

export function isRunStop(value: unknown): value is RunStop {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return typeof value === 'object' && (kind === 'signal' || kind === 'timeout' || kind === 'fail-fast');
}

/** "run timeout of 5s reached": the deadline's message, in skip reasons and timed-out checks. */
export function timeoutMessage(timeoutMs: number): string {
  return `run timeout of ${formatDuration(timeoutMs)} reached`;
}

/** The JSON `interrupted` field for a stop; fail-fast is a verdict, not an interruption. */
export function interruptedField(stop: RunStop): RunReport['interrupted'] {
  if (stop.kind === 'signal') return stop.signal;
  if (stop.kind === 'timeout') return 'timeout';
  return undefined;
}

/** How a check the stop kept from finishing is skipped: data and the JSON `skipReason` text. */
export function skipForStop(stop: RunStop): { skip: SkipInfo; text: string } {
  switch (stop.kind) {
    case 'signal':
      return { skip: { reason: 'interrupted' }, text: 'interrupted' };
    case 'timeout':
      return { skip: { reason: 'deadline' }, text: timeoutMessage(stop.timeoutMs) };
    case 'fail-fast':
      return { skip: { reason: 'fail-fast', because: stop.check }, text: `fail-fast: "${stop.check}" ${stop.status === 'error' ? 'errored' : 'failed'}` };
  }
}

/** The text of a needs-skip ("needs "x", which failed"): the JSON `skipReason` wording. */
export function needsSkipText(need: string, status: CheckReport['status']): string {
  const which = status === 'skipped' ? 'was skipped' : status === 'error' ? 'errored' : status === 'inconclusive' ? 'was inconclusive' : 'failed';
  return `needs "${need}", which ${which}`;
}

/**
 * The run deadline as an Error, for library callers that abort with it (kept from the first API);
 * the runner itself passes `{ kind: 'timeout' }` stops.
 */
export class RunTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(timeoutMessage(timeoutMs));
    this.name = 'RunTimeout';
  }
}
