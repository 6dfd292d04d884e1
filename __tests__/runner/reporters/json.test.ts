import { describe, expect, it } from '@jest/globals';
import { renderJson } from '../../../runner/reporters/json.js';
import type { RunReport } from '../../../runner/result.js';
import { allPassed, independent, interrupted, mixed, nasty, sampleReports, withRootCause } from '../../support/sample-reports.js';

const RUN_CONTRACT = ['version', 'scenario', 'status', 'startedAt', 'durationMs', 'summary', 'checks'];
const CHECK_CONTRACT = ['name', 'type', 'status', 'attempts', 'durationMs', 'message', 'observations', 'details'];

const json = (report: RunReport) => renderJson(report, { color: true }).text;
const parse = (report: RunReport) => JSON.parse(json(report)) as Record<string, any>;

describe('json reporter', () => {
  it.each(Object.entries(sampleReports))(
    '%s: one pretty-printed document with a trailing newline',
    (_name, report) => {
      const text = json(report);
      expect(text.endsWith('}\n')).toBe(true);
      expect(text.split('\n')[1]).toBe('  "version": 1,');
      expect(() => JSON.parse(text)).not.toThrow();
    },
  );

  it('puts the contract fields first, in contract order, then the extensions', () => {
    const document = parse(withRootCause);
    expect(Object.keys(document)).toEqual([...RUN_CONTRACT, 'file', 'rootCause']);
    expect(Object.keys(document.summary)).toEqual(['passed', 'failed', 'errored', 'skipped', 'inconclusive']);
    const failed = document.checks.find((check: any) => check.name === 'redis ingress');
    expect(Object.keys(failed)).toEqual([...CHECK_CONTRACT, 'flaky', 'description', 'location', 'fix', 'nextSteps']);
    expect(Object.keys(failed.observations[0])).toEqual(['what', 'expected', 'actual', 'ok']);
  });

  it('keeps the contract order even when the report object was built in another order', () => {
    const shuffled = Object.fromEntries(Object.entries(mixed).reverse()) as unknown as RunReport;
    expect(Object.keys(parse(shuffled)).slice(0, RUN_CONTRACT.length)).toEqual(RUN_CONTRACT);
  });

  it('omits extensions that are not set', () => {
    const document = parse(allPassed);
    expect(document).not.toHaveProperty('interrupted');
    expect(document).not.toHaveProperty('rootCause');
    const skipped = parse(mixed).checks.find((check: any) => check.status === 'skipped');
    expect(Object.keys(skipped)).toEqual([...CHECK_CONTRACT, 'flaky', 'description', 'location', 'skipReason', 'skip']);
    expect(skipped.skipReason).toBe('needs "targets healthy", which failed');
    expect(skipped.skip).toEqual({ reason: 'needs', because: 'targets healthy' });
  });

  it.each([
    ['one cause', 'withRootCause'],
    ['independent failures', 'independent'],
    ['a cause without fix or explanations', 'mixed'],
  ] as const)('writes every rootCause key, always (%s): fix null and empty lists, not missing', (_label, name) => {
    const cause = parse(sampleReports[name]).rootCause;
    expect(Object.keys(cause)).toEqual(['check', 'reason', 'consequences', 'fix', 'skipped', 'explanations', 'otherCauses', 'independent']);
    for (const other of cause.otherCauses) expect(Object.keys(other)).toEqual(['check', 'reason', 'consequences', 'fix', 'skipped']);
  });

  it('marks unrelated failures as independent, with fix null where there is none', () => {
    const cause = parse(independent).rootCause;
    expect(cause).toMatchObject({ check: 'docs page', fix: null, independent: true, explanations: [] });
    expect(cause.otherCauses).toEqual([{ check: 'search fast', reason: expect.stringContaining('2.4s'), consequences: [], fix: null, skipped: [] }]);
    expect(parse(mixed).rootCause).toMatchObject({ check: 'targets healthy', otherCauses: [], explanations: [], independent: false });
  });

  it.each(Object.entries(sampleReports))('%s: summary.inconclusive is always written, 0 when no check was', (_name, report) => {
    const expected = report.checks.filter((check) => check.status === 'inconclusive').length;
    expect(parse(report).summary.inconclusive).toBe(expected);
  });

  it('writes summary.inconclusive as 0 for a report built without the count (a library caller, an old report)', () => {
    const { inconclusive: _dropped, ...fourCounts } = allPassed.summary;
    expect(parse({ ...allPassed, summary: fourCounts }).summary).toEqual({ ...fourCounts, inconclusive: 0 });
  });

  it('carries the interruption and the summary counts', () => {
    const document = parse(interrupted);
    expect(document.interrupted).toBe('SIGINT');
    expect(document.summary).toEqual({ passed: 1, failed: 0, errored: 0, skipped: 2, inconclusive: 0 });
    expect(document.checks.map((check: any) => check.skip)).toEqual([undefined, { reason: 'interrupted' }, { reason: 'interrupted' }]);
    expect(document.status).toBe('failed');
  });

  it('round-trips nasty strings exactly', () => {
    const document = parse(nasty);
    expect(document.checks.map((check: any) => check.message)).toEqual(nasty.checks.map((check) => check.message));
    expect(document.scenario).toBe(nasty.scenario);
  });

  it('encodes a bigint in details as a string instead of throwing', () => {
    const report: RunReport = { ...mixed, checks: [{ ...mixed.checks[0]!, details: { bytes: 12345678901234567890n } }] };
    expect(parse(report).checks[0].details).toEqual({ bytes: '12345678901234567890' });
  });
});
