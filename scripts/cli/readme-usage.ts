/**
 * The README's usage block (the fenced block right under `## Usage`) is rendered from the command
 * table. `node dist/scripts/cli/readme-usage.js` rewrites it; __tests__/cli/command-table.test.ts
 * fails while it is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../package-root.js';
import { COMMANDS } from './commands/index.js';
import { renderUsageBlock } from './help.js';

const BLOCK = /^(## Usage\n\n```\n)([\s\S]*?)(\n```\n)/m;

/** The usage block's text in `readme`. Throws when README has no fenced block under `## Usage`. */
export function readmeUsageBlock(readme: string): string {
  const match = BLOCK.exec(readme);
  if (!match) throw new Error('README.md has no ``` block right under "## Usage"');
  return match[2]!;
}

/** `readme` with its usage block replaced by what the command table renders. */
export function withUsageBlock(readme: string): string {
  readmeUsageBlock(readme);
  return readme.replace(BLOCK, (_all, open: string, _old: string, close: string) => `${open}${renderUsageBlock(COMMANDS)}${close}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = path.join(packageRoot(), 'README.md');
  const readme = await readFile(file, 'utf8');
  const next = withUsageBlock(readme);
  if (next !== readme) await writeFile(file, next);
  process.stdout.write(next !== readme ? 'README.md usage block updated\n' : 'README.md usage block is up to date\n');
}
