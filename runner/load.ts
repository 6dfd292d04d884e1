/**
 * Reads a scenario file and turns it into a validated Scenario, or a ScenarioError listing every
 * problem at once with file:line:column, the path and the fix.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { z } from 'zod';
import type { CheckType, RetryPolicy } from '../checks/types.js';
import { interpolateTree, type VarValue } from './interpolate.js';
import { isSensitiveKey, Masker } from './mask.js';
import { describeIssue, didYouMean, formatPath, ScenarioError, sortProblems, type Problem } from './problems.js';
import { COMMON_CHECK_KEYS, commonCheckSchema, retrySchema, scenarioTopSchema, shapeOf } from './schema.js';
import type { PlannedCheck, Scenario } from './scenario.js';

export const MAX_SCENARIO_BYTES = 1024 * 1024;
const MAX_ALIAS_COUNT = 100;
/** Nesting levels a scenario may use in one place; real ones need fewer than 10. */
const MAX_NESTING = 100;

export const BUILTIN_DEFAULTS = {
  timeoutMs: 10_000,
  retry: { attempts: 1, intervalMs: 1000, backoff: 2, maxIntervalMs: 30_000 } satisfies RetryPolicy,
};

export interface LoadOptions {
  checkTypes: readonly CheckType[];
  /** --var overrides. */
  vars?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** How the file is named in messages (defaults to the path as given). */
  displayName?: string;
}

type PathPart = string | number;
type RetryInput = z.output<typeof retrySchema>;

class Positions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** line:column of the node at `path`, or of its nearest existing ancestor. */
  at(path: readonly PathPart[], key?: string): { line: number; column: number } {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.nodeAt(path.slice(0, depth));
      if (!node) continue;
      if (key !== undefined && depth === path.length && isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) return this.position(keyNode.range[0]);
      }
      if (node.range) return this.position(node.range[0]);
    }
    return { line: 1, column: 1 };
  }

  private position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private nodeAt(path: readonly PathPart[]): Node | undefined {
    if (path.length === 0) return (this.doc.contents as Node | null) ?? undefined;
    const node = this.doc.getIn(path, true);
    return node && typeof node === 'object' && 'range' in (node as object) ? (node as Node) : undefined;
  }
}

class ProblemList {
  readonly items: Problem[] = [];
  constructor(
    private readonly file: string,
    private readonly positions: Positions | undefined,
    private readonly typeAt: (index: number) => string | undefined,
    private readonly masker: Masker,
  ) {}

  add(path: readonly PathPart[], message: string, key?: string): void {
    const where = this.positions?.at(path, key) ?? { line: 1, column: 1 };
    const fullPath = key !== undefined ? [...path, key] : path;
    this.items.push({ file: this.file, ...where, path: formatPath(fullPath, this.typeAt), message: this.masker.mask(message) });
  }

  addZodIssues(base: readonly PathPart[], error: z.ZodError, allowedKeys: (path: readonly PathPart[]) => readonly string[]): void {
    for (const issue of error.issues) {
      const path = [...base, ...(issue.path as PathPart[])];
      if (issue.code === 'unrecognized_keys') {
        const messages = describeIssue(issue, allowedKeys(issue.path as PathPart[]));
        issue.keys.forEach((key, i) => this.add(path, messages[i]!, key));
      } else {
        for (const message of describeIssue(issue)) this.add(path, message);
      }
    }
  }
}

/** Keys allowed in the object at `path` inside `schema`, for did-you-mean suggestions. */
function keysAt(schema: z.ZodType, path: readonly PathPart[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const part of path) {
    if (!current) return [];
    current = unwrap(current);
    if (typeof part === 'number') {
      current = (current as unknown as { element?: z.ZodType }).element;
    } else {
      current = shapeOf(current)[part];
    }
  }
  return current ? Object.keys(shapeOf(unwrap(current))) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema as unknown as { def?: { innerType?: z.ZodType } };
  while (current.def?.innerType) current = current.def.innerType as unknown as typeof current;
  return current as unknown as z.ZodType;
}

