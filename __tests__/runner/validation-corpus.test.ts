/**
 * The malformed-scenario corpus: every file in __tests__/fixtures/invalid must be rejected before
 * anything runs, with file:line:column, the path and what was expected. Files that cannot be
 * committed sensibly (binary, > 1 MiB, 5,000 levels deep) are written to a temp dir at test time.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, MAX_SCENARIO_BYTES } from '../../runner/load.js';
import { formatProblem, ScenarioError, type Problem } from '../../runner/problems.js';
import { fakeChecks } from '../support/fake-checks.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const INVALID = path.join(HERE, '..', 'fixtures', 'invalid');
const SECRET = 's3cr3t-value-123';
const ENV = { API_TOKEN: SECRET };

/** Loads a file that must be rejected; returns its problems and how long the load took. */
async function rejectWith(file: string): Promise<{ problems: Problem[]; error: ScenarioError; ms: number }> {
  const started = performance.now();
  let caught: unknown;
  try {
    await loadScenario(file, { checkTypes: [...fakeChecks], env: ENV });
  } catch (error) {
    caught = error;
  }
  const ms = performance.now() - started;
  expect(caught).toBeInstanceOf(ScenarioError);
  const error = caught as ScenarioError;
  return { problems: error.problems, error, ms };
}

function expectSorted(problems: Problem[]): void {
  const keys = problems.map((p) => [p.line, p.column]);
  const sorted = [...keys].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  expect(keys).toEqual(sorted);
}

interface Case {
  file: string;
  line: number;
  column: number;
  message: string;
  /** Exact human path ('' for whole-file problems). */
  path: string;
}

