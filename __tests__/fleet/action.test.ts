/**
 * The GitHub Action (action.yml): its inputs and outputs are the ones docs/github-action.md
 * documents, inputs reach scripts only through env, and its `run:` steps, executed with bash the
 * way the runner does (INPUT_* env, GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY), install only when needed and turn a local scenario (an http check against
 * a local server) into the right verdict, outputs, annotations, step summary and exit code.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { actionOutputs, failsOnInconclusive, githubOutputText } from '../../scripts/action/outputs.js';
import { CLI, ROOT, startFixtureServer } from '../support/cli.js';
import type { TestHttpServer } from '../support/http-server.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as Action;
const docs = readFileSync(path.join(ROOT, 'docs/github-action.md'), 'utf8');
const step = (name: string) => action.runs.steps.find((s) => s.name === name)!;

/** The rows of the markdown table under `## heading`: first cell (backticks removed) → second cell. */
function tableUnder(heading: string): Map<string, string> {
  const section = docs.split(/^## /m).find((part) => part.startsWith(`${heading}\n`)) ?? '';
  const rows = section.split('\n').filter((line) => /^\| `/.test(line));
  return new Map(rows.map((row) => row.split('|').map((cell) => cell.trim())).map((cells) => [cells[1]!.replace(/`/g, ''), cells[2]!.replace(/`/g, '')]));
}

interface BashResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a step's script as the runner does (`bash --noprofile --norc -eo pipefail`), asynchronously (the test server answers meanwhile). */
function bash(script: string, env: Record<string, string>, cwd: string): Promise<BashResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** $GITHUB_OUTPUT written with `name<<DELIMITER` blocks → { name: value }. */
function readOutputs(file: string): Record<string, string> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const outputs: Record<string, string> = {};
  const pattern = /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2\n/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]!] = match[3]!;
  return outputs;
}

describe('action.yml', () => {
  it('is a composite action that sets up Node 20 and runs bash steps', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps[0]).toMatchObject({ uses: expect.stringMatching(/^actions\/setup-node@v\d+$/) });
    expect(String((action.runs.steps[0] as { with?: Record<string, unknown> }).with?.['node-version'])).toBe('20');
    for (const s of action.runs.steps.filter((x) => x.run)) expect(s.shell).toBe('bash');
  });

  it('has exactly the inputs docs/github-action.md documents, with the same defaults', () => {
    const documented = tableUnder('Inputs');
    expect([...documented.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, input] of Object.entries(action.inputs)) expect([name, documented.get(name)]).toEqual([name, input.default ?? '']);
    expect(action.inputs).toMatchObject({ reporter: { default: 'github' }, 'fail-on-inconclusive': { default: 'true' } });
  });

  it('has exactly the outputs docs/github-action.md documents, each from the verify step', () => {
    expect([...tableUnder('Outputs').keys()].sort()).toEqual(Object.keys(action.outputs).sort());
    expect(Object.keys(action.outputs).sort()).toEqual(['report', 'root-cause', 'verdict']);
    for (const [name, output] of Object.entries(action.outputs)) expect(output.value).toBe(`\${{ steps.verify.outputs.${name} }}`);
  });

  it('never expands an expression inside a script: every input reaches the verify step as INPUT_* env', () => {
    for (const s of action.runs.steps) expect([s.name, s.run?.includes('${{')]).toEqual([s.name, s.run === undefined ? undefined : false]);
    const env = step('Verify').env!;
    for (const name of Object.keys(action.inputs)) expect(env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`]).toBe(`\${{ inputs.${name} }}`);
    expect(step('Verify').id).toBe('verify');
  });
});

