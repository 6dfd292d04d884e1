/**
 * Every way `sandbox up` and `demo` can end leaves no process behind, through the built binary and
 * real processes: a second `up` on a state file, two sandboxes side by side, a closed terminal
 * (SIGHUP) while starting, SIGHUP/SIGINT/SIGTERM while up and during the demo, `demo | head -3`, an `up` killed outright
 * (then `status` keeps the record and `down` stops its leftovers), and an uncaught error.
 * Processes are observed from /proc (Linux), independently of what the tool records.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { killIfRunning, stillRunning, watchDescendants, type SeenProcess } from '../support/processes.js';
import { requireTool } from '../support/tools.js';
import { useTempDirs } from '../support/temp.js';

const tempDir = useTempDirs();

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI = path.join(ROOT, 'dist/cli/verify-deployment.js'); // what ships (package.json bin)
const SERVICES = new Set(['python3', 'redis-server']);

interface Recorded {
  pid: number;
  startTime?: string;
  phase?: string;
  motoEndpoint?: string;
  children?: { name: string; pid: number; startTime?: string }[];
}

const describeLinux = process.platform === 'linux' ? requireTool(['moto', 'redis-server'], 'the sandbox lifecycle tests') : describe.skip;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function readState(file: string): Recorded | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Recorded;
  } catch {
    return undefined;
  }
}

/** The sandbox's service processes among `seen` (moto runs as python3). */
const services = (seen: readonly SeenProcess[]) => seen.filter((p) => SERVICES.has(p.name));
const running = (seen: readonly SeenProcess[]) => seen.filter(stillRunning).map((p) => `${p.name} (pid ${p.pid})`);
/**
 * Those of `seen` still running after up to 3 s: a process killed by SIGKILL as its parent exits
 * (the exit hook) is gone a moment after the parent, not before it.
 */
async function survivors(seen: readonly SeenProcess[]): Promise<string[]> {
  for (let i = 0; i < 60 && seen.some(stillRunning); i++) await sleep(50);
  return running(seen);
}
/** The recorded children as processes to look for (their start time is the kernel's). */
const recordedChildren = (record: Recorded): SeenProcess[] => (record.children ?? []).map((c) => ({ pid: c.pid, name: c.name, startTime: c.startTime ?? '' }));

