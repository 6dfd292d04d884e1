/**
 * The machine reporter: one JSON document. The contract fields, their names and their order are
 * relied on by outside scripts: extensions only ever come after them and are omitted when unset,
 * except inside `rootCause`, whose keys are always present (`fix: null`, empty lists).
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
    warnings: check.warnings?.length ? check.warnings : undefined,
  };
}

function causeDocument(cause: CauseReport) {
  return {
    check: cause.check,
    reason: cause.reason,
    consequences: cause.consequences,
    fix: cause.fix ? { summary: cause.fix.summary, command: cause.fix.command } : null,
  };
}

function runDocument(report: RunReport) {
  const { passed, failed, errored, skipped } = report.summary;
  return {
    // contract
    version: report.version,
    scenario: report.scenario,
    status: report.status,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    summary: { passed, failed, errored, skipped },
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

export function renderJson(report: RunReport, _options: ReporterOptions): ReporterOutput {
  return { text: `${JSON.stringify(runDocument(report), encodable, 2)}\n` };
}
