/**
 * GitHub Actions: workflow-command annotations on the scenario lines that failed, plus a markdown
 * step summary (the entry appends it to $GITHUB_STEP_SUMMARY when that is set).
 *
 * Every annotation is one line the reporter builds itself: its data and properties are escaped by
 * the runner's rules (@actions/core's escapeData/escapeProperty), after the text was neutralized
 * (printable), so a check's text can neither end the command early nor start another one, and
 * shows no bidi or control character. The reporter does not wrap anything in `::stop-commands::`:
 * neutralization already makes the text inert, and a stop window cut short (a kill, EPIPE) would
 * silence this reporter's own annotations and every later one in the step — the very attack.
 */
import { formatDuration } from '../duration.js';
import type { CauseReport, CheckReport, RunReport } from '../result.js';
import { oneLine, printable } from './text.js';
import type { ReporterOptions, ReporterOutput } from './types.js';
import {
  causeRole,
  displayPath,
  failureDetail,
  inconclusiveLine,
  isFailure,
  isInconclusive,
  STATUS_LOOK,
  summaryMessage,
  unevaluatedLine,
  verdictLine,
} from './wording.js';

// Escaping rules of @actions/core (toolkit/packages/core/src/command.ts): data `%` `\r` `\n`;
// properties also `:` and `,`. printable() first: no raw CR is left, a bare one shows as `\r`.
function escapeData(text: string): string {
  return printable(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

type AnnotationLevel = 'error' | 'warning' | 'notice';

function workflowCommand(level: AnnotationLevel, properties: [string, string | number | undefined][], data: string): string {
  const props = properties
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${level}${props ? ` ${props}` : ''}::${escapeData(data)}`;
}

function locationProperties(check: CheckReport, options: ReporterOptions): [string, string | number | undefined][] {
  const location = check.location;
  if (!location) return [];
  return [
    ['file', displayPath(location.file, options.cwd)],
    ['line', location.line],
    ['col', location.column],
  ];
}

function failureTitle(check: CheckReport, report: RunReport): string {
  const role = causeRole(check, report);
  if (role && 'cause' in role) return report.rootCause?.independent ? `Independent failure: ${check.name}` : `Root cause: ${check.name}`;
  if (role) return `${check.name} (consequence of ${role.consequenceOf})`;
  if (check.status === 'error') return `${check.name} (could not be evaluated)`;
  return check.name;
}

function failureAnnotation(check: CheckReport, report: RunReport, options: ReporterOptions): string {
  const properties: [string, string | number | undefined][] = [
    ['title', oneLine(failureTitle(check, report))],
    ...locationProperties(check, options),
  ];
  return workflowCommand('error', properties, failureDetail(check, report).join('\n'));
}

function flakyAnnotation(check: CheckReport, options: ReporterOptions): string {
  const properties: [string, string | number | undefined][] = [
    ['title', `${oneLine(check.name)} is flaky`],
    ...locationProperties(check, options),
  ];
  return workflowCommand('warning', properties, summaryMessage(check));
}

/** No evidence is not a failure but must not pass unnoticed: a warning with what the check saw. */
function inconclusiveAnnotation(check: CheckReport, report: RunReport, options: ReporterOptions): string {
  const properties: [string, string | number | undefined][] = [
    ['title', `${oneLine(check.name)} is inconclusive (no data)`],
    ...locationProperties(check, options),
  ];
  return workflowCommand('warning', properties, failureDetail(check, report).join('\n'));
}

function annotations(report: RunReport, options: ReporterOptions): string[] {
  // Causes go first: GitHub shows only the first 10 errors of a step.
  const isCause = (check: CheckReport) => {
    const role = causeRole(check, report);
    return Number(role !== undefined && 'cause' in role);
  };
  const failures = report.checks.filter(isFailure).sort((a, b) => isCause(b) - isCause(a));
  const flaky = report.checks.filter((check) => check.status === 'passed' && check.flaky);
  return [
    ...failures.map((check) => failureAnnotation(check, report, options)),
    ...report.checks.filter(isInconclusive).map((check) => inconclusiveAnnotation(check, report, options)),
    ...flaky.map((check) => flakyAnnotation(check, options)),
    ...report.checks.flatMap((check) => (check.warnings ?? []).map((w) => workflowCommand('warning', [['title', `${oneLine(check.name)}: warning`], ...locationProperties(check, options)], w))),
    workflowCommand('notice', [['title', 'verify-deployment']], verdictLine(report)),
  ];
}

// ---------------------------------------------------------------------------------------------
// Step summary (GitHub-flavoured markdown)

function markdownText(text: string): string {
  return printable(text)
    .replace(/[\\`*_[\]|]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\n/g, '<br>');
}

function codeBlock(code: string): string[] {
  const longestBacktickRun = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestBacktickRun + 1));
  return [`${fence}sh`, oneLine(code), fence];
}

const STATUS_EMOJI: { readonly [K in CheckReport['status']]: string } = {
  passed: '✅',
  failed: '❌',
  error: '⛔',
  skipped: '⏭️',
  inconclusive: '❔',
};

function summaryRow(check: CheckReport): string {
  const emoji = check.status === 'passed' && check.flaky ? '⚠️' : STATUS_EMOJI[check.status];
  const cells = [
    `${emoji} ${STATUS_LOOK[check.status].word}`,
    markdownText(check.name),
    String(check.attempts),
    check.status === 'skipped' ? '' : formatDuration(check.durationMs),
    markdownText(summaryMessage(check)),
  ];
  return `| ${cells.join(' | ')} |`;
}

function causeParagraph(heading: string, cause: CauseReport): string[] {
  const lines = [`**${heading}: ${markdownText(cause.check)}**: ${markdownText(cause.reason)}`];
  if (cause.consequences.length) lines.push(`Explains: ${cause.consequences.map(markdownText).join(', ')}`);
  if (cause.skipped?.length) lines.push(`Skipped because of it: ${cause.skipped.map(markdownText).join(', ')}`);
  if (cause.fix) lines.push(`Fix: ${markdownText(cause.fix.summary)}`);
  const command = cause.fix?.command ? ['', ...codeBlock(cause.fix.command)] : [];
  // Two trailing spaces are a markdown line break inside the paragraph.
  return ['', lines.join('  \n'), ...command];
}

function rootCauseSection(report: RunReport): string[] {
  const cause = report.rootCause;
  const unevaluated = unevaluatedLine(report);
  const inconclusive = inconclusiveLine(report);
  const evaluated = [unevaluated, inconclusive].flatMap((line) => (line ? ['', `**${markdownText(line)}**`] : []));
  if (!cause) return evaluated;
  if (!cause.independent) return [...causeParagraph('Root cause', cause), ...evaluated];
  return [...[cause, ...(cause.otherCauses ?? [])].flatMap((each) => causeParagraph('Independent failure', each)), ...evaluated];
}

function stepSummary(report: RunReport): string {
  const lines = [
    `### ${markdownText(verdictLine(report))}`,
    ...rootCauseSection(report),
    '',
    '| Status | Check | Attempts | Duration | Message |',
    '| --- | --- | ---: | ---: | --- |',
    ...report.checks.map(summaryRow),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderGithub(report: RunReport, options: ReporterOptions): ReporterOutput {
  return { text: `${annotations(report, options).join('\n')}\n`, stepSummary: stepSummary(report) };
}
