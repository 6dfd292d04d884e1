/**
 * The machine reporter: one JSON document. The contract fields, their names and their order are
 * relied on by outside scripts: extensions only ever come after them and are omitted when unset,
 * except inside `rootCause`, whose keys are always present (`fix: null`, empty lists).
 *
 * Strings stay exact: a parser reads back every character a check saw. But the document itself is
 * often printed (a terminal, a CI log), so what could act there is written as a JSON escape, which
 * a parser undoes: JSON.stringify already escapes C0 controls (ESC, CR) and lone surrogates; this
 * reporter also escapes DEL, C1 controls, format characters (bidi, zero-width) and U+2028/U+2029,
 * and writes `##[` (a workflow command anywhere in a GitHub Actions log line) as `##\u005b`. A line
 * of the document never starts with `::`: every string sits after indentation and a quote.
 */
import type { CauseReport, CheckReport, RunReport } from '../result.js';
import type { ReporterOptions, ReporterOutput } from './types.js';

function checkDocument(check: CheckReport) {
  return {
    // contract
    name: check.name,
    type: check.type,
    status: check.status,
    attempts: check.attempts,
    durationMs: check.durationMs,
    message: check.message,
    observations: check.observations.map(({ what, expected, actual, ok }) => ({ what, expected, actual, ok })),
    details: check.details,
    // extensions
    flaky: check.flaky,
    description: check.description,
    location: check.location && {
      file: check.location.file,
      line: check.location.line,
      column: check.location.column,
    },
    fix: check.fix && { summary: check.fix.summary, command: check.fix.command },
    nextSteps: check.nextSteps,
    skipReason: check.skipReason,
    skip: check.skip && { reason: check.skip.reason, because: check.skip.because },
    consequenceOf: check.consequenceOf,
    warnings: check.warnings?.length ? check.warnings : undefined,
  };
}

function causeDocument(cause: CauseReport) {
  return {
    check: cause.check,
    reason: cause.reason,
    consequences: cause.consequences,
    fix: cause.fix ? { summary: cause.fix.summary, command: cause.fix.command } : null,
    // extension: checks skipped because they needed the cause (they never ran; not in `consequences`)
    skipped: cause.skipped ?? [],
  };
}

function runDocument(report: RunReport) {
  const { passed, failed, errored, skipped, inconclusive } = report.summary;
  return {
    // contract
    version: report.version,
    scenario: report.scenario,
    status: report.status,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    // `inconclusive` always, 0 when no check was (an extension after the contract's four counts).
    summary: { passed, failed, errored, skipped, inconclusive: inconclusive ?? 0 },
    checks: report.checks.map(checkDocument),
    // extensions
    file: report.file,
    interrupted: report.interrupted,
    rootCause: report.rootCause && {
      ...causeDocument(report.rootCause),
      explanations: report.rootCause.explanations ?? [],
      otherCauses: (report.rootCause.otherCauses ?? []).map(causeDocument),
      independent: report.rootCause.independent ?? false,
    },
  };
}

// JSON.stringify already drops undefined properties; details may hold a bigint, which it cannot encode.
function encodable(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

// Outside the string literals a JSON document is ASCII without `#`, so every match is inside one.
const ACTIVE_IN_JSON = /[\u007f-\u009f\p{Cf}\u2028\u2029]|##\[/gu;

function jsonEscape(match: string): string {
  if (match === '##[') return '##\\u005b';
  let escaped = '';
  for (let i = 0; i < match.length; i += 1) escaped += `\\u${match.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return escaped;
}

export function renderJson(report: RunReport, _options: ReporterOptions): ReporterOutput {
  return { text: `${JSON.stringify(runDocument(report), encodable, 2).replace(ACTIVE_IN_JSON, jsonEscape)}\n` };
}
