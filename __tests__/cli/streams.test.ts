/**
 * stdout that goes away: a reader that stops early (`| head -1`: EPIPE) or a full disk (ENOSPC).
 * The CLI never crashes with a stack trace; on EPIPE output ends quietly and the exit code is the
 * verdict's; on ENOSPC it says the output was lost (exit 1 for a passing run, like a lost --out
 * file). Either way the --out files are written.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestHttpServer } from '../support/http-server.js';
import { fixture, killAllCli, runCli, STACK_LINE, startFixtureServer, type CliResult } from '../support/cli.js';

let server: TestHttpServer;
let tmp: string;
let devFull: number;
const runs = {} as Record<'schemaClosed' | 'schemaHead' | 'passClosed' | 'failClosed' | 'passFull' | 'schemaFull', CliResult>;
const out = (name: string) => path.join(tmp, name);

beforeAll(async () => {
  server = await startFixtureServer();
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-cli-streams-'));
  devFull = openSync('/dev/full', 'w');
  const base = `base=${server.url}`;
  const [schemaClosed, schemaHead, passClosed, failClosed, passFull, schemaFull] = await Promise.all([
    runCli(['schema'], { stdout: 'closed' }),
    runCli(['schema'], { stdout: 'close-after-first-line' }),
    runCli(['run', fixture('passing.yaml'), '--var', base, '--out', `json=${out('pass-closed.json')}`], { stdout: 'closed' }),
    runCli(['run', fixture('mixed.yaml'), '--var', base, '--reporter', 'json', '--out', `junit=${out('fail-closed.xml')}`], { stdout: 'closed' }),
    runCli(['run', fixture('passing.yaml'), '--var', base, '--out', `json=${out('pass-full.json')}`], { stdout: devFull }),
    runCli(['schema'], { stdout: devFull }),
  ]);
  Object.assign(runs, { schemaClosed, schemaHead, passClosed, failClosed, passFull, schemaFull });
}, 90_000);

afterAll(async () => {
  killAllCli();
  await server?.stop();
  if (devFull !== undefined) closeSync(devFull);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const crashFree = (run: CliResult) => {
  expect(run.timedOut).toBe(false);
  expect(run.stderr).not.toContain(STACK_LINE);
  expect(run.stderr).not.toMatch(/verify-deployment: internal error|Unhandled 'error' event/);
};

describe('a reader that closes early (EPIPE)', () => {
  it.each([
    ['schema, reader gone before the first byte', 'schemaClosed', ''],
    // Realistic, but timing decides whether the write outlives the reader; the case above always does.
    ['schema | head -1', 'schemaHead', '{\n'],
  ] as const)('%s: exit 0, nothing on stderr', (_name, key, stdout) => {
    crashFree(runs[key]);
    expect({ code: runs[key].code, stderr: runs[key].stderr, stdout: runs[key].stdout }).toEqual({ code: 0, stderr: '', stdout });
  });

  it('a passing run exits 0 and still writes its --out file', () => {
    crashFree(runs.passClosed);
    expect(runs.passClosed.code).toBe(0);
    expect(runs.passClosed.stderr).toContain('✓ second passed');
    expect(runs.passClosed.stderr).not.toMatch(/EPIPE|lost/);
    expect(JSON.parse(readFileSync(out('pass-closed.json'), 'utf8'))).toMatchObject({ status: 'passed' });
  });

  it('a failing run exits 1 (the verdict) and still writes its --out file', () => {
    crashFree(runs.failClosed);
    expect(runs.failClosed.code).toBe(1);
    expect(readFileSync(out('fail-closed.xml'), 'utf8')).toMatch(/<testsuite[^>]* failures="1"/);
  });
});

describe('a full disk on stdout (ENOSPC)', () => {
  it('a passing run says its output was lost, writes its --out file, and exits 1', () => {
    crashFree(runs.passFull);
    expect(runs.passFull.code).toBe(1);
    expect(runs.passFull.stderr).toContain('verify-deployment: the output on stdout was lost: no space left on device (ENOSPC)');
    expect(JSON.parse(readFileSync(out('pass-full.json'), 'utf8'))).toMatchObject({ status: 'passed' });
  });

  it('schema says so and exits 1', () => {
    crashFree(runs.schemaFull);
    expect({ code: runs.schemaFull.code, stderr: runs.schemaFull.stderr }).toEqual({
      code: 1,
      stderr: 'verify-deployment: the output on stdout was lost: no space left on device (ENOSPC)\n',
    });
  });
});
