/**
 * The published package, as a user gets it: `npm pack` of the built tree (scripts skipped: `npm
 * test` has just built it, and prepack would empty dist/ under the other test files), a global
 * install of the tarball into a temporary prefix, then the installed `verify-deployment` run from
 * another directory: --version, validate of the packaged scenario, a run with an http check against a
 * local server, the library entry imported, and `demo` (every AWS check type of the incident
 * scenario, from the bundle, against the emulator the package starts from its own scripts/moto).
 * Issues #12 and #16: installing runs no build and prints no install-script warning.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { respondJson, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { requireTool } from '../support/tools.js';
import { ROOT } from '../support/cli.js';

const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; bin: Record<string, string> };

/** npm runs these when a package is installed (or warns that it did not: npm 11's allowScripts). */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

/**
 * README links that point outside the package. Each is a known dead link after install (issue #16
 * item 2) kept here until the README changes; the test fails when one is gone, to shrink the list.
 */
const LINKS_OUTSIDE_PACKAGE: string[] = [];

let tmp: string;
let prefix: string;
let installed: string;
let bin: string;
let elsewhere: string;
let packedFiles: string[];
let install: { status: number | null; output: string; ms: number };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** An environment without this test process's npm/jest noise; this test's `node` on PATH (last: python3 and the rest stay as they were). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|NODE_OPTIONS$|JEST_|FORCE_COLOR$|NO_COLOR$|GITHUB_|VERIFY_DEPLOYMENT_)/i.test(name)) continue;
    env[name] = value;
  }
  env.PATH = `${env.PATH ?? ''}${path.delimiter}${path.dirname(process.execPath)}`;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/**
 * Runs the installed bin in `elsewhere`: `node <the npm bin symlink>`, as its shebang line would
 * (checked below) — also where the temporary directory is mounted noexec.
 */
function runInstalled(args: string[], env: Record<string, string> = {}, killAfterMs = 60_000): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: elsewhere, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

beforeAll(() => {
  const entry = path.join(ROOT, PKG.bin['verify-deployment']!);
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run build\` first`);
  // A global install writes ~120 MB in thousands of files (the library's dependencies); on a disk
  // under load, removing them took 40 s. Linux's tmpfs when there is one.
  const base = process.platform === 'linux' && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  tmp = mkdtempSync(path.join(base, 'vd-package-'));
  prefix = path.join(tmp, 'prefix');
  elsewhere = path.join(tmp, 'elsewhere');
  mkdirSync(elsewhere);

  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  packedFiles = packed!.files.map((f) => f.path);

  const started = performance.now();
  // --prefer-offline: the dependencies come from npm's cache when it has them (no network needed then).
  const result = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, packed!.filename)], {
    cwd: elsewhere,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 150_000,
  });
  install = { status: result.status, output: `${result.stdout}\n${result.stderr}`, ms: performance.now() - started };
  installed = path.join(prefix, 'lib', 'node_modules', PKG.name);
  bin = path.join(prefix, 'bin', 'verify-deployment');
}, 240_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the tarball', () => {
  it.each([
    PKG.bin['verify-deployment']!,
    'dist/runner/index.js',
    'dist/runner/index.d.ts',
    'scenarios/hokusai-api-development.yaml',
    'scripts/moto/server.py',
    'scenario.schema.json',
    'README.md',
    'docs/reporters.md',
  ])('ships %s', (file) => {
    expect(packedFiles).toContain(file);
  });

  it('ships every bundle chunk with its source map, and no TypeScript source, test or build-only file', () => {
    const chunks = packedFiles.filter((f) => f.startsWith('dist/cli/') && f.endsWith('.js'));
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(packedFiles).toContain(`${chunk}.map`);
    expect(packedFiles.filter((f) => /^(__tests__|dist\/scripts)\/|\.ts$|^dist\/cli-modules\.json$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('has no install lifecycle script in its package.json', () => {
    const packedPkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.keys(packedPkg.scripts ?? {}).filter((name) => INSTALL_SCRIPTS.includes(name))).toEqual([]);
  });

  it('ships what the README links to (relative links)', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!.split('#')[0]!).filter((l) => l && !/^[a-z]+:/i.test(l));
    const outside = links.filter((l) => l.startsWith('../'));
    expect(outside.sort()).toEqual([...LINKS_OUTSIDE_PACKAGE].sort());
    const missing = links.filter((l) => !l.startsWith('../')).filter((l) => !existsSync(path.join(installed, l)));
    expect(missing).toEqual([]);
  });
});

describe('a global install of the tarball', () => {
  it('installs with no build and no install-script warning', () => {
    expect({ status: install.status, output: install.status === 0 ? '' : install.output }).toEqual({ status: 0, output: '' });
    expect(install.output).not.toMatch(/install-scripts|prepare|postinstall|> tsc|npm run build/i);
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('answers --version from another directory', async () => {
    const run = await runInstalled(['--version']);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 0, stdout: `${PKG.version}\n`, stderr: '' });
  });

  it('validates the packaged scenario', async () => {
    const scenario = path.join(installed, 'scenarios', 'hokusai-api-development.yaml');
    const run = await runInstalled(['validate', scenario], { HOKUSAI_API_KEY: 'hk_test' });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain('hokusai-api-development, 11 checks');
  });

  describe('with a local HTTP service', () => {
    let server: TestHttpServer;
    beforeAll(async () => {
      server = await startHttpServer();
      server.route('/health', respondJson(200, { status: 'ok' }));
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('runs a scenario with an http check (the bundled HTTP client, from the installed package)', async () => {
      const file = path.join(elsewhere, 'http.yaml');
      writeFileSync(file, `name: packaged-http\nchecks:\n  - name: health\n    type: http\n    url: ${server.url}/health\n    expect: { status: 200, json: { "$.status": ok } }\n`);
      const run = await runInstalled(['run', 'http.yaml', '--reporter', 'json']);
      expect({ code: run.code, stderrTail: run.code === 0 ? '' : run.stderr.slice(-1500) }).toEqual({ code: 0, stderrTail: '' });
      const report = JSON.parse(run.stdout) as { status: string; checks: { status: string }[] };
      expect(report.status).toBe('passed');
      expect(report.checks.map((c) => c.status)).toEqual(['passed']);
      expect(server.requests.some((r) => r.url === '/health')).toBe(true);
    });
  });

  it('exposes the library entry ("main") with its types', async () => {
    const library = (await import(pathToFileURL(path.join(installed, 'dist', 'runner', 'index.js')).href)) as Record<string, unknown>;
    expect(typeof library.runScenario).toBe('function');
    expect(typeof library.loadScenario).toBe('function');
    expect(existsSync(path.join(installed, 'dist', 'runner', 'index.d.ts'))).toBe(true);
  });
});

requireTool(['moto', 'redis-server'], 'the demo from a global install')('the demo from a global install', () => {
  it('reproduces the incident and its fix (the shipped scenario: nine AWS check types; the emulator started from the package)', async () => {
    const run = await runInstalled(['demo'], { NO_COLOR: '1' }, 170_000);
    expect({ code: run.code, stderrTail: run.code === 0 ? '' : run.stderr.slice(-2000) }).toEqual({ code: 0, stderrTail: '' });
    expect(run.stdout).toContain('Root cause: redis ingress from the API');
    expect(run.stdout).toContain('✓ PASSED hokusai-api-development: 11 passed, 0 failed, 0 errored, 0 skipped');
    process.stderr.write(`package.test: install ${(install.ms / 1000).toFixed(1)} s, demo from the global install ${(run.ms / 1000).toFixed(1)} s\n`);
  }, 180_000);
});
