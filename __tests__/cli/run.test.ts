/**
 * `verify-deployment run` end to end against a real local HTTP server: exit codes, the reporters
 * on stdout and in --out files, progress on stderr, GitHub annotations and step summary.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestHttpServer } from '../support/http-server.js';
import { fixture, killAllCli, parseStdoutJson, lineOf, ROOT, runCli, STACK_LINE, startFixtureServer, type CliResult } from '../support/cli.js';

const MIXED = fixture('mixed.yaml');
const PASSING = fixture('passing.yaml');
const CONTRACT_RUN_KEYS = ['version', 'scenario', 'status', 'startedAt', 'durationMs', 'summary', 'checks'];
const CONTRACT_CHECK_KEYS = ['name', 'type', 'status', 'attempts', 'durationMs', 'message', 'observations', 'details'];

/**
 * A small well-formedness check: one root, every tag closed in order, attribute values quoted,
 * no raw `<` or stray `&` in text. Returns the element names in document order.
 */
function parseXmlShape(xml: string): string[] {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const body = xml.slice(xml.indexOf('?>') + 2);
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.:-]+="[^"<]*")*)\s*(\/?)>/g;
  const stack: string[] = [];
  const names: string[] = [];
  let roots = 0;
  let last = 0;
  for (const match of body.matchAll(tag)) {
    const text = body.slice(last, match.index);
    expect(text).not.toMatch(/<|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i);
    last = match.index + match[0].length;
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      expect(stack.pop()).toBe(name);
      continue;
    }
    if (stack.length === 0) roots += 1;
    names.push(name!);
    if (!selfClosing) stack.push(name!);
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  return names;
}

let server: TestHttpServer;
let tmp: string;
let passing: CliResult;
let mixedJson: CliResult;
let mixedHuman: CliResult;
let invalid: CliResult;
let missing: CliResult;
let errored: CliResult;
const summaryFile = () => path.join(tmp, 'step-summary.md');

beforeAll(async () => {
  server = await startFixtureServer();
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-cli-run-'));
  writeFileSync(summaryFile(), 'earlier step\n');
  const base = `base=${server.url}`;
  [passing, mixedJson, mixedHuman, invalid, missing, errored] = await Promise.all([
    runCli(['run', PASSING, '--var', base, '--out', `json=${path.join(tmp, 'passing/report.json')}`]),
    // Relative --out paths resolve against the working directory; nested directories are created.
    runCli(['run', MIXED, '--var', base, '--reporter', 'json', '--out', 'json=reports/deep/er/report.json', '--out', 'junit=reports/junit.xml'], { cwd: tmp }),
    // github annotations and the pretty report share stdout.
    runCli(['run', path.relative(ROOT, MIXED), '--var', base, '--reporter', 'github', '--reporter', 'pretty'], { cwd: ROOT, env: { GITHUB_STEP_SUMMARY: summaryFile() } }),
    runCli(['run', fixture('three-problems.yaml'), '--var', base, '--reporter', 'json']),
    runCli(['run', path.join(tmp, 'no-such-scenario.yaml')]),
    runCli(['run', fixture('errored.yaml')]),
  ]);
}, 90_000);

