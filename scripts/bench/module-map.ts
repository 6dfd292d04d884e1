/**
 * Reads a module log of module-recorder.js through the bundle's module map: a bundled run loads a
 * few chunk files (dist/cli/chunks/…) where the unbundled one loaded hundreds of modules, so the
 * log alone no longer tells whether undici or an AWS SDK client was loaded. The map written by
 * scripts/build-bundle.ts (dist/cli-modules.json) lists the modules inside each output file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Output file (relative to the package root, `/`-separated) → the modules bundled into it. */
export type BundleModuleMap = Record<string, string[]>;

/** The map of the bundle under `root`; an empty map when none was built (the tsc output only). */
export function readBundleModuleMap(root: string): BundleModuleMap {
  try {
    return JSON.parse(readFileSync(path.join(root, 'dist', 'cli-modules.json'), 'utf8')) as BundleModuleMap;
  } catch {
    return {};
  }
}

function filePath(entry: string): string | undefined {
  const location = entry.slice(entry.indexOf(' ') + 1);
  if (location.startsWith('file:')) return fileURLToPath(location);
  return path.isAbsolute(location) ? location : undefined;
}

/**
 * `lines` (the recorder's `esm <url>` / `cjs <path>`) plus, for every bundle file among them, one
 * `bundled <module>` line per module inside it: `bundled runner/index.ts`,
 * `bundled node_modules/undici/index.js`. Lines are kept (decoded); duplicates are dropped.
 */
export function expandBundleModules(lines: string[], root: string, map: BundleModuleMap = readBundleModuleMap(root)): string[] {
  const out = new Set<string>();
  for (const raw of lines) {
    const line = decodeURIComponent(raw);
    out.add(line);
    const file = filePath(line);
    if (!file) continue;
    const key = path.relative(root, file).split(path.sep).join('/');
    for (const module of map[key] ?? []) out.add(`bundled ${module}`);
  }
  return [...out];
}
