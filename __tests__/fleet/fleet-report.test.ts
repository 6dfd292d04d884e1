/**
 * Fleet verdicts, merging reports written elsewhere (summarize), and the four fleet reporters,
 * from the sample reports every single-run reporter is pinned against.
 */
import { describe, expect, it } from '@jest/globals';
import { renderFleet } from '../../runner/fleet/render.js';
import { expectedServices, mergeReports, runReportFromJson, type ReportInput } from '../../runner/fleet/summarize.js';
import type { FleetReport, FleetServiceResult } from '../../runner/fleet/types.js';
import { fleetReport, verdictOf } from '../../runner/fleet/verdict.js';
import { render } from '../../runner/reporters/index.js';
import type { RunReport } from '../../runner/result.js';
import { allPassed, mixed, nasty, withRootCause } from '../support/sample-reports.js';

const json = (report: RunReport): unknown => JSON.parse(render('json', report, { color: false }).text);
const as = (report: RunReport, cluster: string, service: string): RunReport => ({ ...report, scenario: service, file: `discovered:${cluster}/${service}` });

describe('verdictOf', () => {
  const summary = (counts: Record<string, number>) => ({ passed: 0, failed: 0, errored: 0, skipped: 0, ...counts });
  it.each([
    ['passed', summary({ passed: 3 }), 'passed'],
    ['failed', summary({ passed: 1, failed: 1 }), 'failed'],
    ['failed', summary({ errored: 1 }), 'errored'],
    ['failed', summary({ failed: 1, errored: 1 }), 'failed'],
    ['failed', summary({ passed: 2, skipped: 2 }), 'failed'], // interrupted / timed out: not a pass
    ['passed', summary({ passed: 2, inconclusive: 1 }), 'inconclusive'],
    ['failed', summary({ passed: 2, inconclusive: 1 }), 'inconclusive'],
    ['inconclusive', summary({ passed: 2 }), 'inconclusive'],
    ['something-new', summary({ passed: 2 }), 'failed'],
  ])('status %s with %j → %s', (status, counts, verdict) => {
    expect(verdictOf({ status: status as RunReport['status'], summary: counts })).toBe(verdict);
  });
});

describe('fleetReport', () => {
  const result = (service: string, verdict: FleetServiceResult['verdict']): FleetServiceResult => ({ service, verdict, durationMs: 1 });
  it.each([
    [['passed', 'passed'], 'pass' as const, 'passed'],
    [['passed', 'failed'], 'fail' as const, 'failed'],
    [['passed', 'errored'], 'fail' as const, 'failed'],
    [['passed', 'inconclusive'], 'fail' as const, 'failed'],
    [['passed', 'inconclusive'], 'pass' as const, 'passed'],
    [[], 'fail' as const, 'failed'],
  ])('%j with inconclusive=%s → %s', (verdicts, inconclusive, status) => {
    const fleet = fleetReport(
      verdicts.map((v, i) => result(`s${i}`, v as FleetServiceResult['verdict'])),
      { startedAt: new Date(0), durationMs: 5, inconclusive },
    );
    expect(fleet.status).toBe(status);
    expect(fleet.totals.services).toBe(verdicts.length);
  });
});