// prettier-ignore
const CORPUS: Case[] = [
  // Broken YAML
  { file: 'yaml-bad-indentation.yaml', line: 4, column: 11, message: 'invalid YAML: Nested mappings are not allowed', path: '' },
  { file: 'yaml-unclosed-quote.yaml', line: 6, column: 1, message: 'invalid YAML: Missing closing "quote', path: '' },
  { file: 'yaml-tab-indentation.yaml', line: 3, column: 1, message: 'Tabs are not allowed as indentation', path: '' },
  { file: 'duplicate-key.yaml', line: 6, column: 5, message: 'Map keys must be unique (each key may appear once)', path: '' },
  { file: 'multiple-documents.yaml', line: 6, column: 1, message: 'multiple documents', path: '' },
  { file: 'alias-bomb.yaml', line: 1, column: 1, message: 'too many YAML alias expansions (limit 100)', path: '' },
  // Shape of the file
  { file: 'top-level-list.yaml', line: 1, column: 1, message: 'expected a mapping with name: and checks:, got a list', path: '' },
  { file: 'top-level-scalar.yaml', line: 1, column: 1, message: 'expected a mapping with name: and checks:, got string', path: '' },
  { file: 'empty.yaml', line: 1, column: 1, message: 'the file is empty', path: '' },
  { file: 'comments-only.yaml', line: 1, column: 1, message: 'the file is empty', path: '' },
  { file: 'missing-name.yaml', line: 1, column: 1, message: 'is required (expected a string)', path: 'name' },
  { file: 'missing-checks.yaml', line: 1, column: 1, message: 'is required (expected a list)', path: 'checks' },
  { file: 'checks-empty.yaml', line: 2, column: 9, message: 'needs at least 1 item(s)', path: 'checks' },
  { file: 'unknown-top-level-key.yaml', line: 2, column: 1, message: 'unknown key "checkz" — did you mean "checks"?', path: 'checkz' },
  // Checks
  { file: 'check-not-mapping.yaml', line: 6, column: 5, message: 'expected a mapping with name: and type:, got "just-a-name"', path: 'checks[1]' },
  { file: 'check-missing-name.yaml', line: 3, column: 5, message: 'is required (expected a string)', path: 'checks[0] (fake).name' },
  { file: 'check-missing-type.yaml', line: 3, column: 5, message: 'is required (expected a string)', path: 'checks[0].type' },
  { file: 'unknown-type.yaml', line: 4, column: 11, message: 'unknown check type "ping"; known types: fake, fake-deadline, fake-http', path: 'checks[0] (ping).type' },
  { file: 'type-typo.yaml', line: 4, column: 11, message: 'did you mean "fake-http"?', path: 'checks[0] (fake-htp).type' },
  { file: 'typo-key-timout.yaml', line: 6, column: 5, message: 'unknown key "timout" — did you mean "timeout"?', path: 'checks[0] (fake).timout' },
  { file: 'typo-spec-key.yaml', line: 8, column: 7, message: 'unknown key "maxLatncy" — did you mean "maxLatency"?', path: 'checks[0] (fake-http).expect.maxLatncy' },
  { file: 'name-not-string.yaml', line: 3, column: 11, message: 'expected a string, got number 42', path: 'checks[0] (fake).name' },
  { file: 'needs-not-list.yaml', line: 9, column: 12, message: 'expected a list, got "a"', path: 'checks[1] (fake).needs' },
  { file: 'outcome-not-allowed.yaml', line: 5, column: 22, message: 'expected one of "pass", "retry"', path: 'checks[0] (fake).outcomes[1]' },
  { file: 'nested-max-latency.yaml', line: 14, column: 19, message: 'expected a duration like "500ms", "15s" or "2m", got "fast"', path: 'checks[2] (fake-http).expect.maxLatency' },
  { file: 'nested-required-missing.yaml', line: 3, column: 5, message: 'is required (expected a mapping)', path: 'checks[0] (fake-http).expect' },
  // Durations and retry
  { file: 'bad-duration-word.yaml', line: 6, column: 14, message: 'expected a duration like "500ms", "15s" or "2m", got "fast"', path: 'checks[0] (fake).timeout' },
  { file: 'bad-duration-no-unit.yaml', line: 3, column: 12, message: 'got "10"', path: 'defaults.timeout' },
  { file: 'bad-duration-space.yaml', line: 7, column: 17, message: 'got "5 s"', path: 'checks[0] (fake).retry.interval' },
  { file: 'attempts-zero.yaml', line: 7, column: 17, message: 'must be at least 1, got number 0', path: 'checks[0] (fake).retry.attempts' },
  { file: 'attempts-negative.yaml', line: 4, column: 15, message: 'must be at least 1, got number -3', path: 'defaults.retry.attempts' },
  { file: 'unknown-retry-key.yaml', line: 8, column: 7, message: 'unknown key "delay" (allowed: attempts, interval, backoff, maxInterval, within)', path: 'checks[0] (fake).retry.delay' },
  // Names and needs
  { file: 'duplicate-check-names.yaml', line: 6, column: 11, message: 'duplicate check name "api" (also checks[0]): names must be unique', path: 'checks[1] (fake).name' },
  { file: 'needs-unknown.yaml', line: 9, column: 13, message: 'needs unknown check "service-stabel" — did you mean "service-stable"?', path: 'checks[1] (fake).needs[0]' },
  { file: 'needs-self.yaml', line: 6, column: 13, message: '"a" cannot need itself', path: 'checks[0] (fake).needs[0]' },
  { file: 'problems-in-every-check.yaml', line: 14, column: 13, message: 'needs unknown check "qqq"', path: 'checks[2] (nope).needs[0]' },
  { file: 'needs-cycle.yaml', line: 6, column: 12, message: 'needs form a cycle: a → c → b → a', path: 'checks[0] (fake).needs' },
  // Interpolation
  { file: 'missing-env.yaml', line: 5, column: 10, message: 'environment variable API_HOST is not set', path: 'checks[0] (fake-http).url' },
  { file: 'missing-var.yaml', line: 7, column: 10, message: 'variable "host" is not defined: declare it under vars: (then --var host=VALUE can set it)', path: 'checks[0] (fake-http).url' },
  { file: 'unterminated-interpolation.yaml', line: 5, column: 10, message: 'unterminated "${"', path: 'checks[0] (fake-http).url' },
  { file: 'unknown-namespace.yaml', line: 5, column: 10, message: 'cannot interpolate "${foo.bar}"', path: 'checks[0] (fake-http).url' },
  { file: 'vars-not-scalar.yaml', line: 4, column: 10, message: 'expected a string, a number or true or false, got a list', path: 'vars.ports' },
  // secrets, aws
  { file: 'secrets-not-list.yaml', line: 2, column: 10, message: 'expected a list, got "API_TOKEN"', path: 'secrets' },
  { file: 'secrets-bad-name.yaml', line: 4, column: 5, message: 'expected an environment variable name', path: 'secrets[1]' },
  { file: 'aws-unknown-key.yaml', line: 4, column: 3, message: 'unknown key "regoin" — did you mean "region"?', path: 'aws.regoin' },
  { file: 'secret-in-message.yaml', line: 7, column: 14, message: 'expected a duration like "500ms", "15s" or "2m", got "***"', path: 'checks[0] (fake).timeout' },
];

