/**
 * The human reporter: a summary table, the verdict, the root cause (or the independent failures),
 * then what each failure saw.
 */
import { formatDuration } from '../duration.js';
import type { CauseReport, CheckReport, RunReport } from '../result.js';
import { createPaint, displayWidth, oneLine, padEnd, truncate, type Paint, type Style } from './text.js';
import type { ReporterOptions, ReporterOutput } from './types.js';
import { failureDetail, formatLocation, isFailure, STATUS_LOOK, summaryMessage, unevaluatedLine, verdictLine } from './wording.js';

const DEFAULT_WIDTH = 100;

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

function causeLines(cause: CauseReport, paint: Paint): string[] {
  const lines = [`    ${oneLine(cause.reason)}`];
  if (cause.consequences.length) lines.push(`    explains: ${cause.consequences.map(oneLine).join(', ')}`);
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
  const unevaluated = unevaluatedLine(report);
  if (unevaluated) lines.push(...(lines.length ? [''] : []), paint('bold', unevaluated));
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
  const width = options.width ?? DEFAULT_WIDTH;
  const verdictStyle: Style = report.status === 'passed' ? 'green' : 'red';
  const lines = [
    ...summaryTable(report, width, paint),
    '',
    paint('bold', paint(verdictStyle, verdictLine(report))),
    ...rootCauseBlock(report, paint),
    ...report.checks.filter(isFailure).flatMap((check) => failureBlock(check, report, options, paint)),
    ...warningBlock(report, paint),
  ];
  return { text: `${lines.join('\n')}\n` };
}
