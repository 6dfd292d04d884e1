#!/usr/bin/env node
/**
 * The entry of the bundled CLI (package.json "bin", scripts/build-bundle.ts): `--version` alone is
 * answered without loading the commands' table and argv parser (~40 KB: a start ~4 ms shorter);
 * anything else runs scripts/verify-deployment.ts's `main`, exactly as that module does when it is
 * the entry itself (the tsc output, dist/scripts/verify-deployment.js).
 */
import { runAsProcess } from './cli/process-entry.js';

const argv = process.argv.slice(2);
const versionOnly = argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v');

runAsProcess(async (args) => {
  if (versionOnly) return (await import('./cli/version.js')).printVersion();
  return (await import('./verify-deployment.js')).main(args);
});
