/**
 * The live progress display. It writes only to the stream it is given (stderr in the CLI), so
 * machine output on stdout stays clean.
 * - On a terminal: finished checks become permanent lines; the checks in flight share one live
 *   line, rewritten in place with a spinner and the retry countdown.
 * - Elsewhere (CI logs): plain lines, one per event worth reading, nothing rewritten.
 * - With `verbose`, the checks' debug lines (`log` events, already masked) as well.
 */
import {
  createPaint,
  formatDuration,
  oneLine,
  STATUS_LOOK,
  truncate,
  type AttemptOutcome,
  type CheckReport,
  type CheckStatus,
  type Paint,
  type RunEvent,
  type RunEventListener,
} from '../../runner/index.js';

export interface ProgressOptions {
  stream: NodeJS.WritableStream;
  /** Rewrite a live line in place (only on a terminal). */
  tty: boolean;
  color: boolean;
  /** Width the live line is cut to; default: the stream's columns, else 100. */
  columns?: number;
  /** Clock for the retry countdown; default Date.now. */
  now?: () => number;
  /** Show the checks' debug lines (`--verbose`). */
  verbose?: boolean;
}

export interface Progress {
  listener: RunEventListener;
  /** Clears the live line and the spinner timer. Idempotent; later events are ignored. */
  stop(): void;
}

