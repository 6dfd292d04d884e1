/**
 * The built CLI's front door: --version, --help, `help [COMMAND]`, `COMMAND --help`, and every
 * usage mistake → exit 2 with one line naming the command and what is wrong, never a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixture, killAllCli, ROOT, runCli, STACK_LINE, type CliResult } from '../support/cli.js';

const HELP_HINT = /^Run "verify-deployment( [a-z]+)? --help" for usage\.$/;

/** The message lines of a usage error: stderr without the "see --help" hint. */
function messageLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line !== '' && !HELP_HINT.test(line));
}

// Each case spawns the built binary; all are started in beforeAll (runCli queues them a few at a time).
const usageErrors: { name: string; args: string[]; mentions: RegExp }[] = [
  { name: 'an unknown command', args: ['frobnicate'], mentions: /^verify-deployment: unknown command "frobnicate"/ },
  { name: 'a mistyped command', args: ['valdate', fixture('passing.yaml')], mentions: /; did you mean validate\?$/m },
  { name: 'an unknown flag', args: ['run', fixture('passing.yaml'), '--frobnicate'], mentions: /^verify-deployment run: unknown option --frobnicate$/m },
  { name: 'a mistyped flag', args: ['run', fixture('passing.yaml'), '--fail-fats'], mentions: /^verify-deployment run: unknown option --fail-fats; did you mean --fail-fast\?$/m },
  { name: 'a flag of another command', args: ['validate', fixture('passing.yaml'), '--fail-fast'], mentions: /^verify-deployment validate: unknown option --fail-fast/ },
  { name: 'a flag without its value', args: ['run', fixture('passing.yaml'), '--timeout'], mentions: /^verify-deployment run: --timeout needs a value$/m },
  { name: 'run without a file', args: ['run'], mentions: /^verify-deployment run: needs a scenario file/ },
  { name: '--concurrency 0', args: ['run', fixture('passing.yaml'), '--concurrency', '0'], mentions: /--concurrency .*"0"/ },
  { name: '--concurrency abc', args: ['run', fixture('passing.yaml'), '--concurrency', 'abc'], mentions: /--concurrency .*"abc"/ },
  { name: '--timeout without a unit', args: ['run', fixture('passing.yaml'), '--timeout', '5'], mentions: /--timeout .*"5"/ },
  { name: '--timeout 0s', args: ['run', fixture('passing.yaml'), '--timeout', '0s'], mentions: /--timeout .*"0s"/ },
  { name: 'an unknown --reporter', args: ['run', fixture('passing.yaml'), '--reporter', 'xml'], mentions: /unknown reporter "xml"/ },
  { name: 'an unknown --out reporter', args: ['run', fixture('passing.yaml'), '--out', 'xml=report.xml'], mentions: /unknown reporter "xml"/ },
  { name: '--out without NAME=PATH', args: ['run', fixture('passing.yaml'), '--out', 'report.json'], mentions: /--out expects NAME=VALUE/ },
  { name: '--var without =', args: ['run', fixture('passing.yaml'), '--var', 'base'], mentions: /--var expects NAME=VALUE/ },
  { name: 'json sharing stdout with another reporter', args: ['run', fixture('passing.yaml'), '--reporter', 'json', '--reporter', 'pretty'], mentions: /json must be the only reporter/ },
  { name: '--only with an unknown check', args: ['run', fixture('passing.yaml'), '--only', 'first,nope'], mentions: /--only .*nope/ },
  { name: 'validate without a file', args: ['validate'], mentions: /^verify-deployment validate: needs at least one scenario file/ },
  { name: 'help about an unknown command', args: ['help', 'valdate'], mentions: /unknown command "valdate".*did you mean validate\?/ },
];

/** Ways of asking for help, and the title line each must print. */
const helpRequests: { args: string[]; title: RegExp }[] = [
  { args: ['--help'], title: /^verify-deployment — / },
  { args: ['help'], title: /^verify-deployment — / },
  { args: [], title: /^verify-deployment — / },
  { args: ['help', 'init'], title: /^verify-deployment init — / },
  { args: ['init', '--help'], title: /^verify-deployment init — / },
  { args: ['validate', '-h'], title: /^verify-deployment validate — / },
  { args: ['sandbox', '--help'], title: /^verify-deployment sandbox — / },
];

let version: CliResult;
let help: CliResult;
const results = new Map<string, CliResult>();
const helps = new Map<(typeof helpRequests)[number], CliResult>();
/** The working directory of every run: a usage error must leave it empty (no --out file written). */
let cwd: string;

beforeAll(async () => {
  cwd = mkdtempSync(path.join(tmpdir(), 'vd-cli-usage-'));
  const runs = await Promise.all([
    runCli(['--version'], { cwd }),
    runCli(['--help'], { cwd }),
    ...usageErrors.map((c) => runCli(c.args, { cwd })),
    ...helpRequests.map((c) => runCli(c.args, { cwd })),
  ]);
  [version, help] = runs as [CliResult, CliResult];
  usageErrors.forEach((c, i) => results.set(c.name, runs[i + 2]!));
  helpRequests.forEach((c, i) => helps.set(c, runs[i + 2 + usageErrors.length]!));
}, 90_000);

afterAll(() => {
  killAllCli();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe('verify-deployment --version / --help', () => {
  it('--version prints the version from package.json and exits 0', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${pkg.version}\n`);
    expect(version.stderr).toBe('');
  });

  it('--help prints the usage with every command and exits 0', () => {
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    for (const command of ['verify-deployment run', 'verify-deployment validate', 'verify-deployment schema', 'verify-deployment sandbox', 'verify-deployment help', '--version', '--help']) {
      expect(help.stdout).toContain(command);
    }
    for (const flag of ['--var', '--reporter', '--out', '--only', '--fail-fast', '--timeout', '--concurrency']) expect(help.stdout).toContain(flag);
  });

  it.each(helpRequests.map((c) => [c.args.join(' ') || '(no arguments)', c] as const))('%s prints its help and exits 0', (_name, c) => {
    const result = helps.get(c)!;
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(c.title);
  });

  it('"help init" and "init --help" print the same text, with init\'s flags only', () => {
    const [viaHelp, viaFlag] = [helps.get(helpRequests[3]!)!, helps.get(helpRequests[4]!)!];
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toContain('--cluster C');
    expect(viaHelp.stdout).not.toContain('--fail-fast');
  });
});

describe('usage errors exit 2 with a one-line message and no stack trace', () => {
  it.each(usageErrors.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = results.get(c.name)!;
    expect({ code: result.code, timedOut: result.timedOut, stderr: result.stderr }).toEqual({ code: 2, timedOut: false, stderr: expect.stringMatching(c.mentions) });
    expect(result.stderr).not.toContain(STACK_LINE);
    expect(result.stderr).not.toMatch(/internal error/);
    const lines = messageLines(result);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^verify-deployment( [a-z]+)?: /);
    expect(result.stderr).not.toMatch(/To specify|as in '|ambiguous/);
    // Nothing a script would parse as a report.
    expect(result.stdout).toBe('');
  });

  it('no run happened: nothing was written to the working directory', () => {
    expect(readdirSync(cwd)).toEqual([]);
  });
});
