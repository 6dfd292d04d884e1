/**
 * SIGINT/SIGTERM mid-run abort the in-flight request within 100 ms of the signal (the built CLI,
 * `npm run build` first). __tests__/cli/signals.test.ts covers the exit codes, the summary and the
 * partial report with a generous bound; this file measures the abort itself.
 *
 * What is measured: the time from this process calling child.kill(signal) to this process's HTTP
 * server seeing the socket of the in-flight request close — both read from performance.now() in
 * this process, so no clocks are compared across processes. It includes the signal delivery, the
 * CLI's handler, the abort reaching undici, the FIN/RST on loopback and this event loop noticing
 * it. Each signal is sent in three separate runs, one at a time; the median must be under 100 ms
 * (a single slow run on this shared 2-core machine says more about the scheduler than the CLI),
 * and every run under 1 s.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunReport } from '../../runner/result.js';
import { CLI, ROOT, STACK_LINE } from '../support/cli.js';
import { respondJson, startHttpServer, type TestHttpServer } from '../support/http-server.js';

const RUNS_PER_SIGNAL = 3;
const TARGET_MS = 100;
const GUARD_MS = 1000;
/** Time the request sits in flight before the signal: the CLI is idle, waiting on the socket. */
const IN_FLIGHT_MS = 150;

interface Measured {
  signal: 'SIGINT' | 'SIGTERM';
  code: number | null;
  killedBy: NodeJS.Signals | null;
  /** From child.kill() to the server seeing the in-flight socket close, ms. */
  abortMs: number;
  /** From child.kill() to the child's exit, ms. */
  exitMs: number;
  stdout: string;
  stderr: string;
  report: RunReport;
}

let server: TestHttpServer;
let tmp: string;
let scenario: string;
const children = new Set<ChildProcess>();
/** Called by the /inflight route with the request's socket. */
let onInflight: ((closed: Promise<number>) => void) | undefined;
const results: Measured[] = [];

function interrupt(signal: 'SIGINT' | 'SIGTERM', run: number): Promise<Measured> {
  const out = path.join(tmp, `${signal}-${run}.json`);
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['GITHUB_STEP_SUMMARY', 'GITHUB_ACTIONS', 'FORCE_COLOR', 'NO_COLOR', 'VERIFY_DEPLOYMENT_DEBUG', 'NODE_OPTIONS']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', scenario, '--var', `base=${server.url}`, '--out', `json=${out}`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let sentAt: number | undefined;
    let closedAt: Promise<number> | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    onInflight = (closed) => {
      onInflight = undefined;
      closedAt = closed;
      setTimeout(() => {
        sentAt = performance.now();
        child.kill(signal);
      }, IN_FLIGHT_MS);
    };
    child.on('error', reject);
    child.on('close', (code, killedBy) => {
      const exitedAt = performance.now();
      clearTimeout(guard);
      children.delete(child);
      if (sentAt === undefined || closedAt === undefined) {
        reject(new Error(`the in-flight request never started or no signal was sent (exit ${code})\n${stdout}\n${stderr}`));
        return;
      }
      void closedAt.then((closed) => {
        let report: RunReport;
        try {
          report = JSON.parse(readFileSync(out, 'utf8')) as RunReport;
        } catch (error) {
          reject(new Error(`no partial report at ${out}: ${(error as Error).message}\n${stderr}`));
          return;
        }
        resolve({ signal, code, killedBy, abortMs: closed - sentAt!, exitMs: exitedAt - sentAt!, stdout, stderr, report });
      });
    });
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-reliability-signals-'));
  scenario = path.join(tmp, 'inflight.yaml');
  writeFileSync(
    scenario,
    [
      'name: in flight',
      'concurrency: 1',
      'vars:',
      '  base: http://127.0.0.1:1',
      'checks:',
      '  - name: quick',
      '    type: http',
      '    url: ${vars.base}/ok',
      '  - name: in flight',
      '    type: http',
      '    url: ${vars.base}/inflight',
      '    timeout: 60s',
      '  - name: never started',
      '    type: http',
      '    url: ${vars.base}/ok?never',
      '',
    ].join('\n'),
  );
  server = await startHttpServer();
  server.route('/ok', respondJson(200, { status: 'ok' }));
  // Never answers; reports when the client's socket closes.
  server.route('/inflight', (req) => {
    const closed = new Promise<number>((resolve) => req.socket.once('close', () => resolve(performance.now())));
    onInflight?.(closed);
  });
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`npm run build\` first`);
  // One run at a time: parallel runs would measure each other's CPU use, not the abort.
  for (let run = 0; run < RUNS_PER_SIGNAL; run++) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) results.push(await interrupt(signal, run));
  }
}, 120_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s mid-run', (signal, exitCode) => {
  const runs = () => results.filter((r) => r.signal === signal);

  it(`aborts the in-flight request within ${TARGET_MS} ms of the signal (median of ${RUNS_PER_SIGNAL} runs; each under ${GUARD_MS} ms)`, () => {
    const abortMs = runs().map((r) => Math.round(r.abortMs * 10) / 10);
    expect(abortMs).toHaveLength(RUNS_PER_SIGNAL);
    for (const ms of abortMs) expect(ms).toBeGreaterThanOrEqual(0);
    expect({ abortMs, median: median(abortMs) < TARGET_MS, max: Math.max(...abortMs) < GUARD_MS }).toEqual({ abortMs, median: true, max: true });
  });

  it(`exits ${exitCode} and writes the partial report, the in-flight check skipped as interrupted`, () => {
    for (const run of runs()) {
      expect({ code: run.code, killedBy: run.killedBy }).toEqual({ code: exitCode, killedBy: null });
      expect(run.exitMs).toBeLessThan(5000);
      expect(run.report.interrupted).toBe(signal);
      expect(run.report.checks.map((c) => [c.name, c.status, c.skipReason])).toEqual([
        ['quick', 'passed', undefined],
        ['in flight', 'skipped', 'interrupted'],
        ['never started', 'skipped', 'interrupted'],
      ]);
      expect(run.stdout).toContain(`in flight (interrupted by ${signal}): 1 passed, 0 failed, 0 errored, 2 skipped`);
      expect(run.stderr).not.toContain(STACK_LINE);
    }
    // The check after the interrupted one never sent its request.
    expect(server.requests.some((r) => r.url === '/ok?never')).toBe(false);
  });
});
