/**
 * The fleet as JUnit XML: one `<testsuite>` per service, each exactly as `run --reporter junit`
 * writes it for that service (named after the service), inside one `<testsuites>` with the sums.
 * A service with no report is a suite with one `<error>` testcase saying why.
 */
import { render, type ReporterOptions, type ReporterOutput } from '../reporters/index.js';
import type { RunReport } from '../result.js';
import type { FleetReport, FleetServiceResult } from './types.js';
import { fleetVerdictLine } from './wording.js';

// Everything XML 1.0 allows; with the u flag a lone surrogate is a code point outside these ranges.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

function attribute(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r\n?|\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function countsOf(report: RunReport | undefined): Counts {
  if (!report) return { tests: 1, failures: 0, errors: 1, skipped: 0 };
  const statuses = report.checks.map((c) => c.status as string);
  return {
    tests: statuses.length,
    failures: statuses.filter((s) => s === 'failed').length,
    errors: statuses.filter((s) => s === 'error').length,
    // skipped, and any status added later (inconclusive) that is neither a pass nor a failure
    skipped: statuses.filter((s) => s !== 'passed' && s !== 'failed' && s !== 'error').length,
  };
}

/** The `<testsuite>` element(s) of a single-run JUnit document, as lines indented for `<testsuites>`. */
function suitesOf(xml: string): string[] {
  const lines = xml.split('\n');
  const start = lines.findIndex((line) => line.startsWith('  <testsuite ') || line.startsWith('  <testsuite>'));
  const end = lines.lastIndexOf('  </testsuite>');
  if (start < 0) return [];
  return lines.slice(start, end >= start ? end + 1 : start + 1);
}

function suiteName(result: FleetServiceResult): string {
  const scenario = result.report?.scenario;
  return !scenario || scenario === result.service ? result.service : `${result.service} (${scenario})`;
}

function serviceSuite(result: FleetServiceResult, options: ReporterOptions): string[] {
  const name = suiteName(result);
  if (result.report) return suitesOf(render('junit', { ...result.report, scenario: name }, options).text);
  const message = attribute(result.error ?? 'no report');
  return [
    `  <testsuite name="${attribute(name)}" tests="1" failures="0" errors="1" skipped="0" time="${seconds(result.durationMs)}">`,
    `    <testcase classname="${attribute(name)}" name="${attribute(`verify ${result.service}`)}" time="${seconds(result.durationMs)}">`,
    `      <error message="${message}" type="not-verified"/>`,
    '    </testcase>',
    '  </testsuite>',
  ];
}

export function renderFleetJunit(fleet: FleetReport, options: ReporterOptions): ReporterOutput {
  const sums: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const result of fleet.services) {
    const counts = countsOf(result.report);
    for (const key of Object.keys(sums) as (keyof Counts)[]) sums[key] += counts[key];
  }
  const name = fleet.cluster !== undefined ? `fleet ${fleet.cluster}` : 'fleet';
  const root = `<testsuites name="${attribute(name)}" tests="${sums.tests}" failures="${sums.failures}" errors="${sums.errors}" skipped="${sums.skipped}" time="${seconds(fleet.durationMs)}">`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- ${fleetVerdictLine(fleet).replace(/--/g, '- -')} -->`,
    root,
    ...fleet.services.flatMap((result) => serviceSuite(result, options)),
    '</testsuites>',
  ];
  return { text: `${lines.join('\n')}\n` };
}