interface InFlight {
  name: string;
  attempt?: number;
  maxAttempts?: number;
  /** Message of the last finished attempt. */
  lastMessage?: string;
  /** When the next attempt starts, while waiting between attempts. */
  retryAt?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPINNER_INTERVAL_MS = 80;
const DEFAULT_COLUMNS = 100;
const CLEAR_LINE = '\r\u001b[2K';

const ATTEMPT_OUTCOME: { readonly [K in AttemptOutcome]: string } = {
  pass: 'passed',
  retry: 'not ready',
  fail: 'failed',
  error: 'error',
};

const CHECK_VERB: { readonly [K in CheckStatus]: string } = {
  passed: 'passed',
  failed: 'failed',
  error: 'errored',
  skipped: 'skipped',
};

function attemptLabel(attempt: number, maxAttempts: number | undefined): string {
  return maxAttempts ? `${attempt}/${maxAttempts}` : String(attempt);
}

/** `✓ service stable passed after 3 attempts in 12.4s: 1/1 tasks RUNNING` */
export function checkEndLine(check: CheckReport, paint: Paint): string {
  const look = STATUS_LOOK[check.status];
  const symbol = paint(check.status === 'passed' && check.flaky ? 'yellow' : look.style, look.symbol);
  const name = oneLine(check.name);
  if (check.status === 'skipped') return `${symbol} ${name} skipped: ${oneLine(check.skipReason ?? check.message)}`;
  const retries = check.attempts > 1 ? ` after ${check.attempts} attempts` : '';
  const message = check.message ? `: ${oneLine(check.message)}` : '';
  return `${symbol} ${name} ${CHECK_VERB[check.status]}${retries} in ${formatDuration(check.durationMs)}${message}`;
}

/** `  targets healthy: attempt 2/5 not ready: 1/2 healthy; next attempt in 4s` */
function attemptEndLine(event: Extract<RunEvent, { kind: 'attempt-end' }>, paint: Paint): string {
  const message = event.message ? `: ${oneLine(event.message)}` : '';
  const next = event.nextDelayMs !== undefined ? `; next attempt in ${formatDuration(event.nextDelayMs)}` : '';
  const outcome = ATTEMPT_OUTCOME[event.outcome];
  return `  ${oneLine(event.name)}: attempt ${attemptLabel(event.attempt, event.maxAttempts)} ${outcome}${message}${paint('dim', next)}`;
}

function retryCountdown(check: InFlight, now: number): string {
  const ms = (check.retryAt ?? now) - now;
  return ms > 0 ? `next retry in ${formatDuration(Math.ceil(ms / 1000) * 1000)}` : 'retrying now';
}

/** One check's part of the live line; `detailed` when it is the only one in flight. */
function liveSegment(check: InFlight, now: number, detailed: boolean): string {
  const name = oneLine(check.name);
  if (check.attempt === undefined) return `${name} — starting`;
  const attempt = `attempt ${attemptLabel(check.attempt, check.maxAttempts)}`;
  const last = check.lastMessage ? oneLine(check.lastMessage) : '';
  if (check.retryAt !== undefined) {
    const waiting = `${attempt}, ${retryCountdown(check, now)}`;
    return detailed ? `${name} — ${waiting}${last ? `: ${last}` : ''}` : `${name} (${waiting})`;
  }
  if (!detailed) return `${name} (${attempt})`;
  return `${name} — ${attempt}${last ? ` (previous: ${last})` : ''}`;
}

/**
 * The display for one run. Longer than 60 lines for a reason: it is one closure over the display's
 * state (checks in flight, the live line shown, the spinner timer); its parts are the small
 * functions inside, one handler per event kind.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { stream, tty } = options;
  const paint = createPaint(options.color);
  const now = options.now ?? Date.now;
  const inFlight = new Map<string, InFlight>();
  let frame = 0;
  let liveShown = '';
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function write(text: string): void {
    try {
      stream.write(text);
    } catch {
      // A closed stderr must not take the run down with it.
    }
  }

  function columns(): number {
    return options.columns ?? (stream as { columns?: number }).columns ?? DEFAULT_COLUMNS;
  }

  function liveLine(): string {
    if (!inFlight.size) return '';
    const checks = [...inFlight.values()];
    const segments = checks.map((check) => liveSegment(check, now(), checks.length === 1));
    const spinner = SPINNER[frame % SPINNER.length]!;
    // One column spare: writing into the last column makes some terminals wrap.
    return truncate(`${spinner} ${segments.join(' · ')}`, columns() - 1);
  }

  function clearLive(): void {
    if (liveShown) write(CLEAR_LINE);
    liveShown = '';
  }

  function drawLive(): void {
    if (!tty || stopped) return;
    const line = liveLine();
    if (line === liveShown) return;
    write(line ? `${CLEAR_LINE}${paint('cyan', line.slice(0, 1))}${line.slice(1)}` : CLEAR_LINE);
    liveShown = line;
  }

  function syncTimer(): void {
    if (!tty) return;
    if (inFlight.size && !timer) {
      timer = setInterval(() => {
        frame += 1;
        drawLive();
      }, SPINNER_INTERVAL_MS);
      timer.unref();
    } else if (!inFlight.size && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  function print(line: string): void {
    clearLive();
    write(`${line}\n`);
    drawLive();
  }

  const handlers: { [K in RunEvent['kind']]: (event: Extract<RunEvent, { kind: K }>) => void } = {
    'run-start': (event) => {
      const count = event.checks.length;
      print(`Verifying ${oneLine(event.scenario)}: ${count} ${count === 1 ? 'check' : 'checks'}`);
    },
    'check-start': (event) => {
      inFlight.set(event.name, { name: event.name });
      if (!tty) print(`${paint('cyan', '▶')} ${oneLine(event.name)} (${oneLine(event.type)})`);
    },
    'attempt-start': (event) => {
      const check = inFlight.get(event.name) ?? { name: event.name };
      inFlight.set(event.name, { ...check, attempt: event.attempt, maxAttempts: event.maxAttempts, retryAt: undefined });
    },
    'attempt-end': (event) => {
      const check = inFlight.get(event.name) ?? { name: event.name };
      const retryAt = event.nextDelayMs !== undefined ? now() + event.nextDelayMs : undefined;
      inFlight.set(event.name, {
        ...check,
        attempt: event.attempt,
        maxAttempts: event.maxAttempts,
        lastMessage: event.message,
        retryAt,
      });
      // A passing attempt is reported by check-end right after it.
      if (!tty && event.outcome !== 'pass') print(attemptEndLine(event, paint));
    },
    log: (event) => {
      if (options.verbose) print(paint('dim', `  ${oneLine(event.name)}: ${oneLine(event.message)}`));
    },
    'check-end': (event) => {
      inFlight.delete(event.report.name);
      print(checkEndLine(event.report, paint));
    },
    'run-end': () => {
      inFlight.clear();
      clearLive();
    },
  };

  function listener(event: RunEvent): void {
    if (stopped) return;
    (handlers[event.kind] as (event: RunEvent) => void)(event);
    syncTimer();
    drawLive();
  }

  function stop(): void {
    if (stopped) return;
    clearLive();
    stopped = true;
    if (timer) clearInterval(timer);
    timer = undefined;
  }

  return { listener, stop };
}
