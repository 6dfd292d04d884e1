/**
 * Bundles the published CLI (package.json "bin") with esbuild: `node dist/scripts/build-bundle.js`,
 * the second half of `npm run build` (after tsc). Output: dist/cli/verify-deployment.js (the bin) and
 * dist/cli/chunks/, each with a linked source map naming the `.ts` sources.
 *
 * Why bundle: most of a cold start was Node resolving, reading and compiling hundreds of small
 * modules (zod's core alone is ~240, undici ~110, an AWS SDK client ~100). Why code splitting: every
 * `await import()` stays its own chunk, so `--version` loads the argv parser only, `validate` never
 * parses an HTTP client, and each AWS SDK client loads only for the checks that call it. One bundle
 * without splitting was measured ~3× slower for `validate` (it parses every client at start).
 *
 * Bundled: everything but EXTERNAL — our code, zod, yaml, p-retry, jsonpath-plus, undici and the AWS
 * SDK (its ES module builds, see mainFields). Kept external, undici and the SDK clients loaded ~100
 * CommonJS modules each from node_modules: measured, a run with one http check took ~90 ms more CPU
 * with undici external; the SDK external was not measured alone (the unbundled build took ~2× as
 * long for a run of the incident's scenario: BENCHMARKS.md, figure 5).
 *
 * Each AWS SDK client's chunk holds only the clients and commands our code imports (usedSdkExports,
 * sdkSchemasTreeShakable): 5.6 MB → 2.8 MB of bundle; a run of the incident's scenario went from
 * ~9× to ~6× `node -e 0` (measured side by side under load 8, CPU time 441 → 306 ms).
 *
 * Measured and not kept: minifyIdentifiers (with or without keepNames) did not make a start faster
 * (the CPU time of validate and of both runs was equal or worse, side by side); yaml's ES module
 * build instead of its CommonJS one (validate's CPU time the same); V8 flags (a larger young
 * generation, no Sparkplug, no Maglev, single-threaded GC: equal or slower, and a shebang cannot
 * portably pass them anyway).
 *
 * The library entry (package.json "main", dist/runner/index.js) stays the tsc output: a library's
 * users bundle it themselves, and its modules stay separately importable.
 */
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './package-root.js';

/** Where the bundle goes, relative to the package root; package.json "bin" points at its entry. */
export const BUNDLE_DIR = 'dist/cli';
export const BUNDLE_ENTRY = `${BUNDLE_DIR}/verify-deployment.js`;
/**
 * What each output file holds: `{ "dist/cli/chunks/undici-….js": ["node_modules/undici/index.js", …] }`
 * (our modules as `runner/index.ts`, packages from `node_modules/`). Not shipped; the benchmark and
 * the cold-start test read it to tell which packages' code a run loaded (scripts/bench/module-map.ts).
 */
export const BUNDLE_MODULE_MAP = 'dist/cli-modules.json';

/**
 * Left to Node's resolver at run time: both are imported lazily by the one or two check types that
 * use them (redis-ping; exec and terraform-drift), neither is in a measured cold path, and zx already
 * ships as one pre-bundled file.
 */
export const EXTERNAL = ['redis', '@redis/*', 'zx', 'zx/*'];

/**
 * Packages our code imports with `await import()` that get a chunk of their own, named after the
 * package (chunks/client-ecs-HASH.js, chunks/undici-HASH.js), so a module log still tells which
 * ones a run loaded. CommonJS ones (undici) also get named exports: esbuild makes a split CommonJS
 * module's chunk `export default` only, and `(await import('undici')).Agent` would be undefined.
 */
const LAZY_PACKAGES = /^(undici|@aws-sdk\/client-[a-z0-9-]+)$/;

/**
 * What the CLI's `undici` chunk holds: the HTTP/1 dispatcher and `request()` only. undici's index
 * also loads fetch, WebSocket, cookies, the caches, the mock agents and the interceptors (its chunk
 * was 737 KB, and cookies/ loads Node's own copy of undici as well): measured, a run with one http
 * check took ~29 ms less CPU with this facade (167 → 139 ms, side by side). `request` is undici's
 * `request` (index.js, makeDispatcher, with its global dispatcher when none is named: the sandbox's
 * health checker, bundled for `demo`, names none). The names our code reads from
 * undici must be among UNDICI_EXPORTS (the build checks: undiciNamesOf).
 */
