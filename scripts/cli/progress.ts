/**
 * The live progress display. It writes only to the stream it is given (stderr in the CLI), so
 * machine output on stdout stays clean.
 * - On a terminal: finished checks become permanent lines; the checks in flight share one live
 *   line, rewritten in place with a spinner and the retry countdown.
 * Every text from a check or a scenario goes through oneLine (neutralize): a body holding
 * `##[stop-commands]` or an ESC sequence is shown, never obeyed.
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
  /** Width the live line is cut to; default: the stream's columns, else (also for 0) 80. */
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
  /**
   * From now on print no lines, only the live line on a terminal (cleared when idle): --watch's
   * later rounds, whose display is one line per round (or a table redrawn in place).
   */
  quiet(): void;
}

/** How a finished attempt ended, as the display tells it. */
interface AttemptEnd {
  attempt: number;
  outcome: AttemptOutcome;
  message: string;
}

interface InFlight {
  name: string;
  /** The attempt under way; undefined before the first one and between attempts. */
  running?: number;
  maxAttempts?: number;
  /** The latest finished attempt. */
  last?: AttemptEnd;
  /** When the next attempt starts, while waiting between attempts. */
  retryAt?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPINNER_INTERVAL_MS = 80;
/** Width of the live line when the terminal does not say (or says 0 columns). */
const DEFAULT_COLUMNS = 80;
const CLEAR_LINE = '\r\u001b[2K';

// `fail` is definitive (never retried): said so, so "attempt 1/5 failed" does not read as 4 to go.
const ATTEMPT_OUTCOME: { readonly [K in AttemptOutcome]: string } = {
  pass: 'passed',
  retry: 'not ready',
  fail: 'failed definitively',
  error: 'error',
  inconclusive: 'no data',
};

const CHECK_VERB: { readonly [K in CheckStatus]: string } = {
  passed: 'passed',
  failed: 'failed',
  error: 'errored',
  skipped: 'skipped',
  inconclusive: 'inconclusive',
};

function attemptLabel(attempt: number, maxAttempts: number | undefined): string {
  return maxAttempts ? `${attempt}/${maxAttempts}` : String(attempt);
}

/** `not ready: 1/2 healthy` */
function outcomeText(end: AttemptEnd): string {
  const message = oneLine(end.message);
  return `${ATTEMPT_OUTCOME[end.outcome]}${message ? `: ${message}` : ''}`;
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
  const next = event.nextDelayMs !== undefined ? `; next attempt in ${formatDuration(event.nextDelayMs)}` : '';
  return `  ${oneLine(event.name)}: attempt ${attemptLabel(event.attempt, event.maxAttempts)} ${outcomeText(event)}${paint('dim', next)}`;
}

/** The wait left, counting down visibly: tenths of a second under 10 s, whole seconds above. */
export function countdown(ms: number): string {
  if (ms <= 0) return 'now';
  if (ms < 10_000) return `in ${(Math.ceil(ms / 100) / 10).toFixed(1)}s`;
  return `in ${formatDuration(Math.ceil(ms / 1000) * 1000)}`;
}

/**
 * One check's part of the live line; `detailed` when it is the only one in flight:
 * `targets healthy — attempt 2/5 (previous: not ready: 1/2 healthy)` while an attempt runs,
 * `targets healthy — attempt 1/5 not ready, next attempt in 3.2s: 1/2 healthy` between attempts.
 */
function liveSegment(check: InFlight, now: number, detailed: boolean): string {
  const name = oneLine(check.name);
  const { running, last } = check;
  if (running !== undefined) {
    const attempt = `attempt ${attemptLabel(running, check.maxAttempts)}`;
    if (!detailed) return `${name} (${attempt})`;
    const previous = last && last.attempt < running ? ` (previous: ${outcomeText(last)})` : '';
    return `${name} — ${attempt}${previous}`;
  }
  if (!last) return `${name} — starting`;
  const ended = `attempt ${attemptLabel(last.attempt, check.maxAttempts)} ${ATTEMPT_OUTCOME[last.outcome]}`;
  const wait = check.retryAt !== undefined ? countdown(check.retryAt - now) : undefined;
  if (!detailed) return `${name} (${ended}${wait ? `, next ${wait}` : ''})`;
  const next = wait ? `, next attempt ${wait}` : '';
  const message = oneLine(last.message);
  return `${name} — ${ended}${next}${message ? `: ${message}` : ''}`;
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
  let quiet = false;

  function write(text: string): void {
    try {
      stream.write(text);
    } catch {
      // A closed stderr must not take the run down with it.
    }
  }

  function columns(): number {
    // A terminal may report 0 columns (some CI pseudo-terminals): that is "unknown", not "none".
    const usable = (value: number | undefined) => (value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined);
    return usable(options.columns) ?? usable((stream as { columns?: number }).columns) ?? DEFAULT_COLUMNS;
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
    if (quiet) return;
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
      inFlight.set(event.name, { ...check, running: event.attempt, maxAttempts: event.maxAttempts, retryAt: undefined });
    },
    'attempt-end': (event) => {
      const check = inFlight.get(event.name) ?? { name: event.name };
      const retryAt = event.nextDelayMs !== undefined ? now() + event.nextDelayMs : undefined;
      inFlight.set(event.name, {
        ...check,
        running: undefined,
        maxAttempts: event.maxAttempts,
        last: { attempt: event.attempt, outcome: event.outcome, message: event.message },
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

  return { listener, stop, quiet: () => void (quiet = true) };
}
