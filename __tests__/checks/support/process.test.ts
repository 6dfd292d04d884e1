/**
 * The checks' child-process runner, against real child processes: argv run directly, exit judged
 * by the process itself (not by who holds its pipes), escaped descendants killed, output streamed
 * into bounded tails with watched texts matched on the way, abort → SIGKILL of everything.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  MARKER_VAR,
  NOT_EXECUTABLE,
  NOT_FOUND,
  PIPE_GRACE_MS,
  StreamCapture,
  runProcess,
  type RunProcessOptions,
} from '../../../checks/support/process.js';
import { eventually, isRunning, trackPids } from '../../support/processes.js';

let dir: string;
/** Pids the tests made their commands write: each one is SIGKILLed after the test, whatever happened. */
const { pidFrom } = trackPids();

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vd-process-'));
  writeFileSync(path.join(dir, 'plain.txt'), 'not a program\n', { mode: 0o644 });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function options(overrides: Partial<RunProcessOptions> = {}): RunProcessOptions {
  return { cwd: dir, env: { ...process.env }, signal: new AbortController().signal, ...overrides };
}

/** Shell: wait until a command in the background has written its pid file. */
function waitFor(pidFile: string): string {
  return `while [ ! -s "${pidFile}" ]; do sleep 0.01; done`;
}

describe('runs the argument vector directly', () => {
  it.each([
    ['an assignment as the first element', ['FOO=bar', 'true']],
    ['a shell builtin', ['exit', '0']],
    ['a missing program', ['no-such-program-vd']],
    ['a missing path', ['./nowhere/program']],
  ])('%s is a program name that does not exist: exit 127', async (_name, argv) => {
    const result = await runProcess(argv, options());
    expect(result).toMatchObject({ exitCode: NOT_FOUND, notFound: true, notExecutable: false });
  });

  it.each([
    ['a file without the execute bit', ['./plain.txt']],
    ['a directory', ['.']],
  ])('%s is not executable: exit 126', async (_name, argv) => {
    const result = await runProcess(argv, options());
    expect(result).toMatchObject({ exitCode: NOT_EXECUTABLE, notExecutable: true, notFound: false });
  });

  it('never sources an inherited BASH_ENV (no shell runs in between)', async () => {
    const sourced = path.join(dir, 'bash-env-sourced');
    const bashEnv = path.join(dir, 'bash-env.sh');
    writeFileSync(bashEnv, `touch '${sourced}'\n`);
    const result = await runProcess(['printf', '%s', '$HOME; `id`'], options({ env: { ...process.env, BASH_ENV: bashEnv } }));
    expect(result.exitCode).toBe(0);
    expect(result.stdout.text).toBe('$HOME; `id`');
    expect(existsSync(sourced)).toBe(false);
  });

  it('reports a missing working directory as a cause, not as "command not found"', async () => {
    const result = await runProcess(['true'], options({ cwd: path.join(dir, 'nowhere') }));
    expect(result.notFound).toBe(false);
    expect(result.cause?.message).toContain('does not exist');
  });

  it('gives the command an empty stdin, so one that reads it does not wait', async () => {
    const result = await runProcess(['cat'], options());
    expect(result).toMatchObject({ exitCode: 0, stdout: { text: '', bytes: 0 } });
  });

  it('reports a process killed by a signal with the signal and no exit code', async () => {
    const result = await runProcess(['sh', '-c', 'kill -9 $$'], options());
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
  });
});