const UNDICI_FACADE = [
  "import Agent from 'undici/lib/dispatcher/agent.js';",
  "import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';",
  "import buildConnector from 'undici/lib/core/connect.js';",
  "import api from 'undici/lib/api/index.js';",
  "import errors from 'undici/lib/core/errors.js';",
  "import util from 'undici/lib/core/util.js';",
  "import { getGlobalDispatcher } from 'undici/lib/global.js';",
  'Object.assign(Dispatcher.prototype, api);',
  // undici's index.js makeDispatcher(api.request), line for line.
  'function request(url, opts, handler) {',
  "  if (typeof opts === 'function') { handler = opts; opts = null; }",
  "  if (!url || (typeof url !== 'string' && typeof url !== 'object' && !(url instanceof URL))) throw new errors.InvalidArgumentError('invalid url');",
  "  if (opts != null && typeof opts !== 'object') throw new errors.InvalidArgumentError('invalid opts');",
  '  if (opts && opts.path != null) {',
  "    if (typeof opts.path !== 'string') throw new errors.InvalidArgumentError('invalid opts.path');",
  "    const path = opts.path.startsWith('/') ? opts.path : `/${opts.path}`;",
  '    url = new URL(util.parseOrigin(url).origin + path);',
  '  } else {',
  "    if (!opts) opts = typeof url === 'object' ? url : {};",
  '    url = util.parseURL(url);',
  '  }',
  '  const { agent, dispatcher = getGlobalDispatcher() } = opts;',
  "  if (agent) throw new errors.InvalidArgumentError('unsupported opts.agent. Did you mean opts.client?');",
  "  return api.request.call(dispatcher, { ...opts, origin: url.origin, path: url.search ? `${url.pathname}${url.search}` : url.pathname, method: opts.method || (opts.body ? 'PUT' : 'GET') }, handler);",
  '}',
  'export { Agent, Dispatcher, buildConnector, errors, request };',
  'export default { Agent, Dispatcher, buildConnector, errors, request };',
].join('\n');
export const UNDICI_EXPORTS = ['Agent', 'Dispatcher', 'buildConnector', 'errors', 'request'];

/**
 * Records into `used` the names `source` reads from undici: `undici.X` where the module was bound
 * with `const undici = await import('undici')`, and `import { X } from 'undici'` (types skipped).
 */
export function undiciNamesOf(source: string, used: Set<string>): void {
  if (!/['"]undici['"]/.test(source)) return;
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'undici'/g)) {
    for (const part of match[1]!.split(',')) {
      const name = part.trim();
      if (name && !name.startsWith('type ')) used.add(name.split(/\s+as\s+/)[0]!);
    }
  }
  for (const match of source.matchAll(/\bundici\.(\w+)/g)) used.add(match[1]!);
}

/**
 * Added to the CLI's undici chunk. undici parses HTTP with WebAssembly (llhttp, compiled on the
 * first connection); V8 then re-compiles it with its optimizing tier on a background thread, and
 * Node waits for that before the process exits: ~60 ms added to every run with an http check, for
 * a parser that handles a few small responses. Baseline (Liftoff) code only, in the CLI process
 * only (the library, dist/runner, does not do this); no other WebAssembly runs in it.
 */
const UNDICI_LIFTOFF_ONLY = "import { setFlagsFromString as __vdSetV8Flags } from 'node:v8';\n__vdSetV8Flags('--liftoff-only');";

const SDK_CLIENT = /^@aws-sdk\/client-[a-z0-9-]+$/;
const SDK_SPECIFIER = String.raw`'(@aws-sdk/client-[a-z0-9-]+)'`;
/** The ways our code imports an SDK client; anything else naming one fails the build (sdkImportsOf). */
const SDK_IMPORT_FORMS = [
  new RegExp(String.raw`import\s+(type\s+)?\{([^}]*)\}\s*from\s*${SDK_SPECIFIER}`, 'g'),
  new RegExp(String.raw`const\s*\{([^}]*)\}\s*=\s*await\s+import\(${SDK_SPECIFIER}\)`, 'g'),
  new RegExp(String.raw`\(await\s+import\(${SDK_SPECIFIER}\)\)\.(\w+)`, 'g'),
];

/**
 * Records into `used` the names `source` imports from AWS SDK clients (`import { A, type B } from`,
 * `const { A } = await import(…)`, `(await import(…)).A`; type-only names are skipped). Throws when
 * the source names a client in another form: its names would be missing from the client's chunk.
 */
