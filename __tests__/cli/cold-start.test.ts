/**
 * Cold start: the CLI loads a command's heavy modules only in its handler, and the library entry
 * (runner/index.ts) loads no HTTP client or AWS SDK client eagerly. Every module the built CLI
 * loads is recorded with the benchmark's recorder (dist/scripts/bench/module-recorder.js), and each
 * bundle chunk among them is expanded into the modules bundled in it (`bundled <module>` lines,
 * scripts/bench/module-map.ts); a run with an http check is the positive control (undici seen).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expandBundleModules } from '../../scripts/bench/module-map.js';
import type { TestHttpServer } from '../support/http-server.js';
import { fixture, killAllCli, ROOT, runCli, startFixtureServer } from '../support/cli.js';

const RECORDER = path.join(ROOT, 'dist/scripts/bench/module-recorder.js');

let server: TestHttpServer;
let tmp: string;
const loaded: Record<string, { code: number | null; modules: string[] }> = {};

async function record(name: string, args: string[]): Promise<void> {
  const log = path.join(tmp, `${name}.log`);
  const run = await runCli(args, { env: { NODE_OPTIONS: `--import=${pathToFileURL(RECORDER).href}`, BENCH_MODULE_LOG: log } });
  const modules = expandBundleModules(readFileSync(log, 'utf8').split('\n').filter(Boolean), ROOT);
  loaded[name] = { code: run.code, modules };
}

beforeAll(async () => {
  server = await startFixtureServer();
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-cli-cold-'));
  await Promise.all([
    record('version', ['--version']),
    record('help', ['run', '--help']),
    record('usage', ['validate', fixture('passing.yaml'), '--fail-fast']),
    record('validate', ['validate', fixture('passing.yaml')]),
    record('run', ['run', fixture('passing.yaml'), '--var', `base=${server.url}`]),
  ]);
}, 60_000);

afterAll(async () => {
  killAllCli();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const matching = (name: string, pattern: RegExp) => [...new Set(loaded[name]!.modules.filter((m) => pattern.test(m)))];
const HEAVY = /node_modules\/(undici|@aws-sdk\/client-[^/]+|redis|@redis\/[^/]+|zx)\//;

describe('modules loaded at start', () => {
  it('the positive control: a run with an http check loads undici', () => {
    expect(loaded.run!.code).toBe(0);
    expect(matching('run', /node_modules\/undici\//).length).toBeGreaterThan(0);
  });

  it('validate loads neither undici nor any AWS SDK client', () => {
    expect(loaded.validate!.code).toBe(0);
    expect(matching('validate', HEAVY)).toEqual([]);
    // The positive control: the recorder sees the loader, so the empty lists are no blind spot.
    expect(matching('validate', /dist\/runner\/load\.js|^bundled runner\/load\.ts$/).length).toBeGreaterThan(0);
  });

  it('validate loads the loader only: not the runner, the reporters, discovery, the gate or the fleet', () => {
    expect(matching('validate', /(dist\/|^bundled )runner\/(index|run|execute|reporters\/[^/]+|discovery\/[^/]+|gate\/[^/]+|fleet\/[^/]+)\.(js|ts)$/)).toEqual([]);
  });

  it.each(['version', 'help', 'usage'])('%s loads no library module and no dependency', (name) => {
    expect(loaded[name]!.code).toBe(name === 'usage' ? 2 : 0);
    expect(matching(name, /\/node_modules\/|^bundled node_modules\//)).toEqual([]);
    // A usage error with no did-you-mean to compute needs nothing from the library.
    expect(matching(name, /dist\/(runner|checks)\/|^bundled (runner|checks)\//)).toEqual([]);
  });
});
