import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { neutralize } from '../../../checks/support/untrusted.js';
import { renderJunit } from '../../../runner/reporters/junit.js';
import type { CheckReport, RunReport } from '../../../runner/result.js';
import { independent, interrupted, mixed, nasty, sampleReports, withRootCause } from '../../support/sample-reports.js';

// ---------------------------------------------------------------------------------------------
// A deliberately strict little XML 1.0 reader: enough to prove the output is well-formed and to
// read back what it says (no XML parser is installed).

interface XmlNode {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const NAME = '[A-Za-z_][\\w.-]*';
const TOKEN = new RegExp(`^(?:<(${NAME})((?:\\s+${NAME}="[^"<]*")*)\\s*(/?)>|</(${NAME})>|([^<]+))`);
const ATTRIBUTE = new RegExp(`(${NAME})="([^"<]*)"`, 'g');
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const REFERENCE = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string): string {
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`bare & in ${JSON.stringify(raw)}`);
  return raw.replace(REFERENCE, (_match, ref: string) =>
    ref.startsWith('#x') ? String.fromCodePoint(parseInt(ref.slice(2), 16))
    : ref.startsWith('#') ? String.fromCodePoint(Number(ref.slice(1)))
    : NAMED[ref]!,
  );
}

function parseAttributes(raw: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, name, value] of raw.matchAll(ATTRIBUTE)) {
    if (name! in attributes) throw new Error(`duplicate attribute ${name}`);
    // Literal newlines and tabs in an attribute are normalised to spaces by a real parser.
    attributes[name!] = decode(value!.replace(/[\t\n\r]/g, ' '));
  }
  return attributes;
}