export function sdkImportsOf(source: string, file: string, used: Map<string, Set<string>>): void {
  const add = (pkg: string, names: Iterable<string>) => {
    const set = used.get(pkg) ?? new Set<string>();
    for (const name of names) set.add(name);
    used.set(pkg, set);
  };
  const listed = (list: string) =>
    list
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part && !part.startsWith('type '))
      .map((part) => part.split(/\s+as\s+/)[0]!.trim());
  let rest = source;
  const [staticForm, destructured, member] = SDK_IMPORT_FORMS as [RegExp, RegExp, RegExp];
  rest = rest.replace(staticForm, (_all, typeOnly: string | undefined, list: string, pkg: string) => (add(pkg, typeOnly ? [] : listed(list)), ''));
  rest = rest.replace(destructured, (_all, list: string, pkg: string) => (add(pkg, listed(list)), ''));
  rest = rest.replace(member, (_all, pkg: string, name: string) => (add(pkg, [name]), ''));
  const unread = new RegExp(SDK_SPECIFIER).exec(rest);
  if (unread) throw new Error(`${file}: imports ${unread[1]} in a form the bundle cannot read the imported names from (scripts/build-bundle.ts, SDK_IMPORT_FORMS)`);
}

/**
 * The names the CLI's code imports from each AWS SDK client: a quick first build (no AWS SDK code,
 * nothing written) over the same entry, reading every one of our TypeScript modules it reaches.
 */
async function usedSdkExports(root: string): Promise<Map<string, Set<string>>> {
  const used = new Map<string, Set<string>>();
  const undiciNames = new Set<string>();
  const scan: Plugin = {
    name: 'sdk-imports',
    setup(build) {
      build.onResolve({ filter: LAZY_PACKAGES }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const contents = await readFile(args.path, 'utf8');
        sdkImportsOf(contents, path.relative(root, args.path), used);
        undiciNamesOf(contents, undiciNames);
        return { contents, loader: 'ts' };
      });
    },
  };
  const { plugins: _plugins, outdir: _outdir, metafile: _metafile, ...options } = bundleOptions(root);
  await build({ ...options, outdir: path.join(root, BUNDLE_DIR), plugins: [scan, englishZodLocalesOnly(root)], write: false, sourcemap: false, logLevel: 'silent' });
  const missing = [...undiciNames].filter((name) => !UNDICI_EXPORTS.includes(name));
  if (missing.length > 0) throw new Error(`our code reads ${missing.join(', ')} from undici, which the CLI bundle's undici facade does not export (scripts/build-bundle.ts, UNDICI_FACADE)`);
  return used;
}

/**
 * The AWS SDK clients' generated schemas (dist-es/schemas/schemas_0.js: every operation's shapes,
 * 1.3 MB for EC2) key their objects with constants (`{ [_xN]: _tAI }`). esbuild keeps any statement
 * with a computed key (the key's toString could have effects), so no unused shape was dropped and
 * every client chunk held its whole API. Written as the literal they stand for (`{ "xmlName": … }`),
 * the shapes of operations the CLI does not call are tree-shaken: the EC2 client went 1.6 MB → ~0.5 MB.
 */
function sdkSchemasTreeShakable(): Plugin {
  return {
    name: 'sdk-schemas-tree-shakable',
    setup(build) {
      build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        const constants = new Map<string, string>();
        for (const match of text.matchAll(/^const (_\w+) = ("[^"\\]*");$/gm)) constants.set(match[1]!, match[2]!);
        return { contents: text.replace(/\[(_\w+)\]:/g, (all, id: string) => (constants.has(id) ? `${constants.get(id)}:` : all)), loader: 'js' };
      });
    },
  };
}

function lazyPackageChunks(root: string, sdkExports: Map<string, Set<string>>): Plugin {
  return {
    name: 'lazy-package-chunks',
    setup(build) {
      build.onResolve({ filter: LAZY_PACKAGES }, (args) =>
        // The facade's own import of the package resolves normally.
        args.namespace === 'lazy-package' ? undefined : { path: args.path, namespace: 'lazy-package' },
      );
      build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => {
        const name = JSON.stringify(args.path);
        const sdkNames = sdkExports.get(args.path);
        // An SDK client: only the names our code imports, so esbuild drops the rest of its API.
        const contents =
          args.path === 'undici'
            ? `${UNDICI_LIFTOFF_ONLY}\n${UNDICI_FACADE}\n`
            : sdkNames
              ? `export { ${[...sdkNames].sort().join(', ')} } from ${name};\n`
              : `export * from ${name};\n`;
        return { contents, resolveDir: root, loader: 'js' };
      });
    },
  };
}

/**
 * zod's `z` namespace re-exports every locale (~360 KB of the bundle, ~6 ms of every start); the
 * CLI uses the default English messages only. `z.locales` holds `en` alone in the bundle.
 */