describe('mergeReports (summarize)', () => {
  it('reads the service and cluster of discovered runs, recomputes verdicts, and totals them', () => {
    const inputs: ReportInput[] = [
      { source: 'a.json', json: json(as(allPassed, 'shop', 'api')) },
      { source: 'b.json', json: json(as(withRootCause, 'shop', 'worker')) },
    ];
    const fleet = mergeReports(inputs);
    expect(fleet).toMatchObject({ cluster: 'shop', status: 'failed', totals: { services: 2, passed: 1, failed: 1, errored: 0, inconclusive: 0 } });
    expect(fleet.services.map((s) => [s.cluster, s.service, s.verdict])).toEqual([
      ['shop', 'api', 'passed'],
      ['shop', 'worker', 'failed'],
    ]);
  });

  it('names a scenario-file run by its scenario name', () => {
    expect(mergeReports([{ source: 'r.json', json: json(allPassed) }]).services[0]).toMatchObject({ service: allPassed.scenario, verdict: 'passed' });
  });

  it('never passes an entry without a report, whatever verdict it claims', () => {
    const fleet = mergeReports([{ source: 'answers.json', json: [{ cluster: 'shop', service: 'api', verdict: 'passed' }] }]);
    expect(fleet.services[0]).toMatchObject({ service: 'api', verdict: 'errored' });
    expect(fleet.status).toBe('failed');
  });

  it("recomputes a fleet report's verdicts from each report, not from the verdicts written in it", () => {
    const forged = { version: 1, cluster: 'shop', status: 'passed', totals: { services: 1 }, services: [{ cluster: 'shop', service: 'worker', verdict: 'passed', report: json(withRootCause) }] };
    expect(mergeReports([{ source: 'fleet.json', json: forged }]).services[0]!.verdict).toBe('failed');
  });

  it('merges Lambda answers and Step Functions ResultWriter results (Output of passed children, Cause of failed ones)', () => {
    const passedAnswer = { cluster: 'shop', service: 'api', verdict: 'passed', report: json(allPassed) };
    const failedAnswer = { cluster: 'shop', service: 'worker', verdict: 'failed', report: json(withRootCause) };
    const results = [
      { ExecutionArn: 'arn:1', Input: JSON.stringify({ cluster: 'shop', service: 'api' }), Output: JSON.stringify(passedAnswer), Status: 'SUCCEEDED' },
      { ExecutionArn: 'arn:2', Input: JSON.stringify({ cluster: 'shop', service: 'worker' }), Error: 'VerificationNotPassed', Cause: JSON.stringify(failedAnswer), Status: 'FAILED' },
      { ExecutionArn: 'arn:3', Input: JSON.stringify({ cluster: 'shop', service: 'billing' }), Error: 'States.Timeout', Status: 'TIMED_OUT' },
    ];
    const fleet = mergeReports([{ source: 'SUCCEEDED_0.json', json: results }]);
    expect(fleet.services.map((s) => [s.service, s.verdict])).toEqual([
      ['api', 'passed'],
      ['worker', 'failed'],
      ['billing', 'errored'],
    ]);
    expect(fleet.services[2]!.error).toContain('TIMED_OUT: States.Timeout');
  });

  it.each([
    [{ source: 'gone.json', error: 'no such file' }, 'gone.json: no such file'],
    [{ source: 'x.json', json: { hello: 'world' } }, 'not a verify-deployment report: unknown report version'],
    [{ source: 'v2.json', json: { ...(json(allPassed) as object), version: 2 } }, 'unknown report version 2'],
    [{ source: 'n.json', json: 42 }, 'not a JSON object'],
  ])('an unreadable input %j is an errored service saying why', (input, why) => {
    const fleet = mergeReports([input]);
    expect(fleet.services[0]).toMatchObject({ verdict: 'errored' });
    expect(fleet.services[0]!.error).toContain(why);
    expect(fleet.status).toBe('failed');
  });

  it('--expect: a listed service without a report is errored; reported ones are matched by cluster and name', () => {
    const fleet = mergeReports([{ source: 'a.json', json: json(as(allPassed, 'shop', 'api')) }], {
      expect: [
        { cluster: 'shop', service: 'api' },
        { cluster: 'shop', service: 'worker' },
      ],
    });
    expect(fleet.services.map((s) => [s.service, s.verdict])).toEqual([
      ['api', 'passed'],
      ['worker', 'errored'],
    ]);
    expect(fleet.services[1]!.error).toMatch(/^no report/);
  });

  it.each([
    ['matrix', '{"include":[{"cluster":"shop","service":"api"},{"cluster":"shop","service":"web"}]}'],
    ['chunked matrices', '[{"include":[{"cluster":"shop","service":"api"}]},{"include":[{"cluster":"shop","service":"web"}]}]'],
    ['jsonl', '{"cluster":"shop","service":"api"}\n{"cluster":"shop","service":"web"}\n'],
    ['json', '[{"cluster":"shop","service":"api"},{"cluster":"shop","service":"web"}]'],
  ])('reads the expected services from discover --format %s', (_format, text) => {
    expect(expectedServices(text)).toEqual([
      { cluster: 'shop', service: 'api' },
      { cluster: 'shop', service: 'web' },
    ]);
  });

  it('runReportFromJson round-trips what the json reporter writes', () => {
    const report = runReportFromJson(json(mixed));
    expect(typeof report).toBe('object');
    expect(render('pretty', report as RunReport, { color: false }).text).toBe(render('pretty', mixed, { color: false }).text);
  });
});

function sampleFleet(): FleetReport {
  const results: FleetServiceResult[] = [
    { cluster: 'shop', service: 'api', verdict: 'passed', report: as(allPassed, 'shop', 'api'), durationMs: 1_200 },
    { cluster: 'shop', service: 'worker', verdict: 'failed', report: as(withRootCause, 'shop', 'worker'), durationMs: 20_100 },
    { cluster: 'shop', service: 'billing', verdict: 'errored', error: 'ECS service billing not found in cluster shop (MISSING)', durationMs: 30 },
  ];
  return fleetReport(results, { cluster: 'shop', startedAt: new Date('2025-06-12T14:10:41.613Z'), durationMs: 21_000 });
}

