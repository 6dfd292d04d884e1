import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (the nearest directory above this module holding a package.json): found from
 * scripts/ (sources under test), dist/scripts/ (tsc output) and dist/cli/chunks/ (the bundle, where
 * this module lands in a shared chunk), in a checkout or an installed package alike.
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}
