/**
 * The fleet on GitHub Actions: the annotations of every service that did not pass (as the single-run
 * github reporter writes them), an error annotation for each service with no report, one notice
 * with the fleet's verdict; and a step summary with one row per service and, folded, the single-run
 * summary of each service that did not pass.
 */
import { formatDuration } from '../duration.js';
import { render, type ReporterOptions, type ReporterOutput } from '../reporters/index.js';
import { oneLine } from '../reporters/text.js';
import type { FleetReport, FleetServiceResult } from './types.js';
import { checksPassed, fleetVerdictLine, serviceMessage, VERDICT_LOOK } from './wording.js';

// Escaping rules of @actions/core (toolkit/packages/core/src/command.ts), over one line of printable text.
function escapeData(text: string): string {
  return oneLine(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function markdownText(text: string): string {
  return oneLine(text)
    .replace(/[\\`*_[\]|]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function annotations(result: FleetServiceResult, options: ReporterOptions): string[] {
  if (result.verdict === 'passed') return [];
  if (!result.report) return [`::error title=${escapeProperty(`${result.service} not verified`)}::${escapeData(result.error ?? 'no report')}`];
  // The per-service verdict notices would be one per service: the fleet gets one notice instead.
  return render('github', result.report, options)
    .text.split('\n')
    .filter((line) => line !== '' && !line.startsWith('::notice'));
}

function summaryRow(result: FleetServiceResult): string {
  const cells = [
    `${VERDICT_LOOK[result.verdict].emoji} ${result.verdict}`,
    markdownText(result.service),
    checksPassed(result),
    result.report ? formatDuration(result.durationMs) : '',
    markdownText(serviceMessage(result)),
  ];
  return `| ${cells.join(' | ')} |`;
}

function details(result: FleetServiceResult, options: ReporterOptions): string[] {
  if (result.verdict === 'passed' || !result.report) return [];
  const summary = render('github', result.report, options).stepSummary ?? '';
  return ['', `<details><summary>${markdownText(result.service)}: ${result.verdict}</summary>`, '', summary.trimEnd(), '', '</details>'];
}

function stepSummary(fleet: FleetReport, options: ReporterOptions): string {
  const lines = [
    `### ${markdownText(fleetVerdictLine(fleet))}`,
    '',
    '| Verdict | Service | Checks passed | Duration | Message |',
    '| --- | --- | ---: | ---: | --- |',
    ...fleet.services.map(summaryRow),
    ...fleet.services.flatMap((result) => details(result, options)),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderFleetGithub(fleet: FleetReport, options: ReporterOptions): ReporterOutput {
  const lines = [
    ...fleet.services.flatMap((result) => annotations(result, options)),
    `::notice title=verify-deployment fleet::${escapeData(fleetVerdictLine(fleet))}`,
  ];
  return { text: `${lines.join('\n')}\n`, stepSummary: stepSummary(fleet, options) };
}
