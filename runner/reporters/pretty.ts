/**
 * The human reporter: a summary table, the verdict, the root cause, then what each failure saw.
 * Also home of the small text helpers the other human-facing outputs (junit bodies, GitHub
 * annotations, the live progress display) share, so all of them say things the same way.
 */
import path from 'node:path';
import { formatDuration } from '../duration.js';
import type { CheckReport, CheckStatus, RunReport, SourceLocation } from '../result.js';
import type { ReporterOptions, ReporterOutput } from './index.js';

const DEFAULT_WIDTH = 100;

// ---------------------------------------------------------------------------------------------
// Colour

const ANSI = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

export type Style = keyof typeof ANSI;
export type Paint = (style: Style, text: string) => string;

/** Wraps text in ANSI codes, or returns it untouched when colour is off. */
export function createPaint(color: boolean): Paint {
  if (!color) return (_style, text) => text;
  return (style, text) => (text ? `\u001b[${ANSI[style][0]}m${text}\u001b[${ANSI[style][1]}m` : text);
}

// ---------------------------------------------------------------------------------------------
// Text that is safe and measurable on a terminal

// C0/C1 controls other than \t and \n: an ESC in a message must not drive the terminal.
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// With the u flag this matches only unpaired surrogates (a pair is one code point).
const LONE_SURROGATE = /[\ud800-\udfff]/gu;

/** Replaces control characters (and lone surrogates) with U+FFFD; keeps \n, turns \t into a space. */
export function printable(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .replace(TERMINAL_UNSAFE, '\uFFFD');
}

/** printable() on one line: line breaks become a visible ⏎. */
export function oneLine(text: string): string {
  return printable(text).trim().replace(/\s*\n\s*/g, ' ⏎ ');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// Emoji and East Asian wide characters take two terminal columns.
const WIDE = /\p{Emoji_Presentation}|\uFE0F|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

function graphemeWidth(grapheme: string): number {
  return WIDE.test(grapheme) ? 2 : 1;
}

/** Terminal columns the (uncoloured, printable) text occupies. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += graphemeWidth(segment);
  return width;
}

/** Cuts text to at most `max` columns, ending with … when something was cut. */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let kept = '';
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    const next = graphemeWidth(segment);
    if (width + next > max - 1) break;
    kept += segment;
    width += next;
  }
  return `${kept}…`;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

// ---------------------------------------------------------------------------------------------
// Shared wording

export const STATUS_LOOK: { readonly [K in CheckStatus]: { symbol: string; word: string; style: Style } } = {
  passed: { symbol: '✓', word: 'passed', style: 'green' },
  failed: { symbol: '✗', word: 'failed', style: 'red' },
  error: { symbol: '!', word: 'error', style: 'red' },
  skipped: { symbol: '-', word: 'skipped', style: 'dim' },
};

const INTERRUPTION: { readonly [K in NonNullable<RunReport['interrupted']>]: string } = {
  SIGINT: 'interrupted by SIGINT',
  SIGTERM: 'interrupted by SIGTERM',
  timeout: 'interrupted: run timed out',
};

/** `✗ FAILED name (interrupted by SIGINT): 2 passed, 4 failed, 0 errored, 2 skipped in 48.2s` */
export function verdictLine(report: RunReport): string {
  const { passed, failed, errored, skipped } = report.summary;
  const symbol = report.status === 'passed' ? '✓ PASSED' : '✗ FAILED';
  const interruption = report.interrupted ? ` (${INTERRUPTION[report.interrupted]})` : '';
  const counts = `${passed} passed, ${failed} failed, ${errored} errored, ${skipped} skipped`;
  return `${symbol} ${oneLine(report.scenario)}${interruption}: ${counts} in ${formatDuration(report.durationMs)}`;
}

/** The table's message: the skip reason for skipped checks, "passed after N attempts" for flaky ones. */
export function summaryMessage(check: CheckReport): string {
  if (check.status === 'skipped') return check.skipReason ?? check.message;
  if (check.flaky) return `passed after ${check.attempts} attempts${check.message ? `: ${check.message}` : ''}`;
  return check.message;
}

/** A file path relative to cwd when one is given (and the path is absolute). */
export function displayPath(file: string, cwd: string | undefined): string {
  if (!cwd || !path.isAbsolute(file)) return file;
  return path.relative(cwd, file).split(path.sep).join('/') || '.';
}

export function formatLocation(location: SourceLocation, cwd: string | undefined): string {
  return `${displayPath(location.file, cwd)}:${location.line}:${location.column}`;
}

/**
 * What a failed or errored check saw, as plain lines: message, observations, root-cause links,
 * fix and next steps. Pretty indents it, JUnit puts it in the failure body, GitHub in the annotation.
 */
