/**
 * Reads a scenario file and turns it into a validated Scenario, or a ScenarioError listing every
 * problem at once with file:line:column, the path and the fix. The pieces: yaml-guard.ts (safe
 * parsing), positions.ts (where things are, the problem list), policy.ts (timeouts and retry
 * layers), needs.ts (the needs graph), interpolate.ts (${...}), schema.ts (the shapes).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Document } from 'yaml';
import type { z } from 'zod';
import type { CheckType } from '../checks/types.js';
import { isSensitiveName } from '../checks/support/sensitive.js';
import { interpolateTree, type EnvReference, type InterpolationProblem, type VarValue } from './interpolate.js';
import { charLength, isSensitiveKey, Masker, MIN_SECRET_LENGTH } from './mask.js';
import { checkNeeds, type DeclaredNeeds } from './needs.js';
import { BUILTIN_DEFAULTS, mergeRetry, retryPolicyOf } from './policy.js';
import { keysAt, Positions, ProblemList, type PathPart } from './positions.js';
import { didYouMean, ScenarioError, sortProblems, type Problem } from './problems.js';
import { declaredVarTexts } from './vars.js';
import { COMMON_CHECK_KEYS, commonCheckSchema, scenarioTopSchema, shapeOf } from './schema.js';
import type { PlannedCheck, Scenario } from './scenario.js';
import type { ClientPoolSettings } from './clients.js';
import { readYaml } from './yaml-guard.js';

export { BUILTIN_DEFAULTS } from './policy.js';

export const MAX_SCENARIO_BYTES = 1024 * 1024;

export interface LoadOptions {
  checkTypes: readonly CheckType[];
  /**
   * `--var` overrides. Each must be declared under `vars:` (an undeclared one is a problem with a
   * did-you-mean: a mistyped name must not silently leave the default in place). Values are literal
   * text: never interpolated.
   */
  vars?: Record<string, string>;
  /**
   * Vars a program sets on its own (the Lambda handler's `cluster`, `service`, `taskDefinition`,
   * `stage` from the event): never checked against `vars:` (a scenario need not declare them, and
   * one that does not use them ignores them), defined for `${vars.x}` either way. They win over
   * `vars` with the same name (the event names the real service). Literal text too.
   */
  optionalVars?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** How the file is named in messages (defaults to the path as given). */
  displayName?: string;
  /**
   * An environment variable that is not set: `'error'` (default; `run` needs every value) or
   * `'warn'` (`validate` without production secrets): reported through `onWarning`, and the values
   * that need it are not validated. A Scenario loaded with `'warn'` is for validation only, not for
   * running.
   */
  unsetEnv?: 'error' | 'warn';
  /** Receives each warning (file:line:column, path, message), in file order. */
  onWarning?(problem: Problem): void;
}

type TopData = z.output<typeof scenarioTopSchema>;