describe('the invalid corpus', () => {
  it('has at least 30 files, and every file is in the table', async () => {
    const files = (await readdir(INVALID)).filter((f) => f.endsWith('.yaml')).sort();
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(files).toEqual([...new Set(CORPUS.map((c) => c.file).concat('three-problems.yaml'))].sort());
  });

  it.each(CORPUS)('$file → $line:$column $path: …$message…', async ({ file, line, column, message, path: problemPath }) => {
    const full = path.join(INVALID, file);
    const { problems, error, ms } = await rejectWith(full);
    expect(problems).toContainEqual({ file: full, line, column, path: problemPath, message: expect.stringContaining(message) });
    expectSorted(problems);
    // Every problem is a sentence with a position, never a stack trace or a secret.
    for (const problem of problems) {
      expect(problem.line).toBeGreaterThanOrEqual(1);
      expect(problem.column).toBeGreaterThanOrEqual(1);
      expect(problem.message).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
      expect(problem.message).not.toContain(SECRET);
    }
    expect(error.message).toContain(`${full}:${line}:${column}`);
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(ms).toBeLessThan(1000);
  });

  it('reports all problems at once, sorted by position', async () => {
    const file = path.join(INVALID, 'three-problems.yaml');
    const { problems, error } = await rejectWith(file);
    expect(problems.map((p) => [p.line, p.column, p.path])).toEqual([
      [6, 14, 'checks[0] (fake).timeout'],
      [8, 11, 'checks[1] (nope).type'],
      [12, 13, 'checks[2] (fake).needs[0]'],
    ]);
    expect(problems[0]!.message).toContain('got "soon"');
    expect(problems[1]!.message).toContain('unknown check type "nope"');
    expect(problems[2]!.message).toContain('needs unknown check "zzz"');
    expect(error.message.split('\n')).toEqual(problems.map(formatProblem));
  });

  it('checks needs even of checks that have other problems', async () => {
    const { problems } = await rejectWith(path.join(INVALID, 'problems-in-every-check.yaml'));
    expect(problems.map((p) => `${p.line}:${p.column} ${p.path}`)).toEqual([
      '6:14 checks[0] (fake).timeout',
      '7:13 checks[0] (fake).needs[0]',
      '8:5 checks[1] (fake-http).expect',
      '10:10 checks[1] (fake-http).url',
      '11:16 checks[1] (fake-http).needs[1]',
      '13:11 checks[2] (nope).type',
      '14:13 checks[2] (nope).needs[0]',
    ]);
    expect(problems[4]!.message).toBe('"b" cannot need itself');
  });

  it('masks a declared secret that a problem message would echo', async () => {
    const { problems } = await rejectWith(path.join(INVALID, 'secret-in-message.yaml'));
    expect(JSON.stringify(problems)).not.toContain(SECRET);
    expect(problems[0]!.message).toContain('***');
  });
});

describe('generated malformed files', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vd-invalid-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function written(name: string, content: string | Buffer): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  }

  it.each<[string, () => Buffer]>([
    ['NUL bytes in text', () => Buffer.from('name: x\nchecks:\n  - name: a\u0000\n    type: fake\n')],
    ['binary garbage', () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))],
  ])('%s is rejected as not a text file', async (name, content) => {
    const file = await written(`${name.replace(/\W+/g, '-')}.yaml`, content());
    const { problems, ms } = await rejectWith(file);
    expect(problems).toEqual([{ file, line: 1, column: 1, path: '', message: expect.stringContaining('is not a text file (contains NUL bytes)') }]);
    expect(ms).toBeLessThan(1000);
  });

  it('a file over 1 MiB is rejected before it is read or parsed', async () => {
    const body = `name: big\nchecks:\n${'  - { name: a, type: fake, outcomes: [pass] }\n'.repeat(Math.ceil(MAX_SCENARIO_BYTES / 40))}`;
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_SCENARIO_BYTES);
    const file = await written('huge.yaml', body);
    const { problems, ms } = await rejectWith(file);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 1, column: 1, message: expect.stringContaining('the limit is 1048576 (1 MiB)') });
    expect(ms).toBeLessThan(3000);
  });

  it.each<[string, (n: number) => string]>([
    ['flow lists', (n) => `name: deep\nchecks:\n  - name: a\n    type: fake\n    outcomes: ${'['.repeat(n)}pass${']'.repeat(n)}\n`],
    ['block lists', (n) => `name: deep\nchecks:\n  - name: a\n    type: fake\n    outcomes:\n${Array.from({ length: n }, (_, i) => `${' '.repeat(i + 4)}-`).join('\n')} pass\n`],
    ['flow mappings', (n) => `name: deep\nvars: ${'{a: '.repeat(n)}1${'}'.repeat(n)}\nchecks:\n  - { name: a, type: fake, outcomes: [pass] }\n`],
  ])('5,000 nested %s give a clear problem, not a crash', async (name, make) => {
    const file = await written(`deep-${name.replace(/\W+/g, '-')}.yaml`, make(5000));
    const { problems, ms } = await rejectWith(file);
    expect(problems.length).toBeGreaterThanOrEqual(1);
    for (const problem of problems) expect(problem.message.length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(5000);
  });

  it.each<[string, string]>([
    ['a missing file', 'no such file'],
    ['a directory', 'is not a file'],
  ])('%s is a problem, not an exception', async (name, message) => {
    const target = name === 'a directory' ? dir : path.join(dir, 'does-not-exist.yaml');
    const { problems } = await rejectWith(target);
    expect(problems).toEqual([{ file: target, line: 0, column: 0, path: '', message: expect.stringContaining(message) }]);
  });
});