export function failureDetail(check: CheckReport, report: RunReport, paint: Paint = createPaint(false)): string[] {
  const lines = check.message ? printable(check.message).split('\n') : [];
  for (const { what, expected, actual, ok } of check.observations) {
    const mark = ok ? paint('green', '✓') : paint('red', '✗');
    lines.push(`${mark} ${oneLine(what)}: expected ${oneLine(expected)}, got ${oneLine(actual)}`);
  }
  const cause = report.rootCause;
  if (cause?.check === check.name && cause.consequences.length > 0) lines.push(`root cause of: ${cause.consequences.map(oneLine).join(', ')}`);
  else if (cause?.consequences.includes(check.name)) lines.push(`consequence of ${oneLine(cause.check)}`);
  if (check.fix) {
    lines.push(`fix: ${oneLine(check.fix.summary)}`);
    if (check.fix.command) lines.push(`  $ ${paint('cyan', oneLine(check.fix.command))}`);
  }
  if (check.nextSteps?.length) {
    lines.push('next steps:');
    for (const step of check.nextSteps) lines.push(`  $ ${paint('cyan', oneLine(step))}`);
  }
  return lines;
}

export function isFailure(check: CheckReport): boolean {
  return check.status === 'failed' || check.status === 'error';
}

// ---------------------------------------------------------------------------------------------
// The pretty report

interface Cell {
  text: string;
  style?: Style;
}

function summaryRow(check: CheckReport): Cell[] {
  const look = STATUS_LOOK[check.status];
  const style: Style = check.status === 'passed' && check.flaky ? 'yellow' : look.style;
  return [
    { text: `${look.symbol} ${look.word}`, style },
    { text: oneLine(check.name) },
    { text: String(check.attempts) },
    { text: check.status === 'skipped' ? '' : formatDuration(check.durationMs) },
    { text: oneLine(summaryMessage(check)), style: check.flaky && check.status === 'passed' ? 'yellow' : undefined },
  ];
}

const GAP = '  ';
const MIN_NAME_WIDTH = 10;
const MIN_MESSAGE_WIDTH = 16;

function summaryTable(report: RunReport, width: number, paint: Paint): string[] {
  const header: Cell[] = ['  status', 'check', 'attempts', 'time', 'message'].map((text) => ({ text, style: 'dim' }));
  const rows = [header, ...report.checks.map(summaryRow)];
  const widest = (column: number) => Math.max(...rows.map((row) => displayWidth(row[column]!.text)));
  // Status, attempts and time never shrink; the name gets what the message can spare.
  const otherColumns = widest(0) + widest(2) + widest(3) + 4 * GAP.length;
  const nameBudget = Math.min(width - otherColumns - MIN_MESSAGE_WIDTH, Math.floor(width * 0.4));
  const nameLimit = Math.max(MIN_NAME_WIDTH, nameBudget);
  for (const row of rows) row[1]!.text = truncate(row[1]!.text, nameLimit);
  const columnWidths = [0, 1, 2, 3].map(widest);
  const fixedWidth = columnWidths.reduce((sum, w) => sum + w + GAP.length, 0);
  const messageWidth = Math.max(MIN_MESSAGE_WIDTH, width - fixedWidth);
  return rows.map((row) =>
    row
      .map((cell, column) => {
        const isLast = column === row.length - 1;
        const text = isLast ? truncate(cell.text, messageWidth) : padEnd(cell.text, columnWidths[column]!);
        return cell.style ? paint(cell.style, text) : text;
      })
      .join(GAP)
      .trimEnd(),
  );
}

function rootCauseBlock(report: RunReport, paint: Paint): string[] {
  const cause = report.rootCause;
  if (!cause) return [];
  const lines = [`${paint('bold', 'Root cause:')} ${paint('red', oneLine(cause.check))}`, `    ${oneLine(cause.reason)}`];
  if (cause.consequences.length) lines.push(`    explains: ${cause.consequences.map(oneLine).join(', ')}`);
  if (cause.fix) {
    lines.push(`    fix: ${oneLine(cause.fix.summary)}`);
    if (cause.fix.command) lines.push(`      $ ${paint('cyan', oneLine(cause.fix.command))}`);
  }
  for (const other of cause.otherCauses ?? []) {
    lines.push(`${paint('bold', 'Also failing independently:')} ${paint('red', oneLine(other.check))}`, `    ${oneLine(other.reason)}`);
    if (other.consequences.length) lines.push(`    explains: ${other.consequences.map(oneLine).join(', ')}`);
    if (other.fix?.command) lines.push(`      $ ${paint('cyan', oneLine(other.fix.command))}`);
  }
  return ['', ...lines];
}

function failureBlock(check: CheckReport, report: RunReport, options: ReporterOptions, paint: Paint): string[] {
  const look = STATUS_LOOK[check.status];
  const where = check.location ? ` ${paint('dim', `at ${formatLocation(check.location, options.cwd)}`)}` : '';
  const heading = `${paint(look.style, look.symbol)} ${paint('bold', oneLine(check.name))} (${oneLine(check.type)})${where}`;
  return ['', heading, ...failureDetail(check, report, paint).map((line) => `    ${line}`)];
}

export function renderPretty(report: RunReport, options: ReporterOptions): ReporterOutput {
  const paint = createPaint(options.color);
  const width = options.width ?? DEFAULT_WIDTH;
  const verdictStyle: Style = report.status === 'passed' ? 'green' : 'red';
  const lines = [
    ...summaryTable(report, width, paint),
    '',
    paint('bold', paint(verdictStyle, verdictLine(report))),
    ...rootCauseBlock(report, paint),
    ...report.checks.filter(isFailure).flatMap((check) => failureBlock(check, report, options, paint)),
  ];
  return { text: `${lines.join('\n')}\n` };
}
