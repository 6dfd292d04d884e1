/** `verify-deployment sandbox up|break|fix|rollout|status|down` through the built binary. */
import { afterAll, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { requireTool } from '../support/tools.js';
import { useTempDirs } from '../support/temp.js';

const tempDir = useTempDirs();

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI = path.join(ROOT, 'dist/cli/verify-deployment.js'); // what ships (package.json bin)
requireTool(['moto', 'redis-server'], 'the sandbox CLI tests')('verify-deployment sandbox', () => {
  let up: ChildProcess | undefined;
  afterAll(async () => {
    if (!up || up.exitCode !== null) return;
    // SIGTERM first: `up` then stops its moto and redis-server; SIGKILL would orphan them.
    const exited = new Promise((resolve) => up!.once('close', resolve));
    up.kill('SIGTERM');
    const timer = setTimeout(() => up!.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }, 30_000);

  it('comes up, switches states from another process, reports them, and goes down cleanly', async () => {
    const file = path.join(await tempDir('vd-sandbox-'), 'sandbox.json');
    const env = { ...process.env, VERIFY_DEPLOYMENT_SANDBOX_FILE: file };
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, 'sandbox', ...args], { env, encoding: 'utf8' });

    expect(cli('status').status).toBe(2);
    up = spawn(process.execPath, [CLI, 'sandbox', 'up', '--state', 'healthy'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    up.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    up.stderr!.on('data', (c: Buffer) => (errors += c.toString()));
    const exited = new Promise<number | null>((resolve) => up!.on('close', resolve));
    // `up` writes its state file, then prints the exports: wait for both (the pipe may lag the file).
    for (let i = 0; i < 120 && !(existsSync(file) && output.includes('Sandbox up')); i++) await new Promise((r) => setTimeout(r, 250));
    expect(existsSync(file)).toBe(true);
    expect(output).toMatch(/export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+/);

    // The printed command works from any directory (after a global install the scenario is in the
    // package, not in the current directory): run it as printed, from an empty directory.
    // verify-deployment is not on this test's PATH: the line calls this very CLI by its path, never
    // `npx verify-deployment` (which outside the clone would fetch whatever the registry serves).
    const prefix = `${process.execPath} ${realpathSync(CLI)}`;
    const runLine = output.split('\n').find((line) => line.startsWith(`${prefix} run `));
    expect(runLine?.slice(prefix.length)).toMatch(/^ run \/\S+\/scenarios\/hokusai-api-development\.yaml --var baseUrl=http:\/\/127\.0\.0\.1:\d+$/);
    const exported = Object.fromEntries(
      output.split('\n').filter((line) => line.startsWith('export ')).map((line) => line.slice('export '.length).split(/=(.*)/s).slice(0, 2)),
    ) as Record<string, string>;
    expect(Object.keys(exported)).toEqual(expect.arrayContaining(['AWS_ENDPOINT_URL', 'HOKUSAI_API_KEY']));
    const elsewhere = await tempDir('vd-elsewhere-');
    const printed = spawnSync('bash', ['-c', runLine!], {
      cwd: elsewhere,
      env: { ...process.env, ...exported, CI: 'true' },
      encoding: 'utf8',
    });
    expect({ status: printed.status, stderr: printed.status === 0 ? '' : printed.stderr }).toEqual({ status: 0, stderr: '' });
    expect(printed.stdout).toContain('✓ PASSED hokusai-api-development: 11 passed');

    expect(cli('status').stdout).toContain('sandbox state: healthy');
    expect(cli('break', 'secret').stdout).toBe('sandbox state: missing-secret\n');
    expect(cli('break', 'sg-rule').stdout).toBe('sandbox state: both\n');
    expect(cli('status').stdout).toContain('sandbox state: both');
    expect(cli('fix').stdout).toBe('sandbox state: healthy\n');
    expect(cli('break', 'nonsense').status).toBe(2);

    // A blue/green rollout paused at a PAUSE hook; the printed gate command releases it.
    expect(cli('rollout', '--stage', 'NOT_A_STAGE').status).toBe(2);
    const rollout = cli('rollout');
    expect(rollout.stdout).toMatch(/^rollout of hokusai-api:\d+ paused at a PAUSE hook awaiting action at POST_TEST_TRAFFIC_SHIFT\n/);
    const gateLine = rollout.stdout.split('\n').find((line) => line.includes(`${prefix} gate `))!.replace(/^.*?(?=\/)/, '');
    expect(gateLine.slice(prefix.length)).toMatch(/^ gate --cluster hokusai-development --service hokusai-api-development \/\S+\/scenarios\/hokusai-api-development\.yaml --var baseUrl=http:\/\/127\.0\.0\.1:\d+$/);
    // A short log window: the seconds spent broken above must not count against the fixed sandbox.
    await new Promise((r) => setTimeout(r, 1500));
    const gated = spawnSync('bash', ['-c', `${gateLine} --var logWindow=1s`], {
      cwd: elsewhere,
      env: { ...process.env, ...exported, CI: 'true' },
      encoding: 'utf8',
    });
    expect({ status: gated.status, stderr: gated.status === 0 ? '' : gated.stderr + gated.stdout }).toEqual({ status: 0, stderr: '' });
    expect(gated.stdout).toContain('gate: CONTINUE (verdict passed)');
    expect(cli('rollout', 'extra').status).toBe(2);

    const down = cli('down');
    expect({ status: down.status, stderr: down.stderr, upStderr: errors }).toEqual({ status: 0, stderr: '', upStderr: '' });
    expect(await exited).toBe(0);
    expect(output).toContain('Sandbox stopped.');
    expect(existsSync(file)).toBe(false);
  }, 90_000);
});
