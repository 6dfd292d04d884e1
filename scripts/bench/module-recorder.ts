/**
 * `node --import <this file> …` records every module the process loads into the file named by
 * BENCH_MODULE_LOG: ESM resolutions through a module.register() resolve hook (module-hooks.js),
 * and, at exit, every CommonJS module in require.cache (the AWS SDK v3 packages are CommonJS at
 * their `main`, so a client that is imported shows up both ways). Lines: `esm <url>`, `cjs <path>`.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.BENCH_MODULE_LOG;
if (file) {
  register('./module-hooks.js', import.meta.url, { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    appendFileSync(file, Object.keys(cache).map((key) => `cjs ${key}\n`).join(''));
  });
}