describe('fleet reporters', () => {
  const options = { color: false, cwd: '/repo' };

  it('json: {version, cluster, status, totals, services: [{service, verdict, report}]}, each report as run --reporter json writes it', () => {
    const doc = JSON.parse(renderFleet('json', sampleFleet(), options).text) as Record<string, any>;
    expect(doc).toMatchObject({ version: 1, cluster: 'shop', status: 'failed', totals: { services: 3, passed: 1, failed: 1, errored: 1, inconclusive: 0 } });
    expect(doc.services.map((s: any) => [s.service, s.verdict])).toEqual([
      ['api', 'passed'],
      ['worker', 'failed'],
      ['billing', 'errored'],
    ]);
    expect(doc.services[1].report).toEqual(JSON.parse(render('json', as(withRootCause, 'shop', 'worker'), options).text));
    expect(doc.services[2]).toMatchObject({ report: null, error: expect.stringContaining('MISSING') });
    // What summarize reads back is the same fleet.
    expect(mergeReports([{ source: 'fleet.json', json: doc }]).totals).toEqual(doc.totals);
  });

  it('junit: one <testsuite> per service inside one <testsuites> with the sums; a service with no report is an <error>', () => {
    const xml = renderFleet('junit', sampleFleet(), options).text;
    const suites = [...xml.matchAll(/^ {2}<testsuite name="([^"]+)" tests="(\d+)"/gm)].map((m) => [m[1], Number(m[2])]);
    expect(suites).toEqual([
      ['api', allPassed.checks.length],
      ['worker', withRootCause.checks.length],
      ['billing', 1],
    ]);
    const tests = allPassed.checks.length + withRootCause.checks.length + 1;
    expect(xml).toMatch(new RegExp(`<testsuites name="fleet shop" tests="${tests}" failures="${withRootCause.summary.failed}" errors="${withRootCause.summary.errored + 1}"`));
    expect(xml).toContain('<error message="ECS service billing not found in cluster shop (MISSING)" type="not-verified"/>');
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml.match(/<\/testsuite>/g)).toHaveLength(3);
  });

  it('github: annotations of the services that did not pass, one fleet notice, and a step summary row per service', () => {
    const output = renderFleet('github', sampleFleet(), options);
    const lines = output.text.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('::notice'))).toEqual([expect.stringMatching(/^::notice title=verify-deployment fleet::✗ FAILED fleet shop: 1 passed, 1 failed, 1 errored/)]);
    expect(lines).toContain('::error title=billing not verified::ECS service billing not found in cluster shop (MISSING)');
    expect(lines.filter((l) => l.startsWith('::error')).length).toBeGreaterThan(1);
    expect(output.stepSummary).toMatch(/^### ✗ FAILED fleet shop/);
    expect(output.stepSummary).toContain('| ✅ passed | api |');
    expect(output.stepSummary).toContain('| ❌ failed | worker |');
    expect(output.stepSummary).toContain('<details><summary>worker: failed</summary>');
  });

  it('pretty: a line per service, the failing ones in full, the fleet verdict last', () => {
    const text = renderFleet('pretty', sampleFleet(), options).text;
    const lines = text.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^✓ passed +api +\d+\/\d+ +1\.2s$/);
    expect(lines[2]).toMatch(/^✗ failed +worker +\d+\/\d+ +20\.1s +root cause: /);
    expect(lines[3]).toMatch(/^! errored +billing +ECS service billing not found/);
    expect(text).toContain('── worker (failed) ──');
    expect(text).not.toContain('── api');
    expect(lines.at(-1)).toBe('✗ FAILED fleet shop: 1 passed, 1 failed, 1 errored, 0 inconclusive of 3 services in 21s');
  });

  it.each(['pretty', 'github', 'junit'] as const)('%s never lets a service name or message drive the terminal or become a workflow command', (name) => {
    const hostile: FleetServiceResult = { service: 'evil\u001b[2J\n::error::owned', verdict: 'errored', error: 'line\n::set-output name=x::y', durationMs: 1 };
    const fleet = fleetReport([hostile, { service: 'n', verdict: 'failed', report: nasty, durationMs: 1 }], { cluster: 'shop', startedAt: new Date(0), durationMs: 1 });
    const output = renderFleet(name, fleet, options);
    const text = output.text + (output.stepSummary ?? '');
    expect(text).not.toContain('\u001b');
    expect(text.split('\n').filter((l) => /^::(?!error |notice |warning )/.test(l))).toEqual([]);
  });
});
