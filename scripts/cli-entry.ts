#!/usr/bin/env node
/**
 * The entry of the bundled CLI (package.json "bin", scripts/build-bundle.ts): `--version` alone is
 * answered without loading the commands' table and argv parser (~40 KB: a start ~4 ms shorter);
 * anything else runs scripts/verify-deployment.ts's `main`, exactly as that module does when it is
 * the entry itself (the tsc output, dist/scripts/verify-deployment.js).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runAsProcess } from './cli/process-entry.js';

/**
 * zod's global settings, read from this global by zod when it loads (core.js: its `globalConfig`),
 * set here without loading zod (help and usage errors do not). `jitless`: zod's JIT compiles a
 * parser per object schema on its first parse, which a process that parses one scenario once never
 * earns back (measured: a run of the incident's scenario ~5 ms less CPU without it). Validation is
 * the same either way. __tests__/cli/zod-global-config.test.ts checks that zod still reads it.
 */
const ZOD_GLOBAL_CONFIG = '__zod_globalConfig';
(globalThis as Record<string, unknown>)[ZOD_GLOBAL_CONFIG] ??= { jitless: true };

const argv = process.argv.slice(2);
const versionOnly = argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v');

function invokedAsEntry(): boolean {
  try {
    // npm's bin link is a symlink: compare real paths. Imported (a test's probe), it runs nothing.
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]!) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedAsEntry()) {
  runAsProcess(async (args) => {
    if (versionOnly) return (await import('./cli/version.js')).printVersion();
    return (await import('./verify-deployment.js')).main(args);
  });
}
