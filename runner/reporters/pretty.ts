/**
 * The human reporter: a summary table, the verdict, the root cause (or the independent failures),
 * then what each failure saw.
 */
import { formatDuration } from '../duration.js';
import type { CauseReport, CheckReport, RunReport } from '../result.js';
import { createPaint, displayWidth, oneLine, padEnd, truncate, wrap, type Paint, type Style } from './text.js';
import type { ReporterOptions, ReporterOutput } from './types.js';
import {
  failureDetail,
  formatLocation,
  inconclusiveLine,
  isFailure,
  isInconclusive,
  isInconclusiveRun,
  SKIPPED_BECAUSE_OF_IT,
  STATUS_LOOK,
  summaryMessage,
  unevaluatedLine,
  fromSkippedLine,
  verdictLine,
} from './wording.js';

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
/** Below this many columns a message is not squeezed into the row: it gets its own lines under it. */
const MIN_INLINE_MESSAGE_WIDTH = 40;
/** A failure's table message is cut after this many wrapped lines: its detail below has it in full. */
const MAX_FAILURE_MESSAGE_LINES = 3;

/** A usable terminal width, or undefined for "no width" (a file, a pipe, a terminal saying 0 columns). */
function boundedWidth(width: number | undefined): number | undefined {
  return width !== undefined && Number.isFinite(width) && width > 0 ? Math.floor(width) : undefined;
}

/**
 * The message cell as lines of at most `max` columns: wrapped, never cut to nothing. A failure's
 * message stops after MAX_FAILURE_MESSAGE_LINES lines (ending in …); other messages appear only
 * here, so they are shown whole.
 */
function messageLines(text: string, max: number, failure: boolean): string[] {
  const lines = wrap(text, max);
  if (!failure || lines.length <= MAX_FAILURE_MESSAGE_LINES) return lines;
  const kept = lines.slice(0, MAX_FAILURE_MESSAGE_LINES);
  kept[kept.length - 1] = truncate(`${kept[kept.length - 1]!} …`, max);
  return kept;
}

/**
 * The table. With no width (a file, a pipe) nothing is cut. With a width, names longer than 40% of
 * it (or than what the other columns leave) are cut, and each message wraps inside its column; when fewer than MIN_INLINE_MESSAGE_WIDTH
 * columns are left for it, the message goes on its own indented lines under the row instead.
 */
function summaryTable(report: RunReport, width: number | undefined, paint: Paint): string[] {
  const header: Cell[] = ['  status', 'check', 'attempts', 'time', 'message'].map((text) => ({ text, style: 'dim' }));
  const rows = [header, ...report.checks.map(summaryRow)];
  const widest = (column: number) => Math.max(...rows.map((row) => displayWidth(row[column]!.text)));
  if (width !== undefined) {
    // Status, attempts and time never shrink; the name gets at most 40% and what they leave.
    const otherColumns = widest(0) + widest(2) + widest(3) + 3 * GAP.length;
    const nameLimit = Math.max(MIN_NAME_WIDTH, Math.min(Math.floor(width * 0.4), width - otherColumns));
    for (const row of rows) row[1]!.text = truncate(row[1]!.text, nameLimit);
  }
  const columnWidths = [0, 1, 2, 3].map(widest);
  const messageColumn = columnWidths.reduce((sum, w) => sum + w + GAP.length, 0);
  const inlineWidth = width === undefined ? Infinity : width - messageColumn;
  const underRow = inlineWidth < MIN_INLINE_MESSAGE_WIDTH;
  // A message under its row starts under the check's name, leaving the status column clear.
  const underRowIndent = ' '.repeat(columnWidths[0]! + GAP.length);
  const paintCell = (cell: Cell, text: string) => (cell.style ? paint(cell.style, text) : text);
  return rows.flatMap((row, index) => {
    const cells = row.slice(0, 4).map((cell, column) => paintCell(cell, padEnd(cell.text, columnWidths[column]!)));
    const message = row[4]!;
    const check = report.checks[index - 1];
    if (!check) return [[...cells, ...(underRow ? [] : [paintCell(message, message.text)])].join(GAP).trimEnd()];
    if (!message.text) return [cells.join(GAP).trimEnd()];
    const max = underRow ? width! - underRowIndent.length : inlineWidth;
    const lines = Number.isFinite(max) ? messageLines(message.text, max, isFailure(check) || isInconclusive(check)) : [message.text];
    const painted = lines.map((line) => paintCell(message, line));
    if (underRow) return [cells.join(GAP).trimEnd(), ...painted.map((line) => `${underRowIndent}${line}`)];
    const continuation = ' '.repeat(messageColumn);
    return [[...cells, painted[0]!].join(GAP), ...painted.slice(1).map((line) => `${continuation}${line}`)];
  });
}