function likeDeclared(declared: VarValue | undefined, text: string): VarValue {
  if (typeof declared === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (typeof declared === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** The password and the credential-named query values of every URL in `text` (a URL alone, or in a sentence). */
function urlCredentials(text: string): string[] {
  const found: string[] = [];
  for (const candidate of text.match(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi) ?? []) {
    if (!URL.canParse(candidate)) continue;
    const url = new URL(candidate);
    if (url.password) found.push(url.password, safeDecode(url.password));
    for (const [name, value] of url.searchParams) if (isSensitiveName(name)) found.push(value);
  }
  return found;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Every value in a tree that is a credential by its key (Authorization, X-API-Key, password...)
 * or by where it sits in a URL (a password, `?token=`): known before the first byte of output.
 */
function collectSensitiveValues(tree: unknown, into: Masker): void {
  if (typeof tree === 'string') for (const value of urlCredentials(tree)) into.add(value);
  else if (Array.isArray(tree)) tree.forEach((item) => collectSensitiveValues(item, into));
  else if (tree && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) {
      if (isSensitiveKey(key) && (typeof value === 'string' || typeof value === 'number')) into.add(String(value));
      else collectSensitiveValues(value, into);
    }
  }
}

/**
 * Declared secrets' values go to the masker; one shorter than MIN_SECRET_LENGTH is a problem (it
 * could not be masked without garbling unrelated output), named without its value.
 */
function registerDeclaredSecrets(top: Record<string, unknown>, env: Record<string, string | undefined>, masker: Masker): { index: number; name: string; length: number }[] {
  const tooShort: { index: number; name: string; length: number }[] = [];
  const declared = Array.isArray(top.secrets) ? top.secrets : [];
  declared.forEach((name, index) => {
    if (typeof name !== 'string') return;
    const value = env[name]?.trim();
    if (!value) return;
    const length = charLength(value);
    if (length < MIN_SECRET_LENGTH) tooShort.push({ index, name, length });
    else masker.add(env[name]);
  });
  return tooShort;
}

/** Reads the file (at most MAX_SCENARIO_BYTES) and parses it; throws ScenarioError for every problem. */
export async function loadScenario(file: string, options: LoadOptions): Promise<Scenario> {
  const displayName = options.displayName ?? file;
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ScenarioError([{ file: displayName, line: 0, column: 0, path: '', message: 'is not a file' }]);
    if (info.size > MAX_SCENARIO_BYTES) {
      throw new ScenarioError([
        { file: displayName, line: 1, column: 1, path: '', message: `scenario file is ${info.size} bytes; the limit is ${MAX_SCENARIO_BYTES} (1 MiB): split it` },
      ]);
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read: ${(error as Error).message}`;
    // The file itself cannot be read: no position in it (line 0), "nothere.yaml: no such file".
    throw new ScenarioError([{ file: displayName, line: 0, column: 0, path: '', message }]);
  }
  return parseScenario(text, { ...options, displayName, dir: path.dirname(path.resolve(file)) });
}

/**
 * Parses and validates scenario text: every problem at once, sorted by position (ScenarioError),
 * or the Scenario with every value interpolated and every check planned.
 */
export function parseScenario(text: string, options: LoadOptions & { displayName: string; dir: string }): Scenario {
  const file = options.displayName;
  const env = options.env ?? process.env;
  const { doc, lines, raw } = readYaml(text, file);
  const top = topMapping(raw, file);
  // Masker first, so no problem message can echo a secret.
  const masker = new Masker();
  const tooShort = registerDeclaredSecrets(top, env, masker);
  const rawChecks = Array.isArray(top.checks) ? top.checks : [];
  const typeAt = (index: number) => {
    const check = rawChecks[index] as { type?: unknown } | undefined;
    return typeof check?.type === 'string' ? check.type : undefined;
  };
  const positions = new Positions(doc, lines);
  const problems = new ProblemList(file, positions, typeAt, masker);
  for (const { index, name, length } of tooShort) {
    problems.add(
      ['secrets', index],
      `the value of ${name} is ${length} character${length === 1 ? '' : 's'} long: a declared secret needs at least ${MIN_SECRET_LENGTH} ` +
        '(a shorter one cannot be masked without garbling unrelated output); set the real credential, or remove it from secrets:',
    );
  }

  const { vars, resolved } = resolveValues(top, doc, { ...options, env }, problems, masker);
  collectSensitiveValues(resolved.checks, masker);
  const topResult = scenarioTopSchema.safeParse(resolved, { reportInput: true });
  if (!topResult.success) problems.addZodIssues([], topResult.error, (p) => keysAt(scenarioTopSchema, p));
  const checks: unknown[] = Array.isArray(resolved.checks) ? resolved.checks : [];
  const planned = planChecks(checks, { file, positions, problems, checkTypes: options.checkTypes, defaults: topResult.data?.defaults });

  // Masked again now that every sensitive value is known (some were found after the first problems).
  const remask = (list: Problem[]) => sortProblems(list.map((p) => ({ ...p, message: masker.mask(p.message) })));
  for (const warning of remask(problems.warnings)) options.onWarning?.(warning);
  if (problems.items.length > 0) throw new ScenarioError(remask(problems.items));
  const data = topResult.data!;
  const aws: ClientPoolSettings = { region: data.aws?.region, profile: data.aws?.profile, ...(data.aws?.rateLimits ? { rateLimits: data.aws.rateLimits } : {}) };
  const published = data.publishMetrics ? { publishMetrics: { namespace: data.publishMetrics.namespace } } : {};
  return {
    ...published,
    file,
    dir: options.dir,
    name: data.name,
    description: data.description,
    vars,
    secrets: data.secrets ?? [],
    aws,
    checks: planned,
    ...(data.concurrency !== undefined ? { concurrency: data.concurrency } : {}),
    masker,
  };
}

function topMapping(raw: unknown, file: string): Record<string, unknown> {
  const fail = (message: string): never => {
    throw new ScenarioError([{ file, line: 1, column: 1, path: '', message }]);
  };
  if (raw === null || raw === undefined) fail('the file is empty: expected a scenario with name: and checks:');
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(`expected a mapping with name: and checks:, got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  return raw as Record<string, unknown>;
}

type ResolveOptions = Pick<LoadOptions, 'vars' | 'optionalVars' | 'unsetEnv'> & { env: Record<string, string | undefined> };

/**
 * vars first (their own values may use ${env...}; --var overrides win, as literal text), then
 * everything else with them. Sensitive values met on the way (a var or an environment variable
 * named like a credential) are registered with the masker.
 */
function resolveValues(top: Record<string, unknown>, doc: Document, options: ResolveOptions, problems: ProblemList, masker: Masker) {
  const { env } = options;
  const report = (found: InterpolationProblem[]) => {
    for (const p of found) {
      if (p.unsetEnv && options.unsetEnv === 'warn') problems.warn(p.path, `${p.message.replace(/ \(export it, .*\)$/, '')}: run needs it; what depends on it was not validated`);
      else problems.add(p.path, p.message);
    }
  };
  const varsInterpolation = interpolateTree(top.vars ?? {}, { env, vars: {} }, ['vars']);
  report(varsInterpolation.problems);
  const vars: Record<string, VarValue> = {};
  if (varsInterpolation.value && typeof varsInterpolation.value === 'object' && !Array.isArray(varsInterpolation.value)) {
    Object.assign(vars, varsInterpolation.value);
  }
  const varTexts = declaredVarTexts(doc);
  const unknownVars = new Set(varsInterpolation.unknownPaths.map((path) => String(path[1])));
  applyOverrides(vars, varTexts, unknownVars, options, problems);

  const { vars: _vars, ...rest } = top;
  const interpolated = interpolateTree(rest, { env, vars, varTexts, unknownVars });
  report(interpolated.problems);
  registerSensitive(vars, varTexts, [...varsInterpolation.envReferences, ...interpolated.envReferences], env, masker);
  if (options.unsetEnv === 'warn') for (const path of [...varsInterpolation.unknownPaths, ...interpolated.unknownPaths]) problems.markUnknown(path);
  const resolved: Record<string, unknown> = { ...(interpolated.value as Record<string, unknown>) };
  if (top.vars !== undefined) resolved.vars = top.vars;
  // What `${vars.x}` alone stands for: the var's text unless its number or boolean spells the same.
  const shown = Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, varTexts[name] !== undefined && String(value) !== varTexts[name] ? varTexts[name] : value]));
  return { vars: shown, resolved };
}

/**
 * `--var` values over the declared vars: an undeclared name is a problem (with a did-you-mean);
 * `optionalVars` are set whether declared or not. Each keeps its text as given.
 */
function applyOverrides(vars: Record<string, VarValue>, varTexts: Record<string, string>, unknownVars: Set<string>, options: ResolveOptions, problems: ProblemList): void {
  const declared = Object.keys(vars);
  const set = (name: string, text: string) => {
    vars[name] = likeDeclared(vars[name], text);
    varTexts[name] = text;
    unknownVars.delete(name);
  };
  const optional = options.optionalVars ?? {};
  for (const [name, text] of Object.entries(options.vars ?? {})) {
    if (Object.hasOwn(optional, name)) continue;
    if (Object.hasOwn(vars, name)) {
      set(name, text);
      continue;
    }
    const suggestion = didYouMean(name, declared);
    const known = declared.length ? `declared: ${declared.join(', ')}` : 'the scenario declares no vars:';
    problems.add(['vars'], `unknown var "${name}" (${known})${suggestion ? `: did you mean ${suggestion}?` : `: declare it under vars: to use \${vars.${name}}`}`);
  }
  for (const [name, text] of Object.entries(optional)) set(name, text);
}

/** Vars and environment variables named like credentials (apiToken, GITHUB_TOKEN): their values are secrets. */
function registerSensitive(vars: Record<string, VarValue>, varTexts: Record<string, string>, references: EnvReference[], env: Record<string, string | undefined>, masker: Masker): void {
  for (const [name, value] of Object.entries(vars)) if (isSensitiveName(name)) masker.add(varTexts[name] ?? String(value));
  for (const { name } of references) if (isSensitiveName(name)) masker.add(env[name]);
}

interface PlanContext {
  file: string;
  positions: Positions;
  problems: ProblemList;
  checkTypes: readonly CheckType[];
  defaults: TopData['defaults'];
  /** Names seen so far (for duplicates and needs), with the index of their first check. */
  seenNames: Map<string, number>;
  /** Every named check's needs, valid or not otherwise, so needs problems come in the same report. */
  declared: DeclaredNeeds[];
}

/** Plans every valid check and adds a problem for every invalid one, then checks the needs graph. */
function planChecks(checks: unknown[], options: Omit<PlanContext, 'seenNames' | 'declared'>): PlannedCheck[] {
  const context: PlanContext = { ...options, seenNames: new Map(), declared: [] };
  const planned: PlannedCheck[] = [];
  checks.forEach((entry, index) => {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      context.problems.add(['checks', index], `expected a mapping with name: and type:, got ${Array.isArray(entry) ? 'a list' : JSON.stringify(entry)}`);
      return;
    }
    const check = planCheck(entry as Record<string, unknown>, index, context);
    if (check) planned.push(check);
  });
  checkNeeds(context.declared, new Set(context.seenNames.keys()), context.problems);
  return planned;
}

