import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exec, tail } from '../../checks/exec.js';
import { CLI, runCli, killAllCli } from '../support/cli.js';
import { fakeContext } from '../support/context.js';
import { eventually, isRunning, trackPids } from '../support/processes.js';
import { timeoutSignal } from '../../checks/support/abort.js';

let scenarioDir: string;

beforeAll(() => {
  scenarioDir = mkdtempSync(path.join(tmpdir(), 'vd-exec-'));
  mkdirSync(path.join(scenarioDir, 'infra'));
  writeFileSync(path.join(scenarioDir, 'infra', 'marker.txt'), 'in infra\n');
  writeFileSync(path.join(scenarioDir, 'not-executable.sh'), 'echo hi\n', { mode: 0o644 });
});

/** Pids the tests' commands wrote down: SIGKILLed after each test whatever happened. */
const { pidFrom } = trackPids();

afterAll(() => {
  killAllCli();
  rmSync(scenarioDir, { recursive: true, force: true });
});


function runCheck(spec: Record<string, unknown>, ctx = fakeContext({ scenarioDir })) {
  return exec.run(exec.schema.parse(spec), ctx);
}

describe('exec schema', () => {
  it.each([
    ['a command', { command: ['terraform', 'fmt', '-check'] }],
    ['everything', { command: ['sh', '-c', 'exit 2'], cwd: 'infra', env: { TF_IN_AUTOMATION: '1' }, expect: { exitCode: [0, 2], stdoutContains: 'ok', stderrContains: ['a', 'b'] } }],
    ['an empty argument after the program', { command: ['printf', ''] }],
    ['a shell script', { command: ['curl -fsS http://127.0.0.1/health | grep -q ok'], shell: true }],
    ['shell: false', { command: ['true'], shell: false }],
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
    ['an unknown key', { command: ['true'], shel: true }, ''],
    ['a shell that is not a boolean', { command: ['true'], shell: 'bash' }, 'shell'],
    ['an unknown expect key', { command: ['true'], expect: { exit: 0 } }, 'expect'],
  ])('rejects %s', (_name, spec, issuePath) => {
    const result = exec.schema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(issuePath);
  });

  it.each([
    [{ command: ['terraform', 'fmt', '-check'] }, 'terraform fmt -check → exit 0'],
    [{ command: ['sh', '-c', 'exit 2'], cwd: 'infra', expect: { exitCode: [0, 2], stdoutContains: 'ok' } }, "sh -c 'exit 2' → exit one of 0, 2 (in infra), stdout contains \"ok\""],
    [{ command: ['echo $HOME', '| wc -c'], shell: true }, "bash -c 'echo $HOME | wc -c' → exit 0"],
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
      fakeContext({ scenarioDir, signal: timeoutSignal(300), timeoutMs: 300 }),
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
      fakeContext({ scenarioDir, signal: timeoutSignal(300), timeoutMs: 300 }),
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

describe('exec runs the argument vector, not a shell', () => {
  it.each([
    ['an assignment as the first element', ['FOO=bar', 'true'], 'command not found: FOO=bar'],
    ['a shell builtin', ['exit', '0'], 'command not found: exit'],
    ['a shell keyword', ['if', 'true'], 'command not found: if'],
  ])('%s is a program name (exit 127, an error)', async (_name, command, text) => {
    const result = await runCheck({ command });
    expect(result.outcome).toBe('error');
    expect(result.message).toContain(text);
    expect(result.details).toMatchObject({ exitCode: 127 });
  });

  it('does not source an inherited BASH_ENV', async () => {
    const sourced = path.join(scenarioDir, 'bash-env-sourced');
    const bashEnv = path.join(scenarioDir, 'bash-env.sh');
    writeFileSync(bashEnv, `touch '${sourced}'\n`);
    const result = await runCheck({ command: ['true'], env: { BASH_ENV: bashEnv } });
    expect(result.outcome).toBe('pass');
    expect(existsSync(sourced)).toBe(false);
  });

  it('runs a bash script with shell: true (pipes, variables), its elements joined with spaces', async () => {
    const result = await runCheck({ command: ['echo "$GREETING" one two', '| wc -w'], shell: true, env: { GREETING: 'hi' }, expect: { stdoutContains: '3' } });
    expect(result.outcome).toBe('pass');
    expect(result.message).toMatch(/^bash -c 'echo "\$GREETING" one two \| wc -w' exited 0/);
    expect(result.details).toMatchObject({ shell: true, command: ['echo "$GREETING" one two', '| wc -w'] });
  });

  it('reports a command a shell: true script cannot find as an error with what bash said', async () => {
    const result = await runCheck({ command: ['no-such-command-vd --version'], shell: true });
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(/command not found \(exit 127: .*no-such-command-vd: command not found\)/);
  });

  it('judges an expected exit 127 by its code when the program ran', async () => {
    const result = await runCheck({ command: ['sh', '-c', 'nope-vd-missing'], expect: { exitCode: 127 } });
    expect(result.outcome).toBe('pass');
  });
});

describe('exec judges the process by its own exit', () => {
  it('keeps the exit code of a command that exits at once but leaves a background child on stdout', async () => {
    const pidFile = path.join(scenarioDir, 'background.pid');
    const started = Date.now();
    const result = await runCheck(
      { command: ['sh', '-c', `sleep 30 & echo $! > '${pidFile}'; echo hi; exit 3`], expect: { exitCode: 3, stdoutContains: 'hi' } },
      fakeContext({ scenarioDir, signal: timeoutSignal(5000), timeoutMs: 5000 }),
    );
    const sleeper = await pidFrom(pidFile);
    expect(result.outcome).toBe('pass');
    expect(result.message).toMatch(/exited 3 in \d+ms$/);
    expect(result.details).toMatchObject({ exitCode: 3, stdoutTail: 'hi', pipesHeldAfterExit: true });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await eventually(() => !isRunning(sleeper))).toBe(true);
  });

  it('shows the stdout a failed stdoutContains was about, not only stderr', async () => {
    const result = await runCheck({
      command: ['sh', '-c', 'echo "status: degraded"; echo "cache warming" >&2'],
      expect: { stdoutContains: 'status: ok' },
    });
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(`sh -c 'echo "status: degraded"; echo "cache warming" >&2': stdout does not contain "status: ok"; stdout: status: degraded`);
  });

  it.each([
    [{ exitCode: 0, stdoutContains: 'ready' }, 'sh -c \'echo starting; echo boom >&2; exit 1\': exited 1, expected 0; stdout does not contain "ready"; output: boom; stdout: starting'],
    [{ stderrContains: 'ready' }, 'sh -c \'echo starting; echo boom >&2; exit 1\': exited 1, expected 0; stderr does not contain "ready"; stderr: boom'],
  ])('names each stream an unmet expectation was about once (%j)', async (expectation, message) => {
    const result = await runCheck({ command: ['sh', '-c', 'echo starting; echo boom >&2; exit 1'], expect: expectation });
    expect(result.message).toBe(message);
  });

  it('says so when the stream an expectation was about is empty', async () => {
    const result = await runCheck({ command: ['true'], expect: { stdoutContains: 'ready' } });
    expect(result.message).toBe('true: stdout does not contain "ready"; stdout: (empty)');
  });

  it('finds a stdoutContains text after 20 MB of output and keeps only a bounded tail', async () => {
    const result = await runCheck({
      command: ['sh', '-c', "head -c 20000000 /dev/zero | tr '\\0' 'y'; echo; echo deployment 151 ready"],
      expect: { stdoutContains: 'deployment 151 ready' },
    });
    expect(result.outcome).toBe('pass');
    expect(result.details).toMatchObject({ stdoutBytes: 20_000_000 + 1 + 'deployment 151 ready\n'.length });
    expect(((result.details as { stdoutTail: string }).stdoutTail).length).toBeLessThanOrEqual(4097);
  });
});

describe('a descendant that escaped with setsid', () => {
  it('never keeps the CLI alive after the verdict, and is killed', async () => {
    if (!existsSync(CLI)) throw new Error('build first: npm run build');
    const pidFile = path.join(scenarioDir, 'cli-escaped.pid');
    const scenario = path.join(scenarioDir, 'escaped.yaml');
    writeFileSync(
      scenario,
      [
        'name: escaped descendant',
        'checks:',
        '  - name: starts a daemon',
        '    type: exec',
        // Waits for the pid file, so the descendant is known before anything kills it.
        `    command: [sh, -c, "setsid sh -c 'echo $$ > ${pidFile}; exec sleep 60' & while [ ! -s ${pidFile} ]; do sleep 0.01; done; echo started"]`,
        '    expect: { stdoutContains: started }',
        '',
      ].join('\n'),
    );
    const run = await runCli(['run', scenario, '--reporter', 'json'], { killAfterMs: 30_000 });
    const escaped = await pidFrom(pidFile);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    // Node start-up on a loaded machine takes a second or two; the sleep would hold it for 60.
    expect(run.wallMs).toBeLessThan(10_000);
    expect(JSON.parse(run.stdout).checks[0]).toMatchObject({ status: 'passed' });
    expect(await eventually(() => !isRunning(escaped))).toBe(true);
  }, 40_000);
});
