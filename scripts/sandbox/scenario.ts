/**
 * The packaged scenarios by name, so that the commands the sandbox prints work from any directory
 * after a global install (the scenario files ship in the package, not in the user's directory).
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';

/** Named scenarios shipped in the package's scenarios/ directory. */
export const NAMED_SCENARIOS = { incident: 'hokusai-api-development.yaml' } as const;
export type ScenarioName = keyof typeof NAMED_SCENARIOS;

/**
 * The absolute path of a packaged scenario, resolved from the package root (works from `scripts/`
 * under test and from `dist/scripts/` once installed). Throws when `name` is not a known scenario
 * (the message lists the known names) or when its file is missing from the package.
 */
export function resolveNamedScenario(name: string): string {
  if (!Object.hasOwn(NAMED_SCENARIOS, name)) {
    throw new Error(`unknown scenario "${name}" (packaged scenarios: ${Object.keys(NAMED_SCENARIOS).join(', ')})`);
  }
  const file = path.join(packageRoot(), 'scenarios', NAMED_SCENARIOS[name as ScenarioName]);
  if (!existsSync(file)) throw new Error(`the packaged scenario "${name}" is missing: ${file} (reinstall verify-deployment)`);
  return file;
}

/** The incident's scenario, scenarios/hokusai-api-development.yaml, as an absolute path. */
export const incidentScenario = () => resolveNamedScenario('incident');

/** `text` as one POSIX shell word: unchanged when it holds only safe characters, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function realpathOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/**
 * How to call this very CLI from another shell: `verify-deployment` when that name on PATH is this
 * installation (a global install, a bin directory the user put on PATH — not a `node_modules/.bin`,
 * which npx adds for its own child only), else `node /abs/path/to/the/cli.js` — never
 * `npx verify-deployment`, which outside the clone would fetch whatever the registry serves under
 * that name.
 */
export function cliInvocation(entry = process.argv[1], searchPath = process.env.PATH ?? ''): string {
  const self = entry ? realpathOrUndefined(entry) : undefined;
  if (!self) return 'verify-deployment';
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    // npx and npm scripts put a project's node_modules/.bin on the PATH of this process only: the
    // user's own shell does not have it, so the bare name would not be found there.
    if (path.basename(dir) === '.bin' && path.basename(path.dirname(dir)) === 'node_modules') continue;
    if (realpathOrUndefined(path.join(dir, 'verify-deployment')) === self) return 'verify-deployment';
  }
  return `${shellWord(process.execPath)} ${shellWord(self)}`;
}