function noteName(entry: Record<string, unknown>, base: PathPart[], context: PlanContext): void {
  const { name, needs } = entry;
  if (typeof name !== 'string' || !name) return;
  const previous = context.seenNames.get(name);
  if (previous !== undefined) context.problems.add([...base, 'name'], `duplicate check name "${name}" (also checks[${previous}]): names must be unique`);
  else context.seenNames.set(name, base[1] as number);
  if (Array.isArray(needs)) context.declared.push({ index: base[1] as number, name, needs });
}

/** One check: the common keys, its type, its type's own keys, its timeout and retry policy. */
function planCheck(entry: Record<string, unknown>, index: number, context: PlanContext): PlannedCheck | undefined {
  const { problems, checkTypes } = context;
  const base: PathPart[] = ['checks', index];
  const common = commonCheckSchema.safeParse(entry, { reportInput: true });
  if (!common.success) problems.addZodIssues(base, common.error, (p) => (p.length === 0 ? COMMON_CHECK_KEYS : keysAt(commonCheckSchema, p)));
  noteName(entry, base, context);
  const type = entry.type;
  if (typeof type !== 'string') return undefined;
  const checkType = checkTypes.find((c) => c.type === type);
  if (!checkType) {
    const knownTypes = checkTypes.map((c) => c.type).sort();
    const suggestion = didYouMean(type, knownTypes);
    problems.add([...base, 'type'], `unknown check type "${type}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}; known types: ${knownTypes.join(', ')}`);
    return undefined;
  }
  const specInput = Object.fromEntries(Object.entries(entry).filter(([key]) => !COMMON_CHECK_KEYS.includes(key)));
  const spec = checkType.schema.safeParse(specInput, { reportInput: true });
  if (!spec.success) {
    const allowed = [...COMMON_CHECK_KEYS, ...Object.keys(shapeOf(checkType.schema))];
    problems.addZodIssues(base, spec.error, (p) => (p.length === 0 ? allowed : keysAt(checkType.schema, p)));
    return undefined;
  }
  if (!common.success) return undefined;
  const defaults = context.defaults;
  return {
    index,
    name: common.data.name,
    type,
    checkType,
    spec: spec.data,
    needs: common.data.needs ?? [],
    description: common.data.description,
    timeoutMs: common.data.timeout ?? defaults?.timeout ?? checkType.defaults?.timeoutMs ?? BUILTIN_DEFAULTS.timeoutMs,
    retry: mergeRetry(checkType.defaults?.retry, retryPolicyOf(defaults?.retry), retryPolicyOf(common.data.retry)),
    location: { file: context.file, ...context.positions.at(base) },
  };
}