function parseXml(xml: string): XmlNode {
  if (NOT_XML_CHAR.test(xml)) throw new Error('character not allowed in XML 1.0');
  if (!xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')) throw new Error('missing XML declaration');
  let rest = xml.slice(xml.indexOf('\n') + 1);
  const document: XmlNode = { name: '#document', attributes: {}, children: [], text: '' };
  const open = [document];
  while (rest) {
    const match = TOKEN.exec(rest);
    if (!match) throw new Error(`not well-formed at ${JSON.stringify(rest.slice(0, 40))}`);
    rest = rest.slice(match[0].length);
    const [, startName, rawAttributes, selfClosing, endName, text] = match;
    const current = open[open.length - 1]!;
    if (startName) {
      const node: XmlNode = { name: startName, attributes: parseAttributes(rawAttributes!), children: [], text: '' };
      current.children.push(node);
      if (!selfClosing) open.push(node);
    } else if (endName) {
      if (endName !== current.name) throw new Error(`</${endName}> closes <${current.name}>`);
      open.pop();
    } else {
      if (text!.includes(']]>')) throw new Error(']]> in character data');
      current.text += decode(text!);
    }
  }
  if (open.length !== 1) throw new Error(`unclosed <${open[open.length - 1]!.name}>`);
  if (document.children.length !== 1 || document.text.trim()) throw new Error('not exactly one root element');
  return document.children[0]!;
}

const child = (node: XmlNode, name: string) => node.children.find((c) => c.name === name);
const all = (node: XmlNode, name: string) => node.children.filter((c) => c.name === name);
const property = (node: XmlNode, name: string) =>
  child(node, 'properties')?.children.find((p) => p.attributes.name === name)?.attributes.value;

// ---------------------------------------------------------------------------------------------

const junit = (report: RunReport) => renderJunit(report, { color: false, cwd: '/repo' }).text;

describe('the test XML reader', () => {
  it.each([
    ['mismatched tags', '<a><b></a></b>'],
    ['a bare ampersand', '<a>x & y</a>'],
    [']]> in text', '<a>]]></a>'],
    ['a control character', '<a>\u0001</a>'],
    ['a quote inside an attribute', '<a b="x"y"/>'],
    ['an unclosed element', '<a><b/>'],
    ['two roots', '<a/><b/>'],
  ])('rejects %s', (_what, body) => {
    expect(() => parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`)).toThrow();
  });
});

describe('junit reporter', () => {
  it.each(Object.entries(sampleReports))('%s: well-formed XML with one suite and one testcase per check', (_name, report) => {
    const root = parseXml(junit(report));
    expect(root.name).toBe('testsuites');
    const suites = all(root, 'testsuite');
    expect(suites).toHaveLength(1);
    expect(all(suites[0]!, 'testcase')).toHaveLength(report.checks.length);
  });

  it.each(Object.entries(sampleReports))('%s: counts agree with the report', (_name, report) => {
    const suite = child(parseXml(junit(report)), 'testsuite')!;
    // Inconclusive checks are written as <skipped message="inconclusive: …">, and counted with them.
    const skipped = report.summary.skipped + (report.summary.inconclusive ?? 0);
    expect(suite.attributes).toMatchObject({
      name: report.scenario,
      tests: String(report.checks.length),
      failures: String(report.summary.failed),
      errors: String(report.summary.errored),
      skipped: String(skipped),
      time: (report.durationMs / 1000).toFixed(3),
      timestamp: report.startedAt,
    });
    const cases = all(suite, 'testcase');
    expect(cases.filter((c) => child(c, 'failure'))).toHaveLength(report.summary.failed);
    expect(cases.filter((c) => child(c, 'error'))).toHaveLength(report.summary.errored);
    expect(cases.filter((c) => child(c, 'skipped'))).toHaveLength(skipped);
  });

  it('writes an inconclusive check as <skipped> whose message starts "inconclusive: ", with what it saw in the body', () => {
    const cases = all(child(parseXml(junit(sampleReports.inconclusive)), 'testsuite')!, 'testcase');
    const alarm = child(cases.find((c) => c.attributes.name === 'deployment alarms quiet')!, 'skipped')!;
    expect(alarm.attributes.message).toMatch(/^inconclusive: no evidence: alarm hokusai-api-5xx in INSUFFICIENT_DATA/);
    expect(alarm.text).toContain('✗ alarm hokusai-api-5xx: expected OK, got INSUFFICIENT_DATA');
  });

  it('describes each testcase: classname, name, time, attempts and the failure with its observations', () => {
    const cases = all(child(parseXml(junit(mixed)), 'testsuite')!, 'testcase');
    const failed = cases.find((c) => c.attributes.name === 'targets healthy')!;
    expect(failed.attributes).toEqual({
      classname: 'hokusai-api-development',
      name: 'targets healthy',
      time: '16.000',
      file: 'scenarios/api.yaml',
    });
    expect(property(failed, 'attempts')).toBe('5');
    const failure = child(failed, 'failure')!;
    expect(failure.attributes).toEqual({ message: mixed.checks[2]!.message, type: 'alb-targets-healthy' });
    expect(failure.text).toContain('✗ target 10.0.2.7:8000: expected healthy, got unhealthy (Target.Timeout: Request timed out)');
    expect(failure.text).toContain('at scenarios/api.yaml:18:5');
    expect(child(cases.find((c) => c.attributes.name === 'task definition')!, 'error')!.attributes.type).toBe('ecs-task-definition');
  });

  it('marks flaky passes with a property and gives skipped checks their reason', () => {
    const cases = all(child(parseXml(junit(mixed)), 'testsuite')!, 'testcase');
    expect(property(cases.find((c) => c.attributes.name === 'service stable')!, 'flaky')).toBe('true');
    expect(property(cases.find((c) => c.attributes.name === 'tasks running')!, 'flaky')).toBeUndefined();
    const skipped = cases.find((c) => c.attributes.name === 'predict endpoint')!;
    expect(child(skipped, 'skipped')!.attributes.message).toBe('needs "targets healthy", which failed');
  });

  it('records the root cause and the interruption as suite properties', () => {
    expect(property(child(parseXml(junit(withRootCause)), 'testsuite')!, 'rootCause')).toBe('redis ingress');
    const independentSuite = child(parseXml(junit(independent)), 'testsuite')!;
    expect(property(independentSuite, 'rootCause')).toBeUndefined();
    expect(property(independentSuite, 'independentFailures')).toBe('docs page, search fast');
    expect(property(child(parseXml(junit(interrupted)), 'testsuite')!, 'interrupted')).toBe('SIGINT');
  });

  it('keeps nasty strings readable: escaped, not lost, control characters shown as escapes', () => {
    const xml = junit(nasty);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    const cases = all(child(parseXml(xml), 'testsuite')!, 'testcase');
    const cdata = cases[1]!;
    expect(cdata.attributes.name).toBe('cdata ]]> and <tags> & "quotes" \'apos\'');
    expect(child(cdata, 'error')!.attributes.message).toBe(nasty.checks[1]!.message);
    expect(child(cases[0]!, 'failure')!.attributes.message).toBe(
      'NUL\\x00 BEL\\x07 ESC\\x1b[2J VT\\x0b FF\\x0c lone surrogate \\ud800 DEL\\x7f done',
    );
    expect(xml).toContain('message="line one&#10;line two 100% sure | pipes | here&#10;line three %0A literal"');
  });

  it('stays well-formed and faithful to the shown text whatever the strings contain', () => {
    const nastyUnit = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 1 }),
      fc.constantFrom('\ud800', '\udfff', ']]>', '<![CDATA[', '&', '&amp;', '<', '>', '"', "'", '\r\n', '\r', '\t', '\u0000', '\uFFFE'),
    );
    const text = fc.string({ unit: nastyUnit, maxLength: 30 });
    // What a parser reads back is the text as every human-facing output shows it (neutralized);
    // what XML cannot hold at all (U+FFFE, U+FFFF) is U+FFFD.
    const expected = (s: string) => neutralize(s).replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '\uFFFD');
    fc.assert(
      fc.property(text, text, text, (name, message, skipReason) => {
        const checks: CheckReport[] = [
          { ...mixed.checks[2]!, name, message },
          { ...mixed.checks[4]!, skipReason },
        ];
        const root = parseXml(junit({ ...mixed, scenario: name, checks }));
        const [failed, skipped] = all(child(root, 'testsuite')!, 'testcase');
        expect(failed!.attributes.name).toBe(expected(name));
        expect(child(failed!, 'failure')!.attributes.message).toBe(expected(message));
        expect(child(skipped!, 'skipped')!.attributes.message).toBe(expected(skipReason));
      }),
    );
  });
});
