import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exec, tail } from '../../checks/exec.js';
import { fakeContext } from '../support/context.js';

let scenarioDir: string;

beforeAll(() => {
  scenarioDir = mkdtempSync(path.join(tmpdir(), 'vd-exec-'));
  mkdirSync(path.join(scenarioDir, 'infra'));
  writeFileSync(path.join(scenarioDir, 'infra', 'marker.txt'), 'in infra\n');
  writeFileSync(path.join(scenarioDir, 'not-executable.sh'), 'echo hi\n', { mode: 0o644 });
});

afterAll(() => {
  rmSync(scenarioDir, { recursive: true, force: true });
});

/** Alive and not a zombie (a killed orphan can stay a zombie where PID 1 does not reap). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function runCheck(spec: Record<string, unknown>, ctx = fakeContext({ scenarioDir })) {
  return exec.run(exec.schema.parse(spec), ctx);
}

describe('exec schema', () => {
  it.each([
    ['a command', { command: ['terraform', 'fmt', '-check'] }],
    ['everything', { command: ['sh', '-c', 'exit 2'], cwd: 'infra', env: { TF_IN_AUTOMATION: '1' }, expect: { exitCode: [0, 2], stdoutContains: 'ok', stderrContains: ['a', 'b'] } }],
    ['an empty argument after the program', { command: ['printf', ''] }],
  ])('accepts %s', (_name, spec) => {
    expect(exec.schema.safeParse(spec).success).toBe(true);
  });

  it.each([
    ['a shell string', { command: 'terraform fmt -check' }, 'command'],
    ['an empty command', { command: [] }, 'command'],
    ['an empty program name', { command: ['', 'x'] }, 'command'],
    ['a non-string argument', { command: ['echo', 3] }, 'command.1'],
    ['an exit code out of range', { command: ['true'], expect: { exitCode: 256 } }, 'expect.exitCode'],
    ['a bad env name', { command: ['true'], env: { 'A-B': 'x' } }, 'env.A-B'],
    ['a non-string env value', { command: ['true'], env: { A: 1 } }, 'env.A'],
    ['an unknown key', { command: ['true'], shell: true }, ''],
    ['an unknown expect key', { command: ['true'], expect: { exit: 0 } }, 'expect'],
  ])('rejects %s', (_name, spec, issuePath) => {
    const result = exec.schema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(issuePath);
  });

  it.each([
    [{ command: ['terraform', 'fmt', '-check'] }, 'terraform fmt -check → exit 0'],
    [{ command: ['sh', '-c', 'exit 2'], cwd: 'infra', expect: { exitCode: [0, 2], stdoutContains: 'ok' } }, "sh -c 'exit 2' → exit one of 0, 2 (in infra), stdout contains \"ok\""],
  ])('describes %j as %s', (spec, text) => {
    expect(exec.describe(exec.schema.parse(spec))).toBe(text);
  });
});

describe('exec running commands', () => {
  it('passes on exit 0 and reports the output tail', async () => {
    const result = await runCheck({ command: ['sh', '-c', 'echo hello; echo warn >&2'] });
    expect(result.outcome).toBe('pass');
    expect(result.message).toMatch(/^sh -c 'echo hello; echo warn >&2' exited 0 in \d+/);
    expect(result.details).toMatchObject({ exitCode: 0, stdoutTail: 'hello', stderrTail: 'warn' });
  });

  it.each([
    [['sh', '-c', 'exit 3'], 0, 'retry', "sh -c 'exit 3': exited 3, expected 0"],
    [['sh', '-c', 'exit 2'], [0, 2], 'pass', 'exited 2'],
    [['sh', '-c', 'echo drift detected >&2; exit 2'], 0, 'retry', 'exited 2, expected 0; output: drift detected'],
  ])('%j with expected exit %j → %s', async (command, exitCode, outcome, text) => {
    const result = await runCheck({ command, expect: { exitCode } });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(text);
  });

  it.each([
    [{ stdoutContains: 'ready' }, 'pass', undefined],
    [{ stdoutContains: ['ready', 'missing'] }, 'retry', 'stdout does not contain "missing"'],
    [{ stderrContains: 'warn' }, 'pass', undefined],
    [{ stderrContains: 'ready' }, 'retry', 'stderr does not contain "ready"'],
  ])('output expectation %j → %s', async (expectation, outcome, text) => {
    const result = await runCheck({ command: ['sh', '-c', 'echo service ready; echo warn >&2'], expect: expectation });
    expect(result.outcome).toBe(outcome);
    if (text) expect(result.message).toContain(text);
  });

  it.each([
    ['"; touch injected-1'],
    ['$(touch injected-2)'],
    ['`touch injected-3`'],
    ["it's a 'quoted' \"arg\" with * and \\ and\nnewline"],
    [''],
  ])('passes %j literally, never through a shell', async (argument) => {
    const result = await runCheck({ command: ['printf', '%s', argument] });
    expect(result.outcome).toBe('pass');
    expect((result.details as { stdoutTail: string }).stdoutTail).toBe(tail(argument));
    for (const n of [1, 2, 3]) expect(existsSync(path.join(scenarioDir, `injected-${n}`))).toBe(false);
  });

  it('reports a missing command as an error', async () => {
    const result = await runCheck({ command: ['no-such-command-vd', '--version'] });
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('command not found: no-such-command-vd');
  });

  it('reports a non-executable file as an error', async () => {
    const result = await runCheck({ command: ['./not-executable.sh'] });
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('./not-executable.sh is not executable');
  });

  it('runs in cwd relative to the scenario directory', async () => {
    const result = await runCheck({ command: ['cat', 'marker.txt'], cwd: 'infra', expect: { stdoutContains: 'in infra' } });
    expect(result.outcome).toBe('pass');
    expect(result.details).toMatchObject({ cwd: path.join(scenarioDir, 'infra') });
  });

  it('reports a missing cwd as an error naming the directory', async () => {
    const result = await runCheck({ command: ['true'], cwd: 'nowhere' });
    expect(result.outcome).toBe('error');
    expect(result.message).toContain(`working directory ${path.join(scenarioDir, 'nowhere')} does not exist`);
  });

  it('adds env to the inherited environment', async () => {
    const result = await runCheck({ command: ['sh', '-c', 'echo "$TF_IN_AUTOMATION:${PATH:+has-path}"'], env: { TF_IN_AUTOMATION: '1' } });
    expect((result.details as { stdoutTail: string }).stdoutTail).toBe('1:has-path');
  });

  it('kills the command (and its children) when the signal aborts', async () => {
    const pidFile = path.join(scenarioDir, 'child.pid');
    const started = Date.now();
    const attempt = runCheck(
      { command: ['sh', '-c', `sleep 30 & echo $! > '${pidFile}'; wait`] },
      fakeContext({ scenarioDir, signal: AbortSignal.timeout(300), timeoutMs: 300 }),
    );
    await expect(attempt).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isRunning(childPid)).toBe(false);
  });

  it('kills a command that ignores SIGTERM when the signal aborts', async () => {
    const pidFile = path.join(scenarioDir, 'stubborn.pid');
    const attempt = runCheck(
      { command: ['sh', '-c', `trap '' TERM; echo $$ > '${pidFile}'; while :; do sleep 0.05; done`] },
      fakeContext({ scenarioDir, signal: AbortSignal.timeout(300), timeoutMs: 300 }),
    );
    await expect(attempt).rejects.toThrow();
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(isRunning(pid)).toBe(false);
  });

  it('keeps only the last lines of long output', () => {
    const output = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n');
    expect(tail(output).split('\n')).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 31}`));
    expect(tail('x'.repeat(10_000)).length).toBe(4097);
  });
});