describe('judged by its own exit, not by who holds its pipes', () => {
  it('keeps the exit code of a command that exits at once but leaves a background child on stdout', async () => {
    const pidFile = path.join(dir, 'background.pid');
    const begun = performance.now();
    const result = await runProcess(['sh', '-c', `sleep 30 & echo $! > '${pidFile}'; echo hi; exit 3`], options());
    const wall = performance.now() - begun;
    const sleeper = await pidFrom(pidFile);
    expect(result).toMatchObject({ exitCode: 3, signal: null, pipesHeldAfterExit: true, stdout: { text: 'hi\n' } });
    // Bounded wait for the pipes (250 ms), far from the 30 s the child would hold them.
    expect(wall).toBeLessThan(PIPE_GRACE_MS + 2000);
    expect(await eventually(() => !isRunning(sleeper))).toBe(true);
  });

  it('kills a descendant that escaped the process group with setsid and still holds stdout', async () => {
    const pidFile = path.join(dir, 'escaped.pid');
    const begun = performance.now();
    // The command waits for the pid file, so the descendant is known before anything kills it.
    const result = await runProcess(['sh', '-c', `setsid sh -c 'echo $$ > "${pidFile}"; exec sleep 60' & ${waitFor(pidFile)}; echo started`], options());
    const escaped = await pidFrom(pidFile);
    expect(result).toMatchObject({ exitCode: 0, stdout: { text: 'started\n' } });
    expect(performance.now() - begun).toBeLessThan(PIPE_GRACE_MS + 2000);
    expect(await eventually(() => !isRunning(escaped))).toBe(true);
  });

  it('kills an escaped descendant that does not hold the pipes, too', async () => {
    const pidFile = path.join(dir, 'quiet.pid');
    const result = await runProcess(['sh', '-c', `setsid sh -c 'echo $$ > "${pidFile}"; exec sleep 60' >/dev/null 2>&1 & ${waitFor(pidFile)}`], options());
    const escaped = await pidFrom(pidFile);
    expect(result).toMatchObject({ exitCode: 0, pipesHeldAfterExit: false });
    expect(await eventually(() => !isRunning(escaped))).toBe(true);
  });

  it('marks the command and its descendants with a variable naming this run', async () => {
    const result = await runProcess(['sh', '-c', `printenv ${MARKER_VAR}`], options());
    expect(result.stdout.text.trim()).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('abort', () => {
  it.each([
    ['a command and its children', `sleep 30 & echo $! > PIDFILE; wait`],
    ['a command that ignores SIGTERM', `trap '' TERM; echo $$ > PIDFILE; while :; do sleep 0.05; done`],
    ['a descendant that escaped with setsid', `setsid sh -c 'echo $$ > PIDFILE; exec sleep 60' & wait`],
  ])('SIGKILLs %s at once and rejects with the reason', async (name, script) => {
    const pidFile = path.join(dir, `abort-${name.length}.pid`);
    const controller = new AbortController();
    const begun = performance.now();
    const run = runProcess(['sh', '-c', script.replace('PIDFILE', `"${pidFile}"`)], options({ signal: controller.signal }));
    const pid = await pidFrom(pidFile);
    controller.abort(new Error('attempt timed out'));
    await expect(run).rejects.toThrow('attempt timed out');
    expect(performance.now() - begun).toBeLessThan(3000);
    expect(await eventually(() => !isRunning(pid))).toBe(true);
  });

  it('does not start anything when the signal has already aborted', async () => {
    const marker = path.join(dir, 'should-not-exist');
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    await expect(runProcess(['touch', marker], options({ signal: controller.signal }))).rejects.toThrow('interrupted');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('bounded output, streamed', () => {
  it('keeps the tail and the byte count of 100 MB of stdout without holding it, and still finds a text at its end', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const size = 100 * 1024 * 1024;
    try {
      const result = await runProcess(['sh', '-c', `head -c ${size} /dev/zero | tr '\\0' 'x'; echo; echo NEEDLE-AT-THE-END`], options({
        stdout: { watch: ['NEEDLE-AT-THE-END', 'never printed'] },
      }));
      expect(result.exitCode).toBe(0);
      expect(result.stdout.bytes).toBe(size + 1 + 'NEEDLE-AT-THE-END\n'.length);
      expect(result.stdout.truncated).toBe(true);
      expect(Buffer.byteLength(result.stdout.text)).toBe(64 * 1024);
      expect(result.stdout.text.endsWith('x\nNEEDLE-AT-THE-END\n')).toBe(true);
      expect([...result.stdout.found]).toEqual(['NEEDLE-AT-THE-END']);
    } finally {
      clearInterval(sampler);
    }
    // Buffering it whole would cost 100 MB for the bytes plus as much again for the string.
    expect(peak - before).toBeLessThan(80 * 1024 * 1024);
  }, 60_000);

  it('honours a larger limit for output that is needed whole', async () => {
    const result = await runProcess(['sh', '-c', 'head -c 200000 /dev/zero'], options({ stdout: { maxBytes: 1024 * 1024 } }));
    expect(result.stdout).toMatchObject({ bytes: 200_000, truncated: false });
    expect(result.stdout.text.length).toBe(200_000);
  });
});

describe('StreamCapture', () => {
  const needle = 'stdout-needle';
  const text = `before ${needle} after`;

  it.each(Array.from({ length: text.length - 1 }, (_, i) => [i + 1]))('finds a text split across two chunks at byte %d', (cut) => {
    const capture = new StreamCapture(8, [needle]);
    capture.push(Buffer.from(text.slice(0, cut)));
    capture.push(Buffer.from(text.slice(cut)));
    expect(capture.result().found.has(needle)).toBe(true);
  });

  it('finds a text delivered one byte per chunk', () => {
    const capture = new StreamCapture(4, [needle, 'absent']);
    for (const byte of Buffer.from(text)) capture.push(Buffer.from([byte]));
    expect([...capture.result().found]).toEqual([needle]);
  });

  it('keeps the last bytes, and drops a character the cut split rather than printing half of it', () => {
    const capture = new StreamCapture(5);
    capture.push(Buffer.from('aaaa€€'));
    const result = capture.result();
    expect(result).toMatchObject({ bytes: 10, truncated: true });
    // The last 5 bytes are the end of one € (2 of its 3 bytes) and a whole €.
    expect(result.text).toBe('€');
  });

  it('is not truncated when everything fits', () => {
    const capture = new StreamCapture(16);
    capture.push(Buffer.from('hello '));
    capture.push(Buffer.from('world'));
    expect(capture.result()).toMatchObject({ text: 'hello world', bytes: 11, truncated: false });
  });
});
