import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { EXIT } from './exit-codes.js';

/** `--version`: prints the package.json version on stdout; resolves to exit code 0. */
export async function printVersion(): Promise<number> {
  const pkg = JSON.parse(await readFile(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  process.stdout.write(`${pkg.version}\n`);
  return EXIT.passed;
}
