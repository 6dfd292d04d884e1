/**
 * `${env.NAME}`, `${env.NAME:-default}` and `${vars.name}` in scenario strings; `$${` escapes.
 * Works on the parsed YAML tree so every problem keeps its path (and so its line:column).
 *
 * Vars are text: interpolated into a longer string, a var is the text it was written as (a YAML
 * `1.10` or a `--var apiVersion=2.0` stays `1.10` / `2.0`, never the number 1.1 or 2). A string that
 * is exactly one `${vars.x}` takes x's number or boolean value only when that value spells the same
 * text (`5`, `true`); otherwise the text.
 */
export type VarValue = string | number | boolean;

export interface InterpolationSources {
  env: Record<string, string | undefined>;
  vars: Record<string, VarValue>;
  /** Each var's text as written, when it differs from String(value) (a YAML `1.10` is the number 1.1). */
  varTexts?: Record<string, string>;
  /** Vars whose value depends on an environment variable that is not set. */
  unknownVars?: ReadonlySet<string>;
}

export interface InterpolationProblem {
  path: (string | number)[];
  message: string;
  /** The problem is an environment variable that is not set (`validate` may only warn about it). */
  unsetEnv?: string;
}

export interface EnvReference {
  name: string;
  path: (string | number)[];
}

const EXPRESSION = /^(env|vars)\.([A-Za-z_][A-Za-z0-9_.-]*)(?::-(.*))?$/s;

interface Resolved {
  value: VarValue;
  /** The text the value stands for inside a longer string. */
  text: string;
  problem?: string;
  env?: string;
  /** Set when the value is unknown: an environment variable it needs is not set. */
  unsetEnv?: string;
}

/** The value a var stands for alone: its number or boolean only when that spells the same text. */
function typedVar(value: VarValue, text: string): VarValue {
  return typeof value !== 'string' && String(value) === text ? value : text;
}

function resolve(expression: string, sources: InterpolationSources): Resolved {
  const match = EXPRESSION.exec(expression.trim());
  if (!match) {
    return {
      value: '',
      text: '',
      problem: `cannot interpolate "\${${expression}}": use \${env.NAME}, \${env.NAME:-default} or \${vars.name} (write $\${ for a literal \${)`,
    };
  }
  const [, namespace, name = '', fallback] = match;
  if (namespace === 'env') {
    const value = sources.env[name];
    if (value !== undefined && value !== '') return { value, text: value, env: name };
    if (fallback !== undefined) return { value: fallback, text: fallback, env: name };
    return { value: '', text: '', env: name, unsetEnv: name, problem: `environment variable ${name} is not set (export it, or write \${env.${name}:-default})` };
  }
  const value = sources.vars[name];
  if (value !== undefined) {
    const text = sources.varTexts?.[name] ?? String(value);
    const unsetEnv = sources.unknownVars?.has(name) ? `vars.${name}` : undefined;
    return { value: typedVar(value, text), text, ...(unsetEnv ? { unsetEnv } : {}) };
  }
  if (fallback !== undefined) return { value: fallback, text: fallback };
  const known = Object.keys(sources.vars);
  return {
    value: '',
    text: '',
    problem: `variable "${name}" is not defined: declare it under vars: (then --var ${name}=VALUE can set it)${known.length ? ` (defined: ${known.join(', ')})` : ''}`,
  };
}

export interface StringInterpolation {
  value: VarValue;
  problems: string[];
  envNames: string[];
  /** Environment variables (or `vars.x` that need one) that are not set: the value is not known. */
  unsetEnv: string[];
  /** `problems` with, for each, the environment variable it is about when that is not set. */
  issues: { message: string; unsetEnv?: string }[];
}

/**
 * Interpolates one string. A string that is exactly one `${vars.x}` keeps x's type (number,
 * boolean) when the type spells x's text; inside a longer string a var is its text.
 */
export function interpolateString(text: string, sources: InterpolationSources): StringInterpolation {
  const issues: { message: string; unsetEnv?: string }[] = [];
  const envNames: string[] = [];
  const unsetEnv: string[] = [];
  const parts: VarValue[] = [];
  const texts: string[] = [];
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf('$', index);
    const literal = (piece: string) => {
      parts.push(piece);
      texts.push(piece);
    };
    if (start === -1) {
      literal(text.slice(index));
      break;
    }
    literal(text.slice(index, start));
    if (text.startsWith('$${', start)) {
      literal('${');
      index = start + 3;
      continue;
    }
    if (!text.startsWith('${', start)) {
      literal('$');
      index = start + 1;
      continue;
    }
    const end = text.indexOf('}', start + 2);
    if (end === -1) {
      issues.push({ message: `unterminated "\${" in ${JSON.stringify(text)} (close it with "}" or write $\${ for a literal)` });
      literal(text.slice(start));
      break;
    }
    const resolved = resolve(text.slice(start + 2, end), sources);
    if (resolved.problem) issues.push({ message: resolved.problem, ...(resolved.unsetEnv ? { unsetEnv: resolved.unsetEnv } : {}) });
    if (resolved.env) envNames.push(resolved.env);
    if (resolved.unsetEnv) unsetEnv.push(resolved.unsetEnv);
    parts.push(resolved.value);
    texts.push(resolved.text);
    index = end + 1;
  }
  const meaningful = parts.filter((part) => part !== '');
  const value = meaningful.length === 1 && typeof meaningful[0] !== 'string' ? meaningful[0] : texts.join('');
  return { value: value as VarValue, problems: issues.map((i) => i.message), envNames, unsetEnv, issues };
}

export interface TreeInterpolation {
  value: unknown;
  problems: InterpolationProblem[];
  envReferences: EnvReference[];
  /** Paths of the strings whose value is unknown because an environment variable is not set. */
  unknownPaths: (string | number)[][];
}

/** Interpolates every string in a JSON-like tree (values only, never keys). */
export function interpolateTree(tree: unknown, sources: InterpolationSources, basePath: (string | number)[] = []): TreeInterpolation {
  const problems: InterpolationProblem[] = [];
  const envReferences: EnvReference[] = [];
  const unknownPaths: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      const result = interpolateString(node, sources);
      for (const issue of result.issues) problems.push({ path, ...issue });
      for (const name of result.envNames) envReferences.push({ name, path });
      if (result.unsetEnv.length > 0) unknownPaths.push(path);
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node)) out[key] = walk(value, [...path, key]);
      return out;
    }
    return node;
  };
  return { value: walk(tree, basePath), problems, envReferences, unknownPaths };
}