function englishZodLocalesOnly(root: string): Plugin {
  return {
    name: 'zod-english-locales-only',
    setup(build) {
      build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'zod-locales' } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({
        contents: "export { default as en } from 'zod/v4/locales/en.js';\n",
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

/**
 * At the top of every output file.
 * - CommonJS inside bundled packages (`require('process')` in yaml, every builtin in undici) needs a
 *   real `require`. The bundle imports `createRequire` itself: the banner must not reuse the name.
 * - Source maps: Node applies them only to modules compiled after they are enabled, and reading
 *   them costs (~60 ms for a run with an http check: undici's and the AWS SDK's maps are large), so
 *   they are on when VERIFY_DEPLOYMENT_DEBUG is set — the switch under which the CLI prints stack
 *   traces — for every chunk loaded from then on (the runner, the checks, the reporters). `node
 *   --enable-source-maps` (or NODE_OPTIONS=--enable-source-maps) maps every file, the entry too.
 */
const BANNER_REQUIRE = "import { createRequire as __vdCreateRequire } from 'node:module'; const require = __vdCreateRequire(import.meta.url);";
const BANNER = `${BANNER_REQUIRE} if (process.env.VERIFY_DEPLOYMENT_DEBUG) process.setSourceMapsEnabled(true);`;

/** `require` named outside strings' and property names' likely spots: conservative (a string saying "require(" keeps it). */
const USES_REQUIRE = /(^|[^\w$.])require([^\w$]|$)/m;

/**
 * Takes BANNER's `require` out of the output files that never name it: creating one costs ~0.05 ms
 * per chunk, ~2 ms for a run of the incident's scenario (~40 chunks), and in practice only the chunk
 * of esbuild's helpers (`__require`) uses it. The first line keeps its place, so the maps still hold.
 */
async function dropUnusedRequire(files: string[]): Promise<void> {
  await Promise.all(
    files.map(async (file) => {
      const text = await readFile(file, 'utf8');
      const at = text.indexOf(BANNER_REQUIRE);
      if (at < 0 || USES_REQUIRE.test(text.slice(at + BANNER_REQUIRE.length))) return;
      await writeFile(file, text.slice(0, at) + text.slice(at + BANNER_REQUIRE.length + 1));
    }),
  );
}

/** The esbuild options for the CLI bundle. */
export function bundleOptions(root: string, sdkExports = new Map<string, Set<string>>()): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: { 'verify-deployment': 'scripts/cli-entry.ts' },
    outdir: path.join(root, BUNDLE_DIR),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // The AWS SDK's ES module builds (dist-es): named exports and no CommonJS wrappers.
    mainFields: ['module', 'main'],
    chunkNames: 'chunks/[name]-[hash]',
    external: EXTERNAL,
    plugins: [lazyPackageChunks(root, sdkExports), englishZodLocalesOnly(root), sdkSchemasTreeShakable()],
    banner: { js: BANNER },
    // Less to scan at every start; identifiers are kept, so stack traces and error names read as in
    // the source even where no source map applies.
    minifyWhitespace: true,
    minifySyntax: true,
    // The maps name the .ts files and lines; the sources are not shipped, so they are not embedded.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  };
}

/** Input modules per output file, with package paths shortened to `node_modules/<package>/…`. */
function moduleMap(metafile: Metafile): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    map[file] = Object.keys(output.inputs)
      .map((input) => input.replace(/^.*?node_modules\//, 'node_modules/').replace(/^[a-z-]+:/, ''))
      .sort();
  }
  return map;
}

/** Builds the bundle under `root` (dist/cli is emptied first); resolves to esbuild's metafile. */
export async function buildBundle(root = packageRoot()): Promise<Metafile> {
  await rm(path.join(root, BUNDLE_DIR), { recursive: true, force: true });
  const result = await build(bundleOptions(root, await usedSdkExports(root)));
  await dropUnusedRequire(Object.keys(result.metafile!.outputs).filter((file) => file.endsWith('.js')).map((file) => path.join(root, file)));
  await writeFile(path.join(root, BUNDLE_MODULE_MAP), `${JSON.stringify(moduleMap(result.metafile!))}\n`);
  return result.metafile!;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  buildBundle().then(
    (metafile) => {
      const outputs = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.js'));
      const bytes = outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
      process.stderr.write(`bundle: ${BUNDLE_ENTRY} → ${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB, ${(performance.now() - started).toFixed(0)} ms\n`);
    },
    (error: unknown) => {
      process.stderr.write(`bundle: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