describe('the install step', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vd-action-install-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['built and installed: nothing to do', { dist: true, modules: true }, []],
    ['built, not installed: production dependencies only', { dist: true, modules: false }, ['ci --omit=dev --ignore-scripts --no-audit --no-fund']],
    ['a git ref without dist/: install with the build tools, then build', { dist: false, modules: false }, ['ci --ignore-scripts --no-audit --no-fund', 'run build']],
  ])('%s', async (_what, layout, npmCalls) => {
    const actionPath = mkdtempSync(path.join(dir, 'action-'));
    writeFileSync(path.join(actionPath, 'package.json'), JSON.stringify({ name: 'verify-deployment', bin: { 'verify-deployment': 'dist/scripts/verify-deployment.js' } }));
    if (layout.dist) {
      mkdirSync(path.join(actionPath, 'dist/scripts'), { recursive: true });
      writeFileSync(path.join(actionPath, 'dist/scripts/verify-deployment.js'), '');
    }
    if (layout.modules) mkdirSync(path.join(actionPath, 'node_modules'));
    // An npm that records how it was called: the test never installs anything.
    const shims = mkdtempSync(path.join(dir, 'bin-'));
    const log = path.join(shims, 'npm.log');
    writeFileSync(path.join(shims, 'npm'), `#!/bin/sh\necho "$*" >> "${log}"\n`);
    chmodSync(path.join(shims, 'npm'), 0o755);
    const result = await bash(step('Install verify-deployment').run!, { GITHUB_ACTION_PATH: actionPath, PATH: `${shims}:${process.env.PATH}` }, dir);
    expect(result.code).toBe(0);
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    expect(calls).toEqual(npmCalls);
  });
});