interface Started {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

describeLinux('sandbox and demo processes on every exit path', () => {
  /** Every service process any test saw, SIGKILLed at the end if a failing test left one. */
  const everSeen: SeenProcess[] = [];
  const started: ChildProcess[] = [];
  afterAll(() => {
    killIfRunning(everSeen);
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const stateFile = async () => path.join(await tempDir('vd-lifecycle-'), 'sandbox.json');
  const cli = (file: string, ...args: string[]) => spawnSync(process.execPath, [CLI, 'sandbox', ...args], { env: { ...process.env, VERIFY_DEPLOYMENT_SANDBOX_FILE: file }, encoding: 'utf8' });
  const up = async (file: string, state = 'healthy') => {
    const sandbox = start(['sandbox', 'up', '--state', state], { VERIFY_DEPLOYMENT_SANDBOX_FILE: file });
    started.push(sandbox.child);
    await until(`"sandbox up" (${file})`, () => sandbox.stdout().includes('Sandbox up') || sandbox.child.exitCode !== null);
    const record = readState(file);
    expect({ record: Boolean(record?.motoEndpoint), stderr: sandbox.stderr() }).toEqual({ record: true, stderr: '' });
    everSeen.push(...recordedChildren(record!));
    return { ...sandbox, record: record! };
  };

  it('refuses a second up on the same state file, naming the running one; a second file runs a second sandbox alongside', async () => {
    const [fileA, fileB] = [await stateFile(), await stateFile()];
    const a = await up(fileA);

    const second = cli(fileA, 'up', '--state', 'healthy');
    expect(second.status).toBe(2);
    expect(second.stderr).toContain(`a sandbox is already running (pid ${a.record.pid}`);
    expect(second.stderr).toContain(a.record.motoEndpoint!);
    expect(second.stderr).toContain('VERIFY_DEPLOYMENT_SANDBOX_FILE=');
    expect(second.stderr).not.toMatch(/\n\s+at /);
    // The refused `up` neither took over nor removed the running one's record.
    expect(readState(fileA)).toMatchObject({ pid: a.record.pid, motoEndpoint: a.record.motoEndpoint });
    expect(cli(fileA, 'status').stdout).toContain(`AWS_ENDPOINT_URL=${a.record.motoEndpoint}`);

    const b = await up(fileB);
    expect(b.record.motoEndpoint).not.toBe(a.record.motoEndpoint);
    expect(cli(fileA, 'break', 'secret').stdout).toBe('sandbox state: missing-secret\n');
    expect(cli(fileB, 'status').stdout).toContain('sandbox state: healthy');

    expect(cli(fileA, 'down').status).toBe(0);
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(await survivors(recordedChildren(a.record))).toEqual([]);
    expect(running(recordedChildren(b.record))).toHaveLength(2);
    expect(cli(fileB, 'status').stdout).toContain(`AWS_ENDPOINT_URL=${b.record.motoEndpoint}`);
    expect(cli(fileB, 'down').status).toBe(0);
    expect(await b.exited).toEqual({ code: 0, signal: null });
    expect(await survivors(recordedChildren(b.record))).toEqual([]);
    expect([existsSync(fileA), existsSync(fileB)]).toEqual([false, false]);
  }, 120_000);

  it('SIGHUP (terminal closed) while up is starting stops what it started', async () => {
    const file = await stateFile();
    const sandbox = start(['sandbox', 'up', '--state', 'healthy'], { VERIFY_DEPLOYMENT_SANDBOX_FILE: file });
    started.push(sandbox.child);
    const watch = watchDescendants(sandbox.child.pid!, 20);
    // As soon as the record lists a child: the emulator needs a second or more to answer.
    const record = await until('a recorded child', () => {
      const r = readState(file);
      return (r?.children?.length ?? 0) > 0 && r;
    });
    sandbox.child.kill('SIGHUP');
    const exit = await sandbox.exited;
    const seen = services(watch.stop());
    everSeen.push(...seen);
    expect(record.phase).toBe('starting');
    expect(exit.signal).toBeNull();
    expect(seen.length).toBeGreaterThan(0);
    expect(await survivors([...seen, ...recordedChildren(record)])).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(sandbox.stderr()).toBe('');
  }, 60_000);

  it.each(['SIGHUP', 'SIGINT', 'SIGTERM'] as const)('%s while up is running stops its children and removes the state file', async (signal) => {
    const file = await stateFile();
    const sandbox = await up(file);
    expect(running(recordedChildren(sandbox.record))).toHaveLength(2);
    sandbox.child.kill(signal);
    expect(await sandbox.exited).toEqual({ code: 0, signal: null });
    expect(await survivors(recordedChildren(sandbox.record))).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(cli(file, 'status').status).toBe(2);
  }, 60_000);

  it('after up is killed outright, status keeps the record and names the leftovers; down stops them', async () => {
    const file = await stateFile();
    const sandbox = await up(file);
    const children = recordedChildren(sandbox.record);
    sandbox.child.kill('SIGKILL');
    await sandbox.exited;
    // SIGKILL cannot be caught: the children outlive their `up` ...
    expect(running(children)).toHaveLength(2);
    // ... and status says so without dropping the record `down` needs.
    const status = cli(file, 'status');
    expect(status.status).toBe(2);
    expect(status.stderr).toContain(`its "sandbox up", pid ${sandbox.record.pid}, is gone`);
    for (const child of children) expect(status.stderr).toContain(`(pid ${child.pid})`);
    expect(status.stderr).toContain('verify-deployment sandbox down');
    expect(cli(file, 'status').status).toBe(2);
    expect(readState(file)).toMatchObject({ pid: sandbox.record.pid });

    const down = cli(file, 'down');
    expect({ status: down.status, stderr: down.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await survivors(children)).toEqual([]);
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  it.each([
    ['SIGHUP', 129],
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during the demo stops the emulator and redis-server (exit %i)', async (signal, code) => {
    const demo = start(['demo'], {});
    started.push(demo.child);
    const watch = watchDescendants(demo.child.pid!);
    await until('the first run', () => demo.stdout().includes('━━ Run 1'), 60_000);
    const before = services(watch.seen());
    demo.child.kill(signal);
    const exit = await demo.exited;
    const seen = services(watch.stop());
    everSeen.push(...seen);
    expect(before.map((p) => p.name).sort()).toEqual(['python3', 'redis-server']);
    expect(exit).toEqual({ code, signal: null });
    expect(await survivors(seen)).toEqual([]);
    expect(demo.stderr()).not.toMatch(/\n\s+at /);
  }, 90_000);

  it('demo | head -3 ends quietly (no EPIPE stack trace, exit 141 under pipefail) and leaves nothing running', async () => {
    const shell = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" demo | head -3`], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(shell);
    const watch = watchDescendants(shell.pid!, 20);
    let stdout = '';
    let stderr = '';
    shell.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    shell.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => shell.on('close', resolve));
    const seen = services(watch.stop());
    everSeen.push(...seen);
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(stdout).toContain('AWS emulator http://127.0.0.1:');
    // The lines after the third may still fit in the pipe before head exits: a run may start and
    // print progress, but the next stdout write ends the demo, quietly.
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(141);
    expect(seen.map((p) => p.name).sort()).toEqual(['python3', 'redis-server']);
    expect(await survivors(seen)).toEqual([]);
  }, 90_000);

  it('an uncaught error in a process that started the sandbox still stops its children', async () => {
    const script = `
      import { startSandbox } from ${JSON.stringify(path.join(ROOT, 'dist/scripts/sandbox/index.js'))};
      const sandbox = await startSandbox({ state: 'healthy' });
      process.stdout.write(JSON.stringify(sandbox.children) + '\\n');
      setTimeout(() => { throw new Error('boom'); }, 10);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const children = (JSON.parse(stdout) as Recorded['children'])!.map((c) => ({ pid: c.pid, name: c.name, startTime: c.startTime ?? '' }));
    everSeen.push(...children);
    expect(code).toBe(1);
    expect(stderr).toContain('boom');
    expect(children.map((c) => c.name)).toEqual(['moto', 'redis-server']);
    expect(await survivors(children)).toEqual([]);
  }, 60_000);
});
