/** The sandbox's small pure parts: exit codes per stop reason, the guard, packaged scenarios, shell words, break states, demo phases. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { phasesOf } from '../../scripts/bench/fig-demo.js';
import { brokenState, upInstructions, type SandboxRecord } from '../../scripts/sandbox/control.js';
import { exitCodeFor, guardExitPaths, type StopReason } from '../../scripts/sandbox/exit-guard.js';
import { cliInvocation, resolveNamedScenario, shellWord } from '../../scripts/sandbox/scenario.js';

describe('exit codes of a stopped sandbox process', () => {
  it.each<[StopReason, number]>([
    ['SIGHUP', 129],
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['output closed', 141],
  ])('%s → %i', (reason, code) => {
    expect(exitCodeFor(reason)).toBe(code);
  });
});

describe('guardExitPaths', () => {
  it.each(['SIGHUP', 'SIGINT', 'SIGTERM'] as const)('%s aborts the signal with its name, once', (name) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const guard = guardExitPaths(stdout, stderr);
    try {
      process.emit(name);
      expect(guard.reason()).toBe(name);
      expect(guard.signal.aborted).toBe(true);
      // Ctrl-C is answered; the others say nothing (no terminal, or a supervisor that asked).
      expect(String(stderr.read() ?? '')).toBe(name === 'SIGINT' ? '\nSIGINT received: stopping the sandbox (again to quit at once)\n' : '');
    } finally {
      guard.dispose();
    }
    expect(process.listenerCount(name)).toBe(0);
  });

  it('a stdout error (EPIPE: the reader left) stops with "output closed" instead of crashing', () => {
    const stdout = new PassThrough();
    const guard = guardExitPaths(stdout, new PassThrough());
    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(guard.reason()).toBe('output closed');
    expect(guard.outputOpen()).toBe(false);
    guard.dispose();
    // Still no crash for a late error once disposed.
    expect(() => stdout.emit('error', new Error('write EPIPE'))).not.toThrow();
  });
});

describe('packaged scenarios', () => {
  it('resolves "incident" to the absolute path of the shipped scenario', () => {
    const file = resolveNamedScenario('incident');
    expect(path.isAbsolute(file)).toBe(true);
    expect(file.endsWith(path.join('scenarios', 'hokusai-api-development.yaml'))).toBe(true);
    expect(existsSync(file)).toBe(true);
  });

  it.each(['nope', 'toString', '__proto__', ''])('refuses %j, listing the known names', (name) => {
    expect(() => resolveNamedScenario(name)).toThrow(`unknown scenario "${name}" (packaged scenarios: incident)`);
  });
});

describe('shellWord', () => {
  it.each([
    ['/usr/lib/node_modules/verify-deployment/scenarios/x.yaml', '/usr/lib/node_modules/verify-deployment/scenarios/x.yaml'],
    ['http://127.0.0.1:4566', 'http://127.0.0.1:4566'],
    ['/home/me/My Projects/x.yaml', "'/home/me/My Projects/x.yaml'"],
    ["it's", "'it'\\''s'"],
    ['$(rm -rf ~)', "'$(rm -rf ~)'"],
    ['', "''"],
  ])('%j → %s', (text, word) => {
    expect(shellWord(text)).toBe(word);
  });
});

describe('brokenState', () => {
  it.each([
    ['healthy', 'sg-rule', 'missing-sg-rule'],
    ['healthy', 'secret', 'missing-secret'],
    ['healthy', 'both', 'both'],
    ['missing-secret', 'sg-rule', 'both'],
    ['missing-sg-rule', 'secret', 'both'],
    ['missing-sg-rule', 'sg-rule', 'missing-sg-rule'],
  ] as const)('%s + break %s → %s', (current, what, next) => {
    expect(brokenState(current, what)).toBe(next);
  });
});

describe('the demo figure splits the demo into phases', () => {
  const lines = [
    [120, 'verify-deployment demo — the API timeout incident, reproduced on 127.0.0.1 (no AWS account needed)'],
    [120, 'Starting the sandbox: …'],
    [3100, '  AWS emulator http://127.0.0.1:1   model API http://127.0.0.1:2'],
    [3150, '━━ Run 1, the incident: verify-deployment run scenarios/hokusai-api-development.yaml ━━'],
    [16300, '✗ FAILED hokusai-api-development: 5 passed, 4 failed, 0 errored, 0 skipped in 13.10s'],
    [16300, 'Applying the fix the incident document recommends (the missing ingress rule):'],
    [22800, 'Waiting for the ALB health checks to pass (2 in a row, every 5s)... healthy after 6.5s'],
    [22800, '━━ Run 2, after the fix: verify-deployment run scenarios/hokusai-api-development.yaml ━━'],
    [23000, 'Demo complete: …'],
  ].map(([at, text]) => ({ at: at as number, text: text as string }));

  it('measures each phase from the line that ends the previous one', () => {
    const run = phasesOf(lines, 23300, 0);
    expect(run.missing).toEqual([]);
    expect(run.phasesMs).toEqual({ boot: 120, sandbox: 2980, unhealthy: 50, broken: 13150, heal: 6500, logs: 0, passing: 200, stop: 300 });
    expect(run.brokenRunReportedMs).toBe(13100);
  });

  it('names the phases whose closing line never came', () => {
    const run = phasesOf(lines.slice(0, 5), 17000, 1);
    expect(run.missing).toEqual(['broken', 'heal', 'logs', 'passing']);
    expect(run.phasesMs.stop).toBe(17000 - 3150);
  });
});

describe('cliInvocation', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  function install(binDir: string): { root: string; cli: string; bin: string } {
    const root = mkdtempSync(path.join(tmpdir(), 'vd-cli-'));
    made.push(root);
    const cli = path.join(root, 'dist', 'cli', 'verify-deployment.js');
    mkdirSync(path.dirname(cli), { recursive: true });
    writeFileSync(cli, '');
    const bin = path.join(root, binDir);
    mkdirSync(bin, { recursive: true });
    symlinkSync(cli, path.join(bin, 'verify-deployment'));
    return { root, cli, bin };
  }

  it.each([
    ['a global bin directory on PATH: the bare name', 'prefix/bin', true],
    ["npx's node_modules/.bin (this process's PATH only): the path to the CLI", 'node_modules/.bin', false],
  ])('%s', (_label, binDir, bare) => {
    const { cli, bin } = install(binDir);
    const printed = cliInvocation(cli, ['/usr/bin', bin].join(path.delimiter));
    expect(printed).toBe(bare ? 'verify-deployment' : `${shellWord(process.execPath)} ${shellWord(realpathSync(cli))}`);
  });

  it('another installation of the name on PATH is not this one', () => {
    const mine = install('prefix/bin');
    const other = install('other/bin');
    expect(cliInvocation(mine.cli, other.bin)).toBe(`${shellWord(process.execPath)} ${shellWord(realpathSync(mine.cli))}`);
  });
});

describe('upInstructions', () => {
  const record = {
    pid: 1,
    motoEndpoint: 'http://127.0.0.1:5001',
    apiUrl: 'http://127.0.0.1:34143',
    apiKey: 'k',
    resources: {},
    env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:5001', AWS_REGION: 'us-east-1' },
  } as unknown as SandboxRecord;
  const lines = upInstructions('missing-sg-rule', record, '/tmp/with space/sandbox.json').trim().split('\n').slice(1);

  it('prints one pasteable shell line each: an export, a comment, or one command (no bare | or / between commands)', () => {
    for (const line of lines) {
      expect(line).toMatch(/^(export |# |\S+ )/);
      if (line.startsWith('#')) continue;
      const command = line.replace(/\s+# .*$/, '');
      expect(command).not.toMatch(/(^|\s)[|/](\s|$)|[a-z]\|[a-z]/);
      const parsed = spawnSync('bash', ['-n', '-c', line]);
      expect({ line, status: parsed.status }).toEqual({ line, status: 0 });
    }
  });

  it('names every sandbox command with the CLI and gives the zero-config run its --url', () => {
    const commands = lines.filter((line) => !line.startsWith('#') && !line.startsWith('export '));
    const cli = commands[0]!.split(' run ')[0]!;
    for (const line of commands) expect(line.startsWith(`${cli} `)).toBe(true);
    expect(commands.map((line) => line.slice(cli.length + 1).replace(/\s+# .*$/, ''))).toEqual([
      expect.stringMatching(/^run \S+hokusai-api-development\.yaml --var baseUrl=http:\/\/127\.0\.0\.1:34143$/),
      'run --cluster hokusai-development --service hokusai-api-development --url http://127.0.0.1:34143',
      'sandbox break sg-rule',
      'sandbox fix',
      'sandbox status',
      'sandbox down',
    ]);
  });
});
