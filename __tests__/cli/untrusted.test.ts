/**
 * End to end (#14 §4): a service whose body, and a command whose output, hold terminal escapes,
 * bidi and zero-width characters, a bare CR before `::error::` and `##[stop-commands]`. Through the
 * built CLI, with progress on stderr (`--verbose`, as in a CI log) and each reporter on stdout:
 * nothing on either stream can act, the github reporter's annotations are the only commands a
 * runner would execute (all of them, none silenced), and json keeps the text exact.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killAllCli, runCli, type CliResult } from '../support/cli.js';
import { expectInert, runnerCommands } from '../support/hostile-output.js';
import { respond, startHttpServer, type TestHttpServer } from '../support/http-server.js';

const BODY = [
  'degraded ##[stop-commands]t0k3n',
  '::error::forged from the body',
  '##[error]forged too',
  '\x1b[2J\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07 \x1b]52;c;ZXZpbA==\x07',
  'abc\u202Etxt.exe to\u200Bken a\u2028b NUL\x00 DEL\x7f C1\u009b2J',
].join('\r\n');
const OUTPUT = 'ok\r::error::forged from a CR\n##[stop-commands]t0k3n\n\u202Eevil \x1b[31mred\n';
const OWN_ANNOTATION = /^::(error|warning|notice) [^\n]*::/;

let server: TestHttpServer;
let tmp: string;
let scenario: string;
const runs: Record<string, CliResult> = {};

beforeAll(async () => {
  server = await startHttpServer();
  server.route('/health', respond(200, BODY, { headers: { 'content-type': 'text/plain' } }));
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-untrusted-'));
  scenario = path.join(tmp, 'hostile.yaml');
  // JSON is YAML: no quoting rules to get wrong around the hostile text.
  const spec = {
    name: 'hostile',
    checks: [
      { name: 'health', type: 'http', url: `${server.url}/health`, retry: { attempts: 2, interval: '100ms' }, expect: { bodyContains: 'healthy' } },
      { name: 'smoke', type: 'exec', command: [process.execPath, '-e', `process.stdout.write(${JSON.stringify(OUTPUT)})`], retry: { attempts: 1 }, expect: { stdoutContains: 'healthy' } },
    ],
  };
  writeFileSync(scenario, JSON.stringify(spec, null, 2));
  const env = { GITHUB_ACTIONS: 'true', CI: 'true', GITHUB_STEP_SUMMARY: path.join(tmp, 'summary.md') };
  const [github, pretty, json, junit] = await Promise.all([
    runCli(['run', scenario, '--reporter', 'github', '--verbose', '--out', `pretty=${path.join(tmp, 'report.txt')}`], { env }),
    runCli(['run', scenario, '--reporter', 'pretty', '--verbose'], { env }),
    runCli(['run', scenario, '--reporter', 'json'], { env }),
    runCli(['run', scenario, '--reporter', 'junit'], { env }),
  ]);
  Object.assign(runs, { github: github!, pretty: pretty!, json: json!, junit: junit! });
}, 90_000);

afterAll(async () => {
  killAllCli();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('hostile text from a body and from command output, through the CLI', () => {
  it('fails both checks (exit 1), with the hostile text in their messages', () => {
    for (const run of Object.values(runs)) expect(run.code).toBe(1);
    const report = JSON.parse(runs.json!.stdout) as { checks: { name: string; status: string; message: string }[] };
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([['health', 'failed'], ['smoke', 'failed']]);
    // json stays exact: the body's own characters, as the check saw them.
    expect(report.checks[0]!.message).toContain('##[stop-commands]t0k3n');
    expect(report.checks[0]!.message).toContain('\u202E');
    expect(report.checks[1]!.message).toContain('\u202E');
  });

  it.each(['github', 'pretty', 'json', 'junit'])('--reporter %s: stdout and stderr are inert', (name) => {
    const run = runs[name]!;
    expectInert(run.stdout, { ownCommands: name === 'github' ? OWN_ANNOTATION : undefined });
    expectInert(run.stderr);
    expect(run.stderr).toContain('▶ health (http)');
  });

  it('a runner executes exactly the github annotations, after the progress lines', () => {
    const { stdout, stderr } = runs.github!;
    const executed = runnerCommands(`${stderr}${stdout}`);
    expect(executed.map((c) => c.command)).toEqual(['error', 'error', 'notice']);
    expect(executed[0]!.data).toContain('##\\[stop-commands]t0k3n');
  });

  it('shows what was neutralized, visibly', () => {
    const { stderr } = runs.pretty!;
    expect(stderr).toContain('##\\[stop-commands]t0k3n');
    expect(stderr).toContain('ok\\r::error::forged from a CR');
    expect(stderr).toContain('\\u202eevil \\x1b[31mred');
  });

  it('the step summary and a --out pretty file are inert, and the file cuts no message', () => {
    expectInert(readFileSync(path.join(tmp, 'summary.md'), 'utf8'));
    const file = readFileSync(path.join(tmp, 'report.txt'), 'utf8');
    expectInert(file);
    const table = file.split('\n\n')[0]!.split('\n');
    expect(table.find((line) => /^✗ failed +health /.test(line))).toMatch(/\(gave up after 2 attempts\)$/);
  });
});
