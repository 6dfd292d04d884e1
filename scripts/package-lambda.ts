/**
 * `npm run package:lambda`: builds the deployable zip of `verify-deployment/lambda` — the compiled
 * library (dist/), the shipped scenarios plus yours, and only the production dependencies, copied
 * from the installed node_modules (the lockfile's versions; no network, no npm install). Handler setting:
 * `dist/runner/lambda/handler.handler` (Node 20/22 runtime; the zip's package.json says
 * "type": "module"). The AWS SDK ships in the runtime too, but the zip pins the tested version.
 *
 *   node dist/scripts/package-lambda.js [--out FILE] [--scenarios DIR]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { crc32, deflateRawSync } from 'node:zlib';
import { packageRoot } from './package-root.js';

export interface PackageOptions {
  /** The repository root (package.json, dist/, node_modules/). */
  root: string;
  /** Where the zip goes. */
  out: string;
  /** A directory of scenarios copied into the bundle's scenarios/ (hookDetails.scenario: "scenarios/NAME.yaml"). */
  scenarios?: string;
  /** Force the built-in zip writer even when the zip command exists (tests). */
  builtinZip?: boolean;
}

/** Files a Lambda never reads: type declarations, source maps, docs. */
function isRuntimeFile(source: string): boolean {
  const base = path.basename(source);
  if (base === 'dist-types' || base.endsWith('.d.ts') || base.endsWith('.d.mts') || base.endsWith('.d.cts') || base.endsWith('.map')) return false;
  return !/^(CHANGELOG|HISTORY)(\.md)?$/i.test(base) && !base.endsWith('.zip');
}

/**
 * The directories of the production dependency closure: from package.json's `dependencies`, each
 * package's `dependencies` and `optionalDependencies`, found as Node finds them (the nearest
 * node_modules up the tree). Outermost only: a nested package is copied with its parent. Packages
 * in node_modules that nothing requires (another branch's, dev tools) stay out.
 * @throws Error naming a required package that is not installed.
 */
export function productionPackageDirs(root: string): string[] {
  const found = new Set<string>();
  const manifestOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
  const locate = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = path.dirname(dir)) {
      if (path.basename(dir) !== 'node_modules') {
        const candidate = path.join(dir, 'node_modules', name);
        if (existsSync(path.join(candidate, 'package.json'))) return candidate;
      }
      if (dir === root || path.dirname(dir) === dir) return undefined;
    }
  };
  const pending: { from: string; name: string; optional: boolean }[] = [];
  const enqueue = (dir: string) => {
    const manifest = manifestOf(dir);
    for (const name of Object.keys(manifest.dependencies ?? {})) pending.push({ from: dir, name, optional: false });
    for (const name of Object.keys(manifest.optionalDependencies ?? {})) pending.push({ from: dir, name, optional: true });
  };
  enqueue(root);
  while (pending.length > 0) {
    const { from, name, optional } = pending.pop()!;
    const dir = locate(from, name);
    if (!dir) {
      if (optional) continue;
      throw new Error(`${name} (required by ${path.relative(root, from) || 'package.json'}) is not installed: run npm ci`);
    }
    if (found.has(dir)) continue;
    found.add(dir);
    enqueue(dir);
  }
  const dirs = [...found].sort();
  return dirs.filter((dir) => !dirs.some((other) => other !== dir && dir.startsWith(`${other}${path.sep}`)));
}

/** Where a package goes in the bundle: its path under the repository root (node_modules/...). */
function bundlePathOf(root: string, dir: string): string {
  return path.relative(root, dir);
}

/** Lays the bundle out in `staging`. */
function stage(options: PackageOptions, staging: string): void {
  const manifest = JSON.parse(readFileSync(path.join(options.root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const { name, version, type, main, types, exports, dependencies, engines } = manifest;
  writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify({ name, version, type, main, types, exports, dependencies, engines, private: true }, null, 2)}\n`);
  const dist = path.join(options.root, 'dist');
  if (!existsSync(path.join(dist, 'runner', 'lambda', 'handler.js'))) throw new Error(`${dist}/runner/lambda/handler.js is missing: run npm run build first`);
  cpSync(dist, path.join(staging, 'dist'), { recursive: true, filter: (source) => isRuntimeFile(source) && !/[\\/]dist[\\/](scripts[\\/](bench|sandbox|demo)|__tests__)/.test(source) });
  cpSync(path.join(options.root, 'scenarios'), path.join(staging, 'scenarios'), { recursive: true });
  if (options.scenarios) cpSync(options.scenarios, path.join(staging, 'scenarios'), { recursive: true });
  for (const dir of productionPackageDirs(options.root)) {
    cpSync(dir, path.join(staging, bundlePathOf(options.root, dir)), { recursive: true, dereference: true, filter: isRuntimeFile });
  }
}

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, base);
    return entry.isFile() ? [path.relative(base, full)] : [];
  });
}

/**
 * Writes a zip of every file under `dir` (deflate, no extra fields), for machines without the
 * `zip` command. Entries are sorted and dated 1980-01-01 so the same input gives the same bytes.
 */
export function writeZip(dir: string, out: string): void {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const file of filesUnder(dir).sort()) {
    const data = readFileSync(path.join(dir, file));
    const packed = deflateRawSync(data);
    const name = Buffer.from(file.split(path.sep).join('/'));
    const crc = crc32(data);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt16LE(0x0800, 6); // UTF-8 names
    header.writeUInt16LE(8, 8); // deflate
    header.writeUInt32LE(0, 10); // time 00:00, date 1980-01-01 (0x0021 << 16)
    header.writeUInt16LE(0x0021, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(packed.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    header.copy(entry, 6, 4, 26); // version needed … sizes
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE((0o100644 << 16) >>> 0, 38); // -rw-r--r--
    entry.writeUInt32LE(offset, 42);
    locals.push(header, name, packed);
    central.push(entry, name);
    offset += header.length + name.length + packed.length;
  }
  const count = central.length / 2;
  if (count > 0xffff || offset > 0xffffffff) throw new Error('the bundle is too large for a zip without ZIP64: install the zip command');
  const centralSize = central.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(out, Buffer.concat([...locals, ...central, end]));
}

function hasZipCommand(): boolean {
  return spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
}

/**
 * Builds the zip. Returns its path and size in bytes.
 * @throws Error when dist/ is not built or the dependencies cannot be listed.
 */
export function packageLambda(options: PackageOptions): { out: string; bytes: number; files: number } {
  const staging = mkdtempSync(path.join(tmpdir(), 'vd-lambda-stage-'));
  try {
    stage(options, staging);
    const out = path.resolve(options.out);
    mkdirSync(path.dirname(out), { recursive: true });
    rmSync(out, { force: true });
    if (!options.builtinZip && hasZipCommand()) execFileSync('zip', ['-qrX', out, '.'], { cwd: staging });
    else writeZip(staging, out);
    return { out, bytes: statSync(out).size, files: filesUnder(staging).length };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, scenarios: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: npm run package:lambda -- [--out FILE] [--scenarios DIR]\n');
    return;
  }
  const root = packageRoot();
  const { out, bytes, files } = packageLambda({ root, out: values.out ?? path.join(root, 'dist', 'verify-deployment-lambda.zip'), scenarios: values.scenarios });
  process.stdout.write(`${out}: ${(bytes / 1024 / 1024).toFixed(1)} MiB, ${files} files; handler: dist/runner/lambda/handler.handler (runtime nodejs20.x or nodejs22.x)\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`package-lambda: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
