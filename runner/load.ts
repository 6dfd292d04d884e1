/**
 * Reads a scenario file and turns it into a validated Scenario, or a ScenarioError listing every
 * problem at once with file:line:column, the path and the fix. The pieces: yaml-guard.ts (safe
 * parsing), positions.ts (where things are, the problem list), policy.ts (timeouts and retry
 * layers), needs.ts (the needs graph), interpolate.ts (${...}), schema.ts (the shapes).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { CheckType } from '../checks/types.js';
import { interpolateTree, type VarValue } from './interpolate.js';
import { isSensitiveKey, Masker } from './mask.js';
import { checkNeeds, type DeclaredNeeds } from './needs.js';
import { BUILTIN_DEFAULTS, mergeRetry, retryPolicyOf } from './policy.js';
import { keysAt, Positions, ProblemList, type PathPart } from './positions.js';
import { didYouMean, ScenarioError, sortProblems } from './problems.js';
import { COMMON_CHECK_KEYS, commonCheckSchema, scenarioTopSchema, shapeOf } from './schema.js';
import type { PlannedCheck, Scenario } from './scenario.js';
import { readYaml } from './yaml-guard.js';

export { BUILTIN_DEFAULTS } from './policy.js';

export const MAX_SCENARIO_BYTES = 1024 * 1024;

export interface LoadOptions {
  checkTypes: readonly CheckType[];
  /** --var overrides. */
  vars?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** How the file is named in messages (defaults to the path as given). */
  displayName?: string;
}

type TopData = z.output<typeof scenarioTopSchema>;

function likeDeclared(declared: VarValue | undefined, text: string): VarValue {
  if (typeof declared === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (typeof declared === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** Every string under a credential-looking key (Authorization, X-API-Key, password...) in a tree. */
function collectSensitiveValues(tree: unknown, into: Masker): void {
  if (Array.isArray(tree)) tree.forEach((item) => collectSensitiveValues(item, into));
  else if (tree && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) {
      if (isSensitiveKey(key) && (typeof value === 'string' || typeof value === 'number')) into.add(String(value));
      else collectSensitiveValues(value, into);
    }
  }
}

/** Reads the file (at most MAX_SCENARIO_BYTES) and parses it; throws ScenarioError for every problem. */
export async function loadScenario(file: string, options: LoadOptions): Promise<Scenario> {
  const displayName = options.displayName ?? file;
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ScenarioError([{ file: displayName, line: 1, column: 1, path: '', message: 'is not a file' }]);
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
    throw new ScenarioError([{ file: displayName, line: 1, column: 1, path: '', message }]);
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
  const declaredSecrets = Array.isArray(top.secrets) ? top.secrets.filter((s): s is string => typeof s === 'string') : [];
  for (const name of declaredSecrets) masker.add(env[name]);
  const rawChecks = Array.isArray(top.checks) ? top.checks : [];
  const typeAt = (index: number) => {
    const check = rawChecks[index] as { type?: unknown } | undefined;
    return typeof check?.type === 'string' ? check.type : undefined;
  };
  const positions = new Positions(doc, lines);
  const problems = new ProblemList(file, positions, typeAt, masker);

  const { vars, resolved } = resolveValues(top, options.vars ?? {}, env, problems);
  collectSensitiveValues(resolved.checks, masker);
  const topResult = scenarioTopSchema.safeParse(resolved, { reportInput: true });
  if (!topResult.success) problems.addZodIssues([], topResult.error, (p) => keysAt(scenarioTopSchema, p));
  const checks: unknown[] = Array.isArray(resolved.checks) ? resolved.checks : [];
  const planned = planChecks(checks, { file, positions, problems, checkTypes: options.checkTypes, defaults: topResult.data?.defaults });

  if (problems.items.length > 0) throw new ScenarioError(sortProblems(problems.items));
  const data = topResult.data!;
  return {
    file,
    dir: options.dir,
    name: data.name,
    description: data.description,
    vars,
    secrets: data.secrets ?? [],
    aws: { region: data.aws?.region, profile: data.aws?.profile },
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

/** vars first (their own values may use ${env...}; --var overrides win), then everything else with them. */
function resolveValues(top: Record<string, unknown>, overrides: Record<string, string>, env: Record<string, string | undefined>, problems: ProblemList) {
  const varsInterpolation = interpolateTree(top.vars ?? {}, { env, vars: {} }, ['vars']);
  for (const p of varsInterpolation.problems) problems.add(p.path, p.message);
  const vars: Record<string, VarValue> = {};
  if (varsInterpolation.value && typeof varsInterpolation.value === 'object' && !Array.isArray(varsInterpolation.value)) {
    Object.assign(vars, varsInterpolation.value);
  }
  // --var values are strings: one that overrides a number or boolean var keeps that type when it can.
  for (const [name, text] of Object.entries(overrides)) vars[name] = likeDeclared(vars[name], text);

  const { vars: _vars, ...rest } = top;
  const interpolated = interpolateTree(rest, { env, vars });
  for (const p of interpolated.problems) problems.add(p.path, p.message);
  const resolved: Record<string, unknown> = { ...(interpolated.value as Record<string, unknown>) };
  if (top.vars !== undefined) resolved.vars = top.vars;
  return { vars, resolved };
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
