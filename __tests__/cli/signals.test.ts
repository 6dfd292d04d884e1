/**
 * SIGINT/SIGTERM while a check waits on a server that never answers: the CLI stops promptly,
 * still prints the summary and writes its --out files, and exits 130/143.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestHttpServer } from '../support/http-server.js';
import { fixture, killAllCli, runCli, STACK_LINE, startFixtureServer, type CliResult } from '../support/cli.js';

const HANG = fixture('hang.yaml');
/**
 * "A couple of seconds" from the signal to the exit. It takes ~0.1 s on an idle machine; the bound
 * is generous for a loaded CI box and still far below the stuck check's 60 s timeout.
 */
const PROMPT_EXIT_MS = 5000;

let server: TestHttpServer;
let tmp: string;
const runs: Partial<Record<'SIGINT' | 'SIGTERM', CliResult>> = {};

function interrupt(signal: 'SIGINT' | 'SIGTERM'): Promise<CliResult> {
  return runCli(['run', HANG, '--var', `base=${server.url}`, '--out', `json=${path.join(tmp, signal, 'report.json')}`, '--out', `junit=${path.join(tmp, signal, 'junit.xml')}`], {
    // The stuck check has started (its request is in flight) once its start line is on stderr.
    signal: { signal, when: ({ stderr }) => /stuck/.test(stderr), delayMs: 300 },
  });
}

beforeAll(async () => {
  server = await startFixtureServer();
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-cli-signals-'));
  [runs.SIGINT, runs.SIGTERM] = await Promise.all([interrupt('SIGINT'), interrupt('SIGTERM')]);
}, 90_000);

afterAll(async () => {
  killAllCli();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s mid-run', (signal, exitCode) => {
  it(`exits ${exitCode} within a couple of seconds of the signal`, () => {
    const run = runs[signal]!;
    expect(run.timedOut).toBe(false);
    expect(run.signalSentAtMs).toBeDefined();
    expect({ code: run.code, killedBy: run.killedBy }).toEqual({ code: exitCode, killedBy: null });
    expect(run.wallMs - run.signalSentAtMs!).toBeLessThan(PROMPT_EXIT_MS);
    expect(run.stderr).toContain(`${signal} received`);
    expect(run.stderr).not.toContain(STACK_LINE);
    // The request really was in flight when the signal came.
    expect(server.requests.some((r) => r.url === '/hang')).toBe(true);
  });

  it('still prints the summary on stdout', () => {
    const run = runs[signal]!;
    expect(run.stdout).toMatch(new RegExp(`cli hang \\(interrupted by ${signal}\\): 1 passed, 0 failed, 0 errored, 2 skipped`));
    expect(run.stdout).toMatch(/stuck.*interrupted/);
  });

  it('writes the --out files, the in-flight and unstarted checks skipped as "interrupted"', () => {
    const report = JSON.parse(readFileSync(path.join(tmp, signal, 'report.json'), 'utf8'));
    expect(report.interrupted).toBe(signal);
    expect(report.status).toBe('failed');
    expect(report.summary).toEqual({ passed: 1, failed: 0, errored: 0, skipped: 2, inconclusive: 0 });
    const [quick, stuck, never] = report.checks;
    expect(quick).toMatchObject({ name: 'quick', status: 'passed' });
    expect(stuck).toMatchObject({ name: 'stuck', status: 'skipped', attempts: 1, skipReason: 'interrupted' });
    expect(stuck.message).toContain('interrupted');
    expect(never).toMatchObject({ name: 'never started', status: 'skipped', attempts: 0, skipReason: 'interrupted' });
    // The check after the stuck one never sent its request.
    expect(server.requests.some((r) => r.url === '/ok?never')).toBe(false);

    const junit = readFileSync(path.join(tmp, signal, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase [^>]*name="stuck"[^>]*>[\s\S]*?<skipped message="interrupted"\/>/);
    expect(junit).toContain(`<property name="interrupted" value="${signal}"/>`);
  });
});
