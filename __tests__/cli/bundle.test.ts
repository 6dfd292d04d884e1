/**
 * The CLI bundle (dist/cli, scripts/build-bundle.ts): stack traces still name the `.ts` sources.
 * The bundle turns source maps on when VERIFY_DEPLOYMENT_DEBUG is set (the switch under which the
 * CLI prints stacks) for every chunk loaded after the entry; `node --enable-source-maps` maps all.
 * The probe loads the entry (which runs nothing when imported), then the library chunk as the run
 * command does, and makes checks/support/duration.ts throw (parseDuration of a non-string).
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, ROOT } from '../support/cli.js';

const chunks = path.join(path.dirname(CLI), 'chunks');

function probeStack(env: Record<string, string>, nodeArgs: string[] = []): string {
  const runner = readdirSync(chunks).find((file) => /^runner-[A-Z0-9]+\.js$/.test(file));
  if (!runner) throw new Error(`no runner chunk in ${chunks}: run \`npm run build\``);
  const code = [
    `await import(${JSON.stringify(pathToFileURL(CLI).href)});`,
    `const { parseDuration } = await import(${JSON.stringify(pathToFileURL(path.join(chunks, runner)).href)});`,
    'try { parseDuration(null); } catch (error) { process.stdout.write(error.stack); }',
  ].join('\n');
  const { VERIFY_DEPLOYMENT_DEBUG: _debug, NODE_OPTIONS: _options, ...parent } = process.env;
  const run = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', code], { cwd: ROOT, env: { ...parent, ...env }, encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`probe exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

describe('stack traces from the bundle', () => {
  it('name the .ts source and line under VERIFY_DEPLOYMENT_DEBUG', () => {
    expect(probeStack({ VERIFY_DEPLOYMENT_DEBUG: '1' })).toMatch(/at parseDuration \(.*checks\/support\/duration\.ts:\d+:\d+\)/);
  });

  it('name the .ts source with node --enable-source-maps', () => {
    expect(probeStack({}, ['--enable-source-maps'])).toMatch(/checks\/support\/duration\.ts:\d+:\d+/);
  });

  it('name the bundle chunk otherwise (maps are not read on the normal path: they cost ~60 ms a run)', () => {
    const stack = probeStack({});
    expect(stack).not.toMatch(/duration\.ts/);
    expect(stack).toMatch(/dist\/cli\/chunks\/chunk-[A-Z0-9]+\.js:\d+:\d+/);
  });
});
