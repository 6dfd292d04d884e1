#!/usr/bin/env node
/** `npm run bench` entry (package.json runs dist/scripts/bench.js): see scripts/bench/index.ts. */
import { main } from './bench/index.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
