/**
 * JUnit XML for CI test viewers: one testsuite per run, one testcase per check.
 *
 * Every attribute and text goes through escapeText (neutralize, then XML escaping).
 *
 * Written by hand rather than with a builder library (junit-report-builder 5.1.x cannot put a
 * message on <skipped>, and the skip reason is the point of a skipped check).
 */
import { neutralize } from '../../checks/support/untrusted.js';
import type { CheckReport, RunReport } from '../result.js';
import type { ReporterOptions, ReporterOutput } from './types.js';
import { causesOf, displayPath, failureDetail, formatLocation } from './wording.js';

interface XmlElement {
  name: string;
  attributes: Record<string, string | number | undefined>;
  children?: XmlElement[];
  text?: string;
}

// Everything XML 1.0 allows; with the u flag a lone surrogate is a code point outside these ranges.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

function xmlChars(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(NOT_XML_CHAR, '\uFFFD');
}

/**
 * XML escaping keeps a parser right, but a JUnit file is also printed (`cat report.xml` in a CI
 * step) and shown by test viewers: every text is neutralized first, as the pretty reporter shows
 * it (controls and bidi as visible escapes, workflow commands defused).
 */
function escapeText(text: string): string {
  // Escaping every > also defuses "]]>", which is not allowed in character data.
  return xmlChars(neutralize(text)).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  // \n and \t as character references: a parser turns literal ones into spaces in attributes.
  return escapeText(text).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

function serialize(element: XmlElement, indent = ''): string {
  const attributes = Object.entries(element.attributes)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeAttribute(String(value))}"`)
    .join('');
  const open = `${indent}<${element.name}${attributes}`;
  if (element.text) return `${open}>${escapeText(element.text)}</${element.name}>`;
  if (!element.children?.length) return `${open}/>`;
  const children = element.children.map((child) => serialize(child, `${indent}  `));
  return [`${open}>`, ...children, `${indent}</${element.name}>`].join('\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function properties(entries: [string, string | undefined][]): XmlElement[] {
  const present = entries.filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (!present.length) return [];
  const children = present.map(([name, value]) => ({ name: 'property', attributes: { name, value } }));
  return [{ name: 'properties', attributes: {}, children }];
}

function failureBody(check: CheckReport, report: RunReport, options: ReporterOptions): string {
  const where = check.location ? [`at ${formatLocation(check.location, options.cwd)}`] : [];
  return [...failureDetail(check, report), ...where].join('\n');
}

function outcome(check: CheckReport, report: RunReport, options: ReporterOptions): XmlElement[] {
  switch (check.status) {
    case 'passed':
      return [];
    case 'skipped':
      return [{ name: 'skipped', attributes: { message: check.skipReason ?? check.message } }];
    // No evidence is neither a pass nor a failure; test viewers show <skipped> with its message.
    case 'inconclusive':
      return [{ name: 'skipped', attributes: { message: `inconclusive: ${check.message}` }, text: failureBody(check, report, options) }];
    case 'failed':
    case 'error':
      return [
        {
          name: check.status === 'failed' ? 'failure' : 'error',
          attributes: { message: check.message, type: check.type },
          text: failureBody(check, report, options),
        },
      ];
  }
}

function testCase(check: CheckReport, report: RunReport, options: ReporterOptions): XmlElement {
  return {
    name: 'testcase',
    attributes: {
      classname: report.scenario,
      name: check.name,
      time: seconds(check.durationMs),
      file: check.location && displayPath(check.location.file, options.cwd),
    },
    children: [
      ...properties([
        ['attempts', String(check.attempts)],
        ['flaky', check.flaky ? 'true' : undefined],
      ]),
      ...outcome(check, report, options),
      // Warnings never fail a test case: JUnit viewers show system-out with it.
      ...(check.warnings?.length ? [{ name: 'system-out', attributes: {}, text: check.warnings.map((w) => `warning: ${w}`).join('\n') }] : []),
    ],
  };
}

function counts(report: RunReport) {
  const count = (status: CheckReport['status']) => report.checks.filter((check) => check.status === status).length;
  return {
    tests: report.checks.length,
    failures: count('failed'),
    errors: count('error'),
    // Inconclusive checks are written as <skipped>, so they are counted with them.
    skipped: count('skipped') + count('inconclusive'),
    time: seconds(report.durationMs),
  };
}

export function renderJunit(report: RunReport, options: ReporterOptions): ReporterOutput {
  const suite: XmlElement = {
    name: 'testsuite',
    attributes: { name: report.scenario, ...counts(report), timestamp: report.startedAt },
    children: [
      ...properties([
        ['file', displayPath(report.file, options.cwd)],
        ['interrupted', report.interrupted],
        // rootCause names one check only when it explains the others; unrelated failures are listed.
        ['rootCause', report.rootCause && !report.rootCause.independent ? report.rootCause.check : undefined],
        ['independentFailures', report.rootCause?.independent ? causesOf(report).map((c) => c.check).join(', ') : undefined],
      ]),
      ...report.checks.map((check) => testCase(check, report, options)),
    ],
  };
  const root: XmlElement = { name: 'testsuites', attributes: { name: report.scenario, ...counts(report) }, children: [suite] };
  return { text: `<?xml version="1.0" encoding="UTF-8"?>\n${serialize(root)}\n` };
}