describe('the verify step, against a local scenario', () => {
  let server: TestHttpServer;
  let dir: string;
  let run = 0;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`npm run build\` first`);
    server = await startFixtureServer();
    dir = mkdtempSync(path.join(tmpdir(), 'vd-action-'));
    mkdirSync(path.join(dir, 'deploy'));
    writeFileSync(
      path.join(dir, 'deploy', 'verify.yaml'),
      ['name: action smoke', 'vars:', '  baseUrl: http://127.0.0.1:9', '  path: ok', '  label: plain', 'checks:', '  - name: health ${vars.label}', '    type: http', '    url: ${vars.baseUrl}/${vars.path}', ''].join('\n'),
    );
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the step with these inputs (the rest at their defaults), in a job workspace of its own. */
  async function verify(inputs: Record<string, string>) {
    const job = path.join(dir, `job-${++run}`);
    mkdirSync(job);
    const env: Record<string, string> = {
      GITHUB_ACTION_PATH: ROOT,
      RUNNER_TEMP: job,
      GITHUB_OUTPUT: path.join(job, 'output'),
      GITHUB_STEP_SUMMARY: path.join(job, 'summary.md'),
      GITHUB_ACTIONS: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    for (const [name, input] of Object.entries(action.inputs)) {
      env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`] = inputs[name] ?? input.default ?? '';
    }
    const result = await bash(step('Verify').run!, env, dir);
    const summary = existsSync(env.GITHUB_STEP_SUMMARY!) ? readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8') : '';
    return { ...result, outputs: readOutputs(env.GITHUB_OUTPUT!), summary, job };
  }

  const vars = (path: string) => `baseUrl=${server.url}\n\n# the endpoint to check\n  path=${path}  \n`;

  it('passes: verdict passed, the JSON report under RUNNER_TEMP, the step summary, exit 0', async () => {
    const result = await verify({ scenario: 'verify.yaml', 'working-directory': 'deploy', vars: vars('ok') });
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({ verdict: 'passed', report: expect.stringMatching(new RegExp(`^${result.job}/verify-deployment\\.\\w+/report\\.json$`)), 'root-cause': '' });
    expect(JSON.parse(readFileSync(result.outputs.report!, 'utf8'))).toMatchObject({ scenario: 'action smoke', status: 'passed' });
    expect(result.stdout).toMatch(/^::notice title=verify-deployment::✓ PASSED action smoke/m);
    expect(result.summary).toMatch(/^### ✓ PASSED action smoke/);
  });

  it('fails: verdict failed, the root cause, an error annotation, exit 1', async () => {
    const result = await verify({ scenario: 'verify.yaml', 'working-directory': 'deploy', vars: vars('fail') });
    expect(result.code).toBe(1);
    expect(result.outputs.verdict).toBe('failed');
    expect(result.outputs['root-cause']).toMatch(/^health plain: /);
    expect(JSON.parse(readFileSync(result.outputs.report!, 'utf8'))).toMatchObject({ status: 'failed', summary: { failed: 1 } });
    expect(result.stdout).toMatch(/^::error title=.*health plain/m);
    expect(result.summary).toMatch(/^### ✗ FAILED action smoke/);
  });

  it('takes several reporters, comma-separated', async () => {
    const result = await verify({ scenario: 'deploy/verify.yaml', vars: vars('ok'), reporter: 'pretty, github' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ passed +health plain/m);
    expect(result.stdout).toMatch(/^::notice title=verify-deployment::/m);
  });

  it('without a scenario or a cluster and service: an error annotation, verdict errored, exit 2', async () => {
    const result = await verify({ cluster: 'prod' });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('::error title=verify-deployment::set the scenario input, or both cluster and service');
    expect(result.outputs).toEqual({ verdict: 'errored', report: '', 'root-cause': '' });
    expect(result.summary).toContain('no report was written');
  });

  it('an invalid scenario: the CLI says why, verdict errored, exit 2', async () => {
    const result = await verify({ scenario: 'no-such.yaml' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no-such.yaml: no such file');
    expect(result.outputs.verdict).toBe('errored');
  });

  it('treats inputs as data: shell syntax in them runs nothing', async () => {
    const marker = path.join(dir, 'PWNED');
    const result = await verify({
      scenario: 'deploy/verify.yaml',
      vars: `${vars('ok')}label=$(touch ${marker})\`touch ${marker}\`;touch ${marker}`,
      reporter: `github;touch ${marker}`,
    });
    expect(existsSync(marker)).toBe(false);
    expect(result.code).toBe(2); // the reporter "github;touch …" does not exist: a usage error, not a command
    const asData = await verify({ scenario: 'deploy/verify.yaml', vars: `${vars('ok')}label=$(touch ${marker})` });
    expect(existsSync(marker)).toBe(false);
    expect(JSON.parse(readFileSync(asData.outputs.report!, 'utf8')).checks[0].name).toBe(`health $(touch ${marker})`);
  });
});

describe('the outputs script', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vd-action-outputs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const report = (status: string, summary: Record<string, number>, extra: object = {}) => {
    const file = path.join(dir, `${status}-${Object.values(summary).join('')}.json`);
    writeFileSync(file, JSON.stringify({ version: 1, scenario: 's', status, startedAt: '', durationMs: 1, summary: { passed: 0, failed: 0, errored: 0, skipped: 0, ...summary }, checks: [], ...extra }));
    return file;
  };

  it.each([
    ['passed', { passed: 2 }, true, 'passed', 0],
    ['failed', { failed: 1 }, true, 'failed', 1],
    ['failed', { errored: 1 }, true, 'errored', 1],
    ['passed', { passed: 1, inconclusive: 1 }, true, 'inconclusive', 1],
    ['passed', { passed: 1, inconclusive: 1 }, false, 'inconclusive', 0],
    ['failed', { passed: 1, failed: 1, inconclusive: 1 }, false, 'failed', 1],
  ])('status %s, summary %j, fail-on-inconclusive %s → %s, exit %i', (status, summary, failOnInconclusive, verdict, exitCode) => {
    expect(actionOutputs(report(status, summary), 1, failOnInconclusive)).toMatchObject({ verdict, exitCode });
  });

  it('puts the root cause on one line', () => {
    const file = report('failed', { failed: 1 }, { rootCause: { check: 'targets healthy', reason: 'a\nb', consequences: [] } });
    expect(actionOutputs(file, 1, true).rootCause).toBe('targets healthy: a ⏎ b');
  });

  it('without a report: errored, keeping the CLI exit code', () => {
    expect(actionOutputs(path.join(dir, 'missing.json'), 2, true)).toMatchObject({ verdict: 'errored', report: '', exitCode: 2 });
  });

  it.each([
    ['true', true],
    ['', true],
    ['TRUE', true],
    ['yes', true],
    ['false', false],
    [' False ', false],
    ['no', false],
    ['0', false],
  ])('fail-on-inconclusive %j → %s', (input, expected) => {
    expect(failsOnInconclusive(input)).toBe(expected);
  });

  it('writes each output as a delimited block, so a value with newlines cannot add outputs', () => {
    const text = githubOutputText({ verdict: 'failed', 'root-cause': 'x\nverdict=passed' });
    expect(readOutputsFromText(text)).toEqual({ verdict: 'failed', 'root-cause': 'x\nverdict=passed' });
  });
});

function readOutputsFromText(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2\n/gm)) outputs[match[1]!] = match[3]!;
  return outputs;
}