function causeLines(cause: CauseReport, paint: Paint): string[] {
  const lines = [`    ${oneLine(cause.reason)}`];
  if (cause.consequences.length) lines.push(`    explains: ${cause.consequences.map(oneLine).join(', ')}`);
  if (cause.skipped?.length) lines.push(`    ${SKIPPED_BECAUSE_OF_IT}: ${cause.skipped.map(oneLine).join(', ')}`);
  if (cause.fix) {
    lines.push(`    fix: ${oneLine(cause.fix.summary)}`);
    if (cause.fix.command) lines.push(`      $ ${paint('cyan', oneLine(cause.fix.command))}`);
  }
  return lines;
}

/** "Root cause: X" when one failure explains the others; "Independent failures:" when none links them. */
function rootCauseBlock(report: RunReport, paint: Paint): string[] {
  const cause = report.rootCause;
  const lines: string[] = [];
  if (cause && !cause.independent) lines.push(`${paint('bold', 'Root cause:')} ${paint('red', oneLine(cause.check))}`, ...causeLines(cause, paint));
  else if (cause) {
    lines.push(paint('bold', 'Independent failures:'));
    for (const each of [cause, ...(cause.otherCauses ?? [])]) lines.push(`  ${paint('red', oneLine(each.check))}`, ...causeLines(each, paint).map((line) => `  ${line}`));
  }
  const fromSkipped = fromSkippedLine(report);
  if (fromSkipped) lines.push(`  ${paint('yellow', fromSkipped)}`);
  const unevaluated = unevaluatedLine(report);
  if (unevaluated) lines.push(...(lines.length ? [''] : []), paint('bold', unevaluated));
  const inconclusive = inconclusiveLine(report);
  if (inconclusive) lines.push(...(lines.length ? [''] : []), paint('bold', paint('yellow', inconclusive)));
  return lines.length ? ['', ...lines] : [];
}

function failureBlock(check: CheckReport, report: RunReport, options: ReporterOptions, paint: Paint): string[] {
  const look = STATUS_LOOK[check.status];
  const where = check.location ? ` ${paint('dim', `at ${formatLocation(check.location, options.cwd)}`)}` : '';
  const heading = `${paint(look.style, look.symbol)} ${paint('bold', oneLine(check.name))} (${oneLine(check.type)})${where}`;
  return ['', heading, ...failureDetail(check, report, paint).map((line) => `    ${line}`)];
}

/** Every check's warnings (configuration smells), whatever its status: they never change a verdict. */
function warningBlock(report: RunReport, paint: Paint): string[] {
  const lines = report.checks.flatMap((check) => (check.warnings ?? []).map((w) => `  ${paint('yellow', '⚠')} ${oneLine(check.name)}: ${oneLine(w)}`));
  return lines.length ? ['', paint('bold', 'Warnings:'), ...lines] : [];
}

export function renderPretty(report: RunReport, options: ReporterOptions): ReporterOutput {
  const paint = createPaint(options.color);
  const width = boundedWidth(options.width);
  const verdictStyle: Style = report.status === 'passed' ? 'green' : isInconclusiveRun(report) ? 'yellow' : 'red';
  const lines = [
    ...summaryTable(report, width, paint),
    '',
    paint('bold', paint(verdictStyle, verdictLine(report))),
    ...rootCauseBlock(report, paint),
    ...report.checks.filter((check) => isFailure(check) || isInconclusive(check)).flatMap((check) => failureBlock(check, report, options, paint)),
    ...warningBlock(report, paint),
  ];
  return { text: `${lines.join('\n')}\n` };
}
