/**
 * The run options end to end: --only, --fail-fast, --concurrency, --timeout, --var.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { respond, respondJson, type TestHttpServer } from '../support/http-server.js';
import { fixture, killAllCli, parseStdoutJson, runCli, STACK_LINE, startFixtureServer, type CliResult } from '../support/cli.js';

interface Report {
  status: string;
  durationMs: number;
  interrupted?: string;
  summary: Record<string, number>;
  checks: { name: string; status: string; message: string; skipReason?: string; attempts: number }[];
}

const SELECTION = fixture('selection.yaml');

let server: TestHttpServer;
const runs = {} as Record<'only' | 'failFast' | 'all' | 'concurrent' | 'timeout', CliResult>;
const report = (name: keyof typeof runs) => parseStdoutJson<Report>(runs[name]);

beforeAll(async () => {
  server = await startFixtureServer();
  // Each run gets its own path prefix (via --var base), so the requests it made can be told apart.
  const base = (run: string) => `base=${server.url}/${run}`;
  for (const run of ['only', 'failFast', 'all']) {
    server.route(`/${run}/ok`, respondJson(200, { status: 'ok' }));
    server.route(`/${run}/fail`, respond(500, 'internal error'));
  }
  const [only, failFast, all, concurrent, timeout] = await Promise.all([
    runCli(['run', SELECTION, '--var', base('only'), '--var', 'greeting=from-cli', '--only', 'first,third', '--reporter', 'json']),
    runCli(['run', SELECTION, '--var', base('failFast'), '--fail-fast', '--concurrency', '1', '--reporter', 'json']),
    runCli(['run', SELECTION, '--var', base('all'), '--reporter', 'json']),
    runCli(['run', fixture('slow.yaml'), '--var', `base=${server.url}`, '--concurrency', '2', '--reporter', 'json']),
    runCli(['run', fixture('hang.yaml'), '--var', `base=${server.url}`, '--timeout', '1s', '--reporter', 'json']),
  ]);
  Object.assign(runs, { only, failFast, all, concurrent, timeout });
}, 90_000);

afterAll(async () => {
  killAllCli();
  await server?.stop();
});

const statuses = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
const paths = (prefix: string) => server.requests.filter((r) => r.url.startsWith(`/${prefix}/`)).map((r) => new URL(r.url, server.url));

describe('--only', () => {
  it('runs just the named checks; the others are skipped as "not selected"', () => {
    expect(runs.only.code).toBe(0);
    expect(statuses(report('only'))).toEqual({ first: 'passed', second: 'skipped', third: 'passed', fourth: 'skipped' });
    for (const name of ['second', 'fourth']) {
      const check = report('only').checks.find((c) => c.name === name)!;
      expect(check.skipReason).toMatch(/not selected/);
      expect(check.attempts).toBe(0);
    }
    expect(paths('only').map((u) => u.searchParams.get('check')).sort()).toEqual(['first', 'third']);
  });
});

describe('--var', () => {
  it('overrides the scenario vars (base and greeting)', () => {
    const first = paths('only').find((u) => u.searchParams.get('check') === 'first')!;
    expect(first.searchParams.get('greeting')).toBe('from-cli');
    // Without --var greeting, the file's value is used.
    const firstAll = paths('all').find((u) => u.searchParams.get('check') === 'first')!;
    expect(firstAll.searchParams.get('greeting')).toBe('from-file');
  });
});

describe('--fail-fast', () => {
  it('without it, checks after a failure still run', () => {
    expect(runs.all.code).toBe(1);
    expect(statuses(report('all'))).toEqual({ first: 'passed', second: 'failed', third: 'passed', fourth: 'passed' });
  });

  it('with it, the checks after the first failure are skipped and never sent', () => {
    expect(runs.failFast.code).toBe(1);
    expect(statuses(report('failFast'))).toEqual({ first: 'passed', second: 'failed', third: 'skipped', fourth: 'skipped' });
    for (const name of ['third', 'fourth']) {
      expect(report('failFast').checks.find((c) => c.name === name)!.skipReason).toMatch(/fail-fast.*second/);
    }
    expect(report('failFast').interrupted).toBeUndefined();
    expect(paths('failFast').map((u) => u.searchParams.get('check'))).toEqual(['first', 'second']);
  });
});

describe('--concurrency 2', () => {
  it('runs two slow independent checks at once and still reports them in file order', () => {
    expect(runs.concurrent.code).toBe(0);
    const result = report('concurrent');
    expect(result.checks.map((c) => [c.name, c.status])).toEqual([
      ['slower', 'passed'],
      ['slow', 'passed'],
    ]);
    // Sequential would take at least 1.5 s + 1 s; together they take about 1.5 s.
    expect(result.durationMs).toBeGreaterThanOrEqual(1400);
    expect(result.durationMs).toBeLessThan(2400);
    // The second check finished first: they overlapped.
    const stderr = runs.concurrent.stderr;
    expect(stderr.indexOf('✓ slow passed')).toBeGreaterThanOrEqual(0);
    expect(stderr.indexOf('✓ slow passed')).toBeLessThan(stderr.indexOf('✓ slower passed'));
  });
});

describe('--timeout', () => {
  it('bounds the whole run: the stuck check fails with the run timeout, exit 1', () => {
    const run = runs.timeout;
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain(STACK_LINE);
    const result = report('timeout');
    expect(result.status).toBe('failed');
    expect(result.durationMs).toBeGreaterThanOrEqual(900);
    expect(result.durationMs).toBeLessThan(4000);
    const stuck = result.checks.find((c) => c.name === 'stuck')!;
    expect(stuck.status).toBe('failed');
    expect(stuck.message).toMatch(/run timeout of 1s/);
    const never = result.checks.find((c) => c.name === 'never started')!;
    expect(never.status).toBe('skipped');
    expect(never.skipReason).toMatch(/run timeout/);
  });
});
