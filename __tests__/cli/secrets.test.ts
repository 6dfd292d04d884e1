/**
 * Secrets never leave the process unmasked. The server echoes the request URL and headers into a
 * 500 body, so the failure message, the details and every report would carry the credentials if
 * masking missed any path: stdout of each reporter, stderr, --out files, $GITHUB_STEP_SUMMARY.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestHttpServer } from '../support/http-server.js';
import { fixture, killAllCli, parseStdoutJson, runCli, STACK_LINE, startFixtureServer, type CliResult } from '../support/cli.js';

// Characters that change under URL and JSON encoding, so every encoded form is a distinct string.
const TOKEN = 'tok3n/S3cr3t+Value=42~x';
const API_KEY = 'apikey-9f8e7d6c5b4a';
const SESSION = 'sess-0a1b2c3d4e5f';
const RAW_SECRETS = [TOKEN, API_KEY, SESSION, `session=${SESSION}`];

/** A secret in every form it could be printed in. */
function formsOf(value: string): string[] {
  return [...new Set([value, encodeURIComponent(value), encodeURI(value), JSON.stringify(value).slice(1, -1), Buffer.from(value).toString('base64').replace(/=+$/, '')])];
}
const FORBIDDEN = [...new Set(RAW_SECRETS.flatMap(formsOf))];

function leaksIn(text: string): string[] {
  const lower = text.toLowerCase();
  return FORBIDDEN.filter((form) => lower.includes(form.toLowerCase()));
}

const REPORTERS = ['pretty', 'json', 'junit', 'github'] as const;
/** stdout runs: pretty and github may share stdout; json and junit must be alone on it. */
const STDOUT_RUNS = {
  'pretty + github': ['--reporter', 'pretty', '--reporter', 'github'],
  json: ['--reporter', 'json'],
  junit: ['--reporter', 'junit'],
} as const;
type RunName = keyof typeof STDOUT_RUNS;
const RUN_NAMES = Object.keys(STDOUT_RUNS) as RunName[];

let server: TestHttpServer;
let tmp: string;
const runs = {} as Record<RunName, CliResult>;
const file = (name: string) => path.join(tmp, name);

beforeAll(async () => {
  server = await startFixtureServer();
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-cli-secrets-'));
  const env = { MY_TOKEN: TOKEN, MY_API_KEY: API_KEY, MY_SESSION: SESSION };
  const results = await Promise.all(
    RUN_NAMES.map((name) => {
      const human = name === 'pretty + github';
      const args = ['run', fixture('secrets.yaml'), '--var', `base=${server.url}`, ...STDOUT_RUNS[name]];
      // Every reporter to a file too, and the step summary, from the run with the github reporter.
      if (human) args.push(...REPORTERS.flatMap((r) => ['--out', `${r}=${file(`out/report.${r}`)}`]));
      return runCli(args, { env: { ...env, GITHUB_STEP_SUMMARY: human ? file('step-summary.md') : undefined } });
    }),
  );
  RUN_NAMES.forEach((name, i) => (runs[name] = results[i]!));
}, 90_000);

afterAll(async () => {
  killAllCli();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('secrets are masked as *** in every output', () => {
  it('the credentials really were sent and echoed back (so there was something to leak)', () => {
    expect(server.requests).toHaveLength(RUN_NAMES.length);
    for (const request of server.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers['x-api-key']).toBe(API_KEY);
      expect(request.headers.cookie).toBe(`session=${SESSION}`);
      expect(request.url).toContain(`token=${TOKEN}`);
    }
    for (const name of RUN_NAMES) expect(runs[name].code).toBe(1);
    // Both reporters really wrote to the shared stdout.
    expect(runs['pretty + github'].stdout).toMatch(/FAILED cli secrets/);
    expect(runs['pretty + github'].stdout).toMatch(/^::error /m);
  });

  it.each(RUN_NAMES)('--reporter %s: stdout and stderr hold no secret, but do hold ***', (name) => {
    const run = runs[name];
    expect(leaksIn(run.stdout)).toEqual([]);
    expect(leaksIn(run.stderr)).toEqual([]);
    expect(run.stdout).toContain('***');
    expect(run.stderr).toContain('***');
    expect(run.stderr).not.toContain(STACK_LINE);
  });

  it('the failure message and details of the JSON report are masked, not dropped', () => {
    const report = parseStdoutJson(runs.json);
    const check = report.checks[0];
    expect(check.status).toBe('failed');
    // The URL is echoed with its query masked, and the echoed headers with their values masked.
    expect(check.message).toContain('token=***');
    expect(check.details.url).toContain('token=***');
    expect(check.details.response.bodyExcerpt).toMatch(/"authorization":"(Bearer )?\*\*\*"/);
    expect(check.details.response.bodyExcerpt).toMatch(/"x-api-key":"\*\*\*"/);
    expect(check.details.response.bodyExcerpt).toMatch(/"cookie":"\*\*\*"/);
  });

  it.each(REPORTERS)('--out %s=PATH holds no secret', (reporter) => {
    const text = readFileSync(file(`out/report.${reporter}`), 'utf8');
    expect(text.length).toBeGreaterThan(0);
    expect(leaksIn(text)).toEqual([]);
    expect(text).toContain('***');
  });

  it('the $GITHUB_STEP_SUMMARY file holds no secret', () => {
    const text = readFileSync(file('step-summary.md'), 'utf8');
    expect(text).toMatch(/FAILED cli secrets/);
    expect(leaksIn(text)).toEqual([]);
    // Markdown escapes the asterisks.
    expect(text).toMatch(/\\\*\\\*\\\*|\*\*\*/);
  });
});

describe('secrets in validation errors and names', () => {
  let validate: CliResult;
  let onlyUnknown: CliResult;

  beforeAll(async () => {
    const env = { MY_TOKEN: TOKEN };
    [validate, onlyUnknown] = await Promise.all([
      // A declared secret's value is known before validation: a problem quoting it must not print it.
      runCli(['validate', fixture('secret-in-problem.yaml'), fixture('secret-in-names.yaml')], { env }),
      // The --only usage error lists the scenario's check names.
      runCli(['run', fixture('secret-in-names.yaml'), '--only', 'nope'], { env }),
    ]);
  }, 90_000);

  it('a problem message quoting the secret masks it', () => {
    expect(validate.code).toBe(2);
    expect(validate.stderr).toMatch(/url: .*got "\*\*\*"/);
    expect(validate.stderr).toMatch(/timeout: .*got "\*\*\*"/);
    expect(leaksIn(validate.stderr)).toEqual([]);
    expect(validate.stderr).not.toContain(STACK_LINE);
  });

  it('validate masks a secret interpolated into the scenario name', () => {
    expect(validate.stdout).toContain(`✓ ${fixture('secret-in-names.yaml')}: deploy ***, 1 check`);
    expect(leaksIn(validate.stdout)).toEqual([]);
  });

  it('the --only usage error masks a secret interpolated into a check name', () => {
    expect(onlyUnknown.code).toBe(2);
    expect(onlyUnknown.stderr).toContain('check ***');
    expect(leaksIn(onlyUnknown.stderr)).toEqual([]);
    expect(onlyUnknown.stderr).not.toContain(STACK_LINE);
  });
});