function likeDeclared(declared: VarValue | undefined, text: string): VarValue {
  if (typeof declared === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (typeof declared === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function mergeRetry(...layers: (Partial<RetryPolicy> | undefined)[]): RetryPolicy {
  const merged: Partial<RetryPolicy> = { ...BUILTIN_DEFAULTS.retry };
  let attemptsSet = false;
  for (const layer of layers) {
    if (!layer) continue;
    // A layer that sets a deadline but no attempt count means "retry until the deadline": the
    // attempt counts of the layers below it no longer apply.
    if (layer.withinMs !== undefined && layer.attempts === undefined) {
      delete merged.attempts;
      attemptsSet = false;
    }
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      (merged as Record<string, unknown>)[key] = value;
      if (key === 'attempts') attemptsSet = true;
    }
  }
  if (!attemptsSet && merged.withinMs === undefined) merged.attempts = BUILTIN_DEFAULTS.retry.attempts;
  if (!attemptsSet && merged.withinMs !== undefined) delete merged.attempts;
  return merged as RetryPolicy;
}

function retryPolicyOf(input: RetryInput | undefined): Partial<RetryPolicy> | undefined {
  if (!input) return undefined;
  return { attempts: input.attempts, intervalMs: input.interval, backoff: input.backoff, maxIntervalMs: input.maxInterval, withinMs: input.within };
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

/** Whether a value made by toJS contains itself (through an alias to an enclosing anchor). */
function isCircular(value: unknown, path = new Set<object>(), clean = new WeakSet<object>()): boolean {
  if (!value || typeof value !== 'object' || clean.has(value)) return false;
  if (path.has(value)) return true;
  path.add(value);
  const found = Object.values(value).some((child) => isCircular(child, path, clean));
  path.delete(value);
  if (!found) clean.add(value);
  return found;
}

function findCycle(checks: { name: string; needs: string[] }[]): string[] | undefined {
  const needs = new Map(checks.map((c) => [c.name, c.needs]));
  const state = new Map<string, 'visiting' | 'done'>();
  // Depth-first with an explicit stack, not recursion: a needs chain thousands of checks long must be
  // a validation result, not a RangeError (stack overflow) that escapes as an internal error.
  for (const check of checks) {
    if (state.has(check.name)) continue;
    const stack: { name: string; next: number }[] = [{ name: check.name, next: 0 }];
    state.set(check.name, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const list = needs.get(top.name) ?? [];
      if (top.next >= list.length) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const need = list[top.next++]!;
      const seen = state.get(need);
      if (seen === 'done') continue;
      if (seen === 'visiting') {
        const names = stack.map((frame) => frame.name);
        return [...names.slice(names.indexOf(need)), need];
      }
      state.set(need, 'visiting');
      stack.push({ name: need, next: 0 });
    }
  }
  return undefined;
}

/**
 * Offset where the text nests deeper than MAX_NESTING levels (indentation levels, compact block
 * entries on one line like `- - -` or `? ? ?`, and flow collections `[` `{` together), or undefined.
 * The YAML parser takes seconds on 100,000 levels (it recurses until the stack overflows, at every
 * level) and fails with "Maximum call stack size exceeded" from ~900: this scan takes milliseconds.
 * Quoted scalars, comments and block scalars are skipped; brackets inside a plain scalar in block
 * context are not flow collections and are not counted. It over-counts a little (a `- ` entry and
 * the indentation of its mapping count twice), never under-counts what the parser nests.
 */
function excessiveNestingAt(text: string): number | undefined {
  let flow = 0;
  let compact = 0;
  let quote: string | undefined;
  let valueStart = true;
  let lineIndent = 0;
  let atLineStart = true;
  /** Indentation of the line that started a block scalar (| or >): deeper lines are its content. */
  let blockScalarIndent: number | undefined;
  /** Indentations of the enclosing block lines. */
  const indents: number[] = [];
  const depth = () => indents.length + compact + flow;
  const isBlank = (c: string | undefined) => c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      }
      continue;
    }
    if (c === '\n') {
      atLineStart = true;
      lineIndent = 0;
      compact = 0;
      if (flow === 0) valueStart = true;
      continue;
    }
    if (atLineStart) {
      if (c === ' ') {
        lineIndent++;
        continue;
      }
      atLineStart = false;
      if (blockScalarIndent !== undefined) {
        if (lineIndent > blockScalarIndent || c === '\r') {
          const end = text.indexOf('\n', i);
          i = end === -1 ? text.length : end - 1;
          continue;
        }
        blockScalarIndent = undefined;
      }
      if (flow === 0 && c !== '#' && c !== '\r') {
        while (indents.length > 0 && indents[indents.length - 1]! >= lineIndent) indents.pop();
        indents.push(lineIndent);
        if (depth() > MAX_NESTING) return i;
      }
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '#' && (i === 0 || isBlank(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end - 1;
      continue;
    }
    if (flow === 0 && c === '-' && text.startsWith('---', i) && isBlank(text[i + 3])) {
      // A document start marker: its content may follow on the same line.
      i += 2;
      valueStart = true;
      continue;
    }
    if (flow === 0 && valueStart && (c === '-' || c === '?') && isBlank(text[i + 1])) {
      compact++;
      if (depth() > MAX_NESTING) return i;
      continue;
    }
    if (c === '[' || c === '{') {
      if (flow > 0 || valueStart) {
        flow++;
        if (depth() > MAX_NESTING) return i;
        valueStart = true;
        continue;
      }
    } else if ((c === ']' || c === '}') && flow > 0) {
      flow--;
      valueStart = false;
      continue;
    } else if (c === ',' && flow > 0) {
      valueStart = true;
      continue;
    } else if (c === ':' && (isBlank(text[i + 1]) || (flow > 0 && ',[]{}'.includes(text[i + 1] ?? '')))) {
      valueStart = true;
      continue;
    } else if ((c === '"' || c === "'") && valueStart) {
      quote = c;
      valueStart = false;
      continue;
    } else if ((c === '|' || c === '>') && valueStart && flow === 0) {
      blockScalarIndent = lineIndent;
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end - 1;
      continue;
    } else if ((c === '&' || c === '!') && valueStart) {
      // An anchor or a tag: the value itself comes after it.
      while (i + 1 < text.length && !isBlank(text[i + 1]) && !(flow > 0 && ',[]{}'.includes(text[i + 1]!))) i++;
      continue;
    }
    valueStart = false;
  }
  return undefined;
}

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

export function parseScenario(text: string, options: LoadOptions & { displayName: string; dir: string }): Scenario {
  const file = options.displayName;
  const env = options.env ?? process.env;
  const fail = (message: string, line = 1, column = 1): never => {
    throw new ScenarioError([{ file, line, column, path: '', message }]);
  };
  if (text.includes('\u0000')) fail('is not a text file (contains NUL bytes): expected a YAML scenario');
  const tooDeep = excessiveNestingAt(text);
  if (tooDeep !== undefined) {
    const before = text.slice(0, tooDeep);
    const line = before.split('\n').length;
    fail(`YAML nested more than ${MAX_NESTING} levels deep: flatten it (is this the right file?)`, line, tooDeep - before.lastIndexOf('\n'));
  }

  const lines = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  } catch (error) {
    return fail(`cannot parse YAML: ${(error as Error).message}`);
  }
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      sortProblems(
        doc.errors.map((e) => {
          // prettyErrors: false leaves linePos unset: compute it from the offset.
          const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
          const message = e.code === 'DUPLICATE_KEY' ? `${e.message.split('\n')[0]} (each key may appear once)` : `invalid YAML: ${e.message.split('\n')[0]}`;
          return { file, line: pos.line, column: pos.col, path: '', message };
        }),
      ),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = (error as Error).message;
    if (/excessive alias count/i.test(message)) return fail(`too many YAML alias expansions (limit ${MAX_ALIAS_COUNT}): ${message}`);
    // An alias to an anchor that is not defined (before it): point at the alias.
    const unresolved = /^Unresolved alias.*: (.*)$/.exec(message)?.[1];
    let where = { line: 1, col: 1 };
    if (unresolved !== undefined) {
      visit(doc, {
        Alias(_, node) {
          if (node.source !== unresolved || !node.range) return undefined;
          where = lines.linePos(node.range[0]);
          return visit.BREAK;
        },
      });
    }
    return fail(`cannot read YAML: ${message}`, where.line, where.col);
  }
  if (isCircular(raw)) {
    // An alias inside the node its anchor names (`checks: &c [*c]`) makes a value that contains itself:
    // every walk over it would recurse until the stack overflows.
    let where = { line: 1, col: 1 };
    let name = '';
    visit(doc, {
      Alias(_, node, ancestors) {
        if (!ancestors.some((ancestor) => isNode(ancestor) && ancestor.anchor === node.source)) return undefined;
        name = node.source;
        if (node.range) where = lines.linePos(node.range[0]);
        return visit.BREAK;
      },
    });
    fail(`YAML alias ${name ? `*${name} ` : ''}is inside the node its anchor names, which makes the scenario contain itself: remove the alias`, where.line, where.col);
  }
  if (raw === null || raw === undefined) fail('the file is empty: expected a scenario with name: and checks:');
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(`expected a mapping with name: and checks:, got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  const top = raw as Record<string, unknown>;

  // Masker first, so no problem message can echo a secret.
  const masker = new Masker();
  const declaredSecrets = Array.isArray(top.secrets) ? top.secrets.filter((s): s is string => typeof s === 'string') : [];
  for (const name of declaredSecrets) masker.add(env[name]);

  const rawChecks = Array.isArray(top.checks) ? top.checks : [];
  const typeAt = (index: number) => {
    const check = rawChecks[index] as { type?: unknown } | undefined;
    return typeof check?.type === 'string' ? check.type : undefined;
  };
  const problems = new ProblemList(file, new Positions(doc, lines), typeAt, masker);

  // vars: their own values may use ${env...}; --var overrides win.
  const varsInterpolation = interpolateTree(top.vars ?? {}, { env, vars: {} }, ['vars']);
  for (const p of varsInterpolation.problems) problems.add(p.path, p.message);
  const vars: Record<string, VarValue> = {};
  if (varsInterpolation.value && typeof varsInterpolation.value === 'object' && !Array.isArray(varsInterpolation.value)) {
    Object.assign(vars, varsInterpolation.value);
  }
  // --var values are strings: one that overrides a number or boolean var keeps that type when it can.
  for (const [name, text] of Object.entries(options.vars ?? {})) vars[name] = likeDeclared(vars[name], text);

  const { vars: _vars, ...rest } = top;
  const interpolated = interpolateTree(rest, { env, vars });
  for (const p of interpolated.problems) problems.add(p.path, p.message);
  const resolved: Record<string, unknown> = { ...(interpolated.value as Record<string, unknown>) };
  if (top.vars !== undefined) resolved.vars = top.vars;
  collectSensitiveValues(resolved.checks, masker);

  const topResult = scenarioTopSchema.safeParse(resolved, { reportInput: true });
  if (!topResult.success) problems.addZodIssues([], topResult.error, (p) => keysAt(scenarioTopSchema, p));

  const checkTypes = options.checkTypes;
  const knownTypes = checkTypes.map((c) => c.type).sort();
  const defaults = topResult.success ? topResult.data.defaults : undefined;
  const planned: PlannedCheck[] = [];
  // Every named check's needs, valid or not otherwise, so needs problems come in the same report.
  const declared: { index: number; name: string; needs: unknown[] }[] = [];
  const seenNames = new Map<string, number>();
  const checks: unknown[] = Array.isArray(resolved.checks) ? resolved.checks : [];

  checks.forEach((entry, index) => {
    const base: PathPart[] = ['checks', index];
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.add(base, `expected a mapping with name: and type:, got ${Array.isArray(entry) ? 'a list' : JSON.stringify(entry)}`);
      return;
    }
    const common = commonCheckSchema.safeParse(entry, { reportInput: true });
    if (!common.success) problems.addZodIssues(base, common.error, (p) => (p.length === 0 ? COMMON_CHECK_KEYS : keysAt(commonCheckSchema, p)));
    const { name, type } = entry as { name?: unknown; type?: unknown };
    if (typeof name === 'string' && name) {
      const previous = seenNames.get(name);
      if (previous !== undefined) problems.add([...base, 'name'], `duplicate check name "${name}" (also checks[${previous}]): names must be unique`);
      else seenNames.set(name, index);
    }
    const rawNeeds = (entry as { needs?: unknown }).needs;
    if (typeof name === 'string' && name && Array.isArray(rawNeeds)) declared.push({ index, name, needs: rawNeeds });
    if (typeof type !== 'string') return;
    const checkType = checkTypes.find((c) => c.type === type);
    if (!checkType) {
      const suggestion = didYouMean(type, knownTypes);
      problems.add([...base, 'type'], `unknown check type "${type}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}; known types: ${knownTypes.join(', ')}`);
      return;
    }
    const specInput = Object.fromEntries(Object.entries(entry).filter(([key]) => !COMMON_CHECK_KEYS.includes(key)));
    const spec = checkType.schema.safeParse(specInput, { reportInput: true });
    const allowed = [...COMMON_CHECK_KEYS, ...Object.keys(shapeOf(checkType.schema))];
    if (!spec.success) {
      problems.addZodIssues(base, spec.error, (p) => (p.length === 0 ? allowed : keysAt(checkType.schema, p)));
      return;
    }
    if (!common.success) return;
    const location = { file, ...new Positions(doc, lines).at(base) };
    planned.push({
      index,
      name: common.data.name,
      type,
      checkType,
      spec: spec.data,
      needs: common.data.needs ?? [],
      description: common.data.description,
      timeoutMs: common.data.timeout ?? defaults?.timeout ?? checkType.defaults?.timeoutMs ?? BUILTIN_DEFAULTS.timeoutMs,
      retry: mergeRetry(checkType.defaults?.retry, retryPolicyOf(defaults?.retry), retryPolicyOf(common.data.retry)),
      location,
    });
  });

  // needs: known names, no self-reference, no cycles.
  for (const check of declared) {
    check.needs.forEach((need, i) => {
      if (typeof need !== 'string') return;
      if (need === check.name) problems.add(['checks', check.index, 'needs', i], `"${check.name}" cannot need itself`);
      else if (!seenNames.has(need)) {
        const suggestion = didYouMean(need, [...seenNames.keys()]);
        problems.add(['checks', check.index, 'needs', i], `needs unknown check "${need}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`);
      }
    });
  }
  const cycle = findCycle(declared.map((c) => ({ name: c.name, needs: c.needs.filter((n): n is string => typeof n === 'string' && n !== c.name) })));
  if (cycle) {
    const first = declared.find((c) => c.name === cycle[0])!;
    problems.add(['checks', first.index, 'needs'], `needs form a cycle: ${cycle.join(' → ')}; remove one of these needs`);
  }

  if (problems.items.length > 0) throw new ScenarioError(sortProblems(problems.items));
  const data = topResult.success ? topResult.data : undefined;
  return {
    file,
    dir: options.dir,
    name: data!.name,
    description: data!.description,
    vars,
    secrets: data!.secrets ?? [],
    aws: { region: data!.aws?.region, profile: data!.aws?.profile },
    checks: planned,
    masker,
  };
}
