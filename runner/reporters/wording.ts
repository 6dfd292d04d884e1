/**
 * How the human-facing outputs (pretty, junit bodies, GitHub annotations and summary, the live
 * progress display) say things, so all of them say them the same way.
 */
import path from 'node:path';
import { formatDuration } from '../duration.js';
import type { CauseReport, CheckReport, CheckStatus, RunReport, SourceLocation } from '../result.js';
import { createPaint, oneLine, printable, type Paint, type Style } from './text.js';

export const STATUS_LOOK: { readonly [K in CheckStatus]: { symbol: string; word: string; style: Style } } = {
  passed: { symbol: '✓', word: 'passed', style: 'green' },
  failed: { symbol: '✗', word: 'failed', style: 'red' },
  error: { symbol: '!', word: 'error', style: 'red' },
  skipped: { symbol: '-', word: 'skipped', style: 'dim' },
  inconclusive: { symbol: '?', word: 'inconclusive', style: 'yellow' },
};

const INTERRUPTION: { readonly [K in NonNullable<RunReport['interrupted']>]: string } = {
  SIGINT: 'interrupted by SIGINT',
  SIGTERM: 'interrupted by SIGTERM',
  timeout: 'interrupted: run timed out',
};

/**
 * Whether the run failed on missing evidence alone: nothing failed or errored, it was not cut
 * short, and some check was inconclusive. Its verdict reads `? INCONCLUSIVE`, in yellow.
 */
export function isInconclusiveRun(report: RunReport): boolean {
  const { failed, errored, inconclusive } = report.summary;
  return report.status === 'failed' && failed === 0 && errored === 0 && (inconclusive ?? 0) > 0 && !report.interrupted;
}

/**
 * `✗ FAILED name (interrupted by SIGINT): 2 passed, 4 failed, 0 errored, 2 skipped in 48.2s`;
 * `, 1 inconclusive` joins the counts when a check was, and `? INCONCLUSIVE` heads a run that
 * failed only for want of evidence.
 */
export function verdictLine(report: RunReport): string {
  const { passed, failed, errored, skipped, inconclusive } = report.summary;
  const symbol = report.status === 'passed' ? '✓ PASSED' : isInconclusiveRun(report) ? '? INCONCLUSIVE' : '✗ FAILED';
  const interruption = report.interrupted ? ` (${INTERRUPTION[report.interrupted]})` : '';
  const counts = `${passed} passed, ${failed} failed, ${errored} errored, ${skipped} skipped${inconclusive ? `, ${inconclusive} inconclusive` : ''}`;
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

/** `scenarios/api.yaml:14:5`, printable (a path can hold any character). */
export function formatLocation(location: SourceLocation, cwd: string | undefined): string {
  return `${oneLine(displayPath(location.file, cwd))}:${location.line}:${location.column}`;
}

export function isFailure(check: CheckReport): boolean {
  return check.status === 'failed' || check.status === 'error';
}

/** A check that found no evidence: shown apart from failures (a warning, not an error). */
export function isInconclusive(check: CheckReport): boolean {
  return check.status === 'inconclusive';
}

/** How the text reporters head a cause's `skipped` list: checks that never ran because they needed it. */
export const SKIPPED_BECAUSE_OF_IT = 'skipped because of it';

/** Every cause the report names: the root cause, then the failures it does not explain. */
export function causesOf(report: RunReport): CauseReport[] {
  const cause = report.rootCause;
  return cause ? [cause, ...(cause.otherCauses ?? [])] : [];
}

/** Where a check stands in the cause analysis: a cause (with what it explains) or a consequence. */
export function causeRole(check: CheckReport, report: RunReport): { cause: CauseReport } | { consequenceOf: string } | undefined {
  for (const cause of causesOf(report)) {
    if (cause.check === check.name) return { cause };
    if (cause.consequences.includes(check.name)) return { consequenceOf: cause.check };
  }
  return undefined;
}

/**
 * "2 checks could not be evaluated: a, b" for errored checks (no credentials, access denied, a
 * crash): they are left out of the root-cause analysis, so the reporters name them apart.
 */
export function unevaluatedLine(report: RunReport): string | undefined {
  const names = report.checks.filter((c) => c.status === 'error').map((c) => oneLine(c.name));
  if (names.length === 0) return undefined;
  return `${names.length} ${names.length === 1 ? 'check' : 'checks'} could not be evaluated: ${names.join(', ')}`;
}

/**
 * When a root cause is named but `--from` left earlier checks unevaluated, the hint that one of
 * them (a security-group rule, a secret) may be the real cause: "2 checks before --from were not
 * evaluated and may explain it: sg rule, secret exists".
 */
export function fromSkippedLine(report: RunReport): string | undefined {
  if (!report.rootCause) return undefined;
  const names = report.checks.filter((c) => c.skip?.reason === 'not-selected' && c.skip.because === '--from').map((c) => oneLine(c.name));
  if (names.length === 0) return undefined;
  return `${names.length} ${names.length === 1 ? 'check' : 'checks'} before --from ${names.length === 1 ? 'was' : 'were'} not evaluated and may explain it: ${names.join(', ')}`;
}

/**
 * "1 check was inconclusive (no data): a" for checks that found no evidence (no datapoints, an
 * alarm in INSUFFICIENT_DATA): like errored ones they are left out of the root-cause analysis.
 */
export function inconclusiveLine(report: RunReport): string | undefined {
  const names = report.checks.filter(isInconclusive).map((c) => oneLine(c.name));
  if (names.length === 0) return undefined;
  return `${names.length} ${names.length === 1 ? 'check was' : 'checks were'} inconclusive (no data): ${names.join(', ')}`;
}

/**
 * What a failed, errored or inconclusive check saw, as plain lines: message, observations, root-cause links,
 * fix and next steps. Pretty indents it, JUnit puts it in the failure body, GitHub in the annotation.
 */
export function failureDetail(check: CheckReport, report: RunReport, paint: Paint = createPaint(false)): string[] {
  const lines = check.message ? printable(check.message).split('\n') : [];
  for (const { what, expected, actual, ok } of check.observations) {
    const mark = ok ? paint('green', '✓') : paint('red', '✗');
    lines.push(`${mark} ${oneLine(what)}: expected ${oneLine(expected)}, got ${oneLine(actual)}`);
  }
  const role = causeRole(check, report);
  if (role && 'cause' in role) {
    if (role.cause.consequences.length > 0) lines.push(`root cause of: ${role.cause.consequences.map(oneLine).join(', ')}`);
    if (role.cause.skipped?.length) lines.push(`${SKIPPED_BECAUSE_OF_IT}: ${role.cause.skipped.map(oneLine).join(', ')}`);
  } else if (role && 'consequenceOf' in role) lines.push(`consequence of ${oneLine(role.consequenceOf)}`);
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