afterAll(async () => {
  killAllCli();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('exit codes', () => {
  it('all checks passed → 0, with the pretty summary on stdout', () => {
    expect(passing.code).toBe(0);
    expect(passing.stdout).toMatch(/PASSED cli passing: 2 passed, 0 failed, 0 errored, 0 skipped/);
    const report = JSON.parse(readFileSync(path.join(tmp, 'passing/report.json'), 'utf8'));
    expect(report.status).toBe('passed');
    expect(report.checks.map((c: { status: string }) => c.status)).toEqual(['passed', 'passed']);
  });

  it('a check failing with HTTP 500 → 1, and the pretty report names it', () => {
    expect(mixedHuman.code).toBe(1);
    expect(mixedHuman.stdout).toMatch(/FAILED cli mixed: 1 passed, 1 failed, 0 errored, 1 skipped/);
    expect(mixedHuman.stdout).toMatch(/broken.*500/);
    expect(mixedHuman.stderr).not.toContain(STACK_LINE);
  });

  it('a check that errors (cannot run at all) → 1', () => {
    expect(errored.code).toBe(1);
    expect(errored.stdout).toMatch(/FAILED cli errored: 0 passed, 0 failed, 1 errored, 0 skipped/);
    expect(errored.stderr).not.toContain(STACK_LINE);
  });

  it('an invalid scenario → 2 with file:line:column for every problem and no stack trace', () => {
    expect(invalid.code).toBe(2);
    const file = fixture('three-problems.yaml');
    expect(invalid.stderr).toContain(`${file}:6:5 `);
    expect(invalid.stderr).toContain(`${file}:8:11 `);
    expect(invalid.stderr).toContain(`${file}:13:13 `);
    expect(invalid.stderr).toMatch(/did you mean "timeout"/);
    expect(invalid.stderr).not.toContain(STACK_LINE);
    // No report, not even with --reporter json: there was no run.
    expect(invalid.stdout).toBe('');
  });

  it('a scenario file that does not exist → 2 with the path and no stack trace', () => {
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${path.join(tmp, 'no-such-scenario.yaml')}: no such file`);
    expect(missing.stderr).not.toContain(STACK_LINE);
  });
});

describe('--reporter json', () => {
  it('stdout is exactly one JSON document with the v1 contract fields, in order', () => {
    expect(mixedJson.code).toBe(1);
    expect(mixedJson.stdout.startsWith('{')).toBe(true);
    expect(mixedJson.stdout.trimEnd().endsWith('}')).toBe(true);
    // JSON.parse rejects anything after the document: one document, nothing else.
    const report = parseStdoutJson(mixedJson);
    expect(Object.keys(report).slice(0, CONTRACT_RUN_KEYS.length)).toEqual(CONTRACT_RUN_KEYS);
    expect(report).toMatchObject({ version: 1, scenario: 'cli mixed', status: 'failed' });
    expect(new Date(report.startedAt).toISOString()).toBe(report.startedAt);
    expect(report.durationMs).toEqual(expect.any(Number));
    expect(report.summary).toEqual({ passed: 1, failed: 1, errored: 0, skipped: 1, inconclusive: 0 });
    expect(Object.keys(report.summary)).toEqual(['passed', 'failed', 'errored', 'skipped', 'inconclusive']);

    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(['healthy', 'broken', 'dependent']);
    expect(report.checks.map((c: { status: string }) => c.status)).toEqual(['passed', 'failed', 'skipped']);
    for (const check of report.checks) {
      expect(Object.keys(check).slice(0, CONTRACT_CHECK_KEYS.length)).toEqual(CONTRACT_CHECK_KEYS);
      expect(check.type).toBe('http');
      expect(check.attempts).toEqual(expect.any(Number));
      expect(check.durationMs).toEqual(expect.any(Number));
      expect(check.message).toEqual(expect.any(String));
      expect(check.details).toEqual(expect.any(Object));
      for (const observation of check.observations) expect(Object.keys(observation)).toEqual(['what', 'expected', 'actual', 'ok']);
    }
    const broken = report.checks[1];
    expect(broken.attempts).toBe(1);
    expect(broken.message).toMatch(/500/);
    expect(broken.observations).toContainEqual({ what: 'status', expected: '200', actual: '500', ok: false });
    expect(report.checks[2].message).toMatch(/broken/);
  });

  it('progress goes to stderr only', () => {
    expect(mixedJson.stderr).toMatch(/healthy/);
    expect(mixedJson.stderr).toMatch(/broken/);
    expect(mixedJson.stderr).not.toContain(STACK_LINE);
    expect(mixedJson.stdout).not.toMatch(/Verifying|▶/);
  });

  it('--out json=PATH writes the same document to a file, creating nested directories', () => {
    const written = readFileSync(path.join(tmp, 'reports/deep/er/report.json'), 'utf8');
    expect(written).toBe(mixedJson.stdout);
  });

  it('--out junit=PATH writes well-formed JUnit XML with one testcase per check', () => {
    const xml = readFileSync(path.join(tmp, 'reports/junit.xml'), 'utf8');
    const elements = parseXmlShape(xml);
    expect(elements[0]).toBe('testsuites');
    expect(elements.filter((name) => name === 'testsuite')).toHaveLength(1);
    expect(elements.filter((name) => name === 'testcase')).toHaveLength(3);
    expect(elements.filter((name) => name === 'failure')).toHaveLength(1);
    expect(elements.filter((name) => name === 'skipped')).toHaveLength(1);
    expect(xml).toMatch(/<testsuite [^>]*tests="3" failures="1" errors="0" skipped="1"/);
    expect(xml).toMatch(/<testcase [^>]*name="broken"[^>]*>[\s\S]*?<failure [^>]*message="[^"]*500/);
  });
});

describe('--reporter github', () => {
  it('prints one ::error annotation per failed check, with the scenario file and line', () => {
    expect(mixedHuman.code).toBe(1);
    const errors = mixedHuman.stdout.split('\n').filter((line) => line.startsWith('::error '));
    expect(errors).toHaveLength(1);
    const relative = path.relative(ROOT, MIXED);
    expect(errors[0]).toMatch(new RegExp(`^::error title=[^,:]*broken[^,:]*,file=${relative.replace(/[.]/g, '\\.')},line=${lineOf(MIXED, 'name: broken')}(,col=\\d+)?::`));
    expect(errors[0]).toMatch(/500/);
    // Another stdout reporter may follow the annotations.
    expect(mixedHuman.stdout).toMatch(/FAILED cli mixed/);
  });

  it('appends a markdown summary to $GITHUB_STEP_SUMMARY', () => {
    const summary = readFileSync(summaryFile(), 'utf8');
    expect(summary.startsWith('earlier step\n')).toBe(true);
    const added = summary.slice('earlier step\n'.length);
    expect(added).toMatch(/FAILED cli mixed/);
    expect(added).toMatch(/^\| *Status *\|/m);
    for (const name of ['healthy', 'broken', 'dependent']) expect(added).toMatch(new RegExp(`^\\|.*\\| ${name} \\|`, 'm'));
  });
});
