/**
 * Ctrl-C while the demo waits for the ALB health checks ("Waiting for … ... " is printed without a
 * newline until the target is healthy): the line is ended with "interrupted", on stdout, before the
 * demo exits 130, so the terminal is not left on a dangling line.
 */
import { afterAll, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { requireTool } from '../support/tools.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI = path.join(ROOT, 'dist/cli/verify-deployment.js'); // what ships (package.json bin)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const WAITING = /Waiting for the ALB health checks to pass \(\d+ in a row, every [\d.]+s\)\.\.\. /;

requireTool(['moto', 'redis-server'], 'the interrupted demo test')('demo interrupted while waiting for the health checks', () => {
  let demo: ChildProcess | undefined;
  afterAll(() => {
    if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
  });

  it('ends the open "Waiting for …" line with "interrupted" on stdout and exits 130', async () => {
    demo = spawn(process.execPath, [CLI, 'demo'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    demo.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    demo.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => demo!.on('close', (code, signal) => resolve({ code, signal })));
    // Poll often: the wait lasts the health checker's interval × healthy threshold (a few seconds).
    for (let i = 0; i < 2400 && !WAITING.test(stdout) && demo.exitCode === null; i++) await sleep(25);
    expect({ waiting: WAITING.test(stdout), exited: demo.exitCode }).toEqual({ waiting: true, exited: null });
    // Still on the open line: the target has not turned healthy yet.
    expect(stdout).toMatch(/\.\.\. $/);
    demo.kill('SIGINT');
    const exit = await exited;
    expect(exit).toEqual({ code: 130, signal: null });
    const last = stdout.split('\n').find((line) => WAITING.test(line));
    expect(last).toMatch(/\.\.\. interrupted$/);
    // The line is ended, and nothing of the demo's story follows it.
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.slice(stdout.indexOf(last!) + last!.length)).toBe('\n');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
