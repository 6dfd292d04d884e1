/**
 * `${env.NAME}`, `${env.NAME:-default}` and `${vars.name}` in scenario strings; `$${` escapes.
 * Works on the parsed YAML tree so every problem keeps its path (and so its line:column).
 */
export type VarValue = string | number | boolean;

export interface InterpolationSources {
  env: Record<string, string | undefined>;
  vars: Record<string, VarValue>;
}

export interface InterpolationProblem {
  path: (string | number)[];
  message: string;
}

export interface EnvReference {
  name: string;
  path: (string | number)[];
}

const EXPRESSION = /^(env|vars)\.([A-Za-z_][A-Za-z0-9_.-]*)(?::-(.*))?$/s;

interface Resolved {
  value: VarValue;
  problem?: string;
  env?: string;
}

function resolve(expression: string, sources: InterpolationSources): Resolved {
  const match = EXPRESSION.exec(expression.trim());
  if (!match) {
    return {
      value: '',
      problem: `cannot interpolate "\${${expression}}": use \${env.NAME}, \${env.NAME:-default} or \${vars.name} (write $\${ for a literal \${)`,
    };
  }
  const [, namespace, name = '', fallback] = match;
  if (namespace === 'env') {
    const value = sources.env[name];
    if (value !== undefined && value !== '') return { value, env: name };
    if (fallback !== undefined) return { value: fallback, env: name };
    return { value: '', env: name, problem: `environment variable ${name} is not set (export it, or write \${env.${name}:-default})` };
  }
  const value = sources.vars[name];
  if (value !== undefined) return { value };
  if (fallback !== undefined) return { value: fallback };
  const known = Object.keys(sources.vars);
  return {
    value: '',
    problem: `variable "${name}" is not defined: add it under vars: or pass --var ${name}=VALUE${known.length ? ` (defined: ${known.join(', ')})` : ''}`,
  };
}

export interface StringInterpolation {
  value: VarValue;
  problems: string[];
  envNames: string[];
}

/** Interpolates one string. A string that is exactly one `${vars.x}` keeps x's type (number, boolean). */
export function interpolateString(text: string, sources: InterpolationSources): StringInterpolation {
  const problems: string[] = [];
  const envNames: string[] = [];
  const parts: VarValue[] = [];
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf('$', index);
    if (start === -1) {
      parts.push(text.slice(index));
      break;
    }
    parts.push(text.slice(index, start));
    if (text.startsWith('$${', start)) {
      parts.push('${');
      index = start + 3;
      continue;
    }
    if (!text.startsWith('${', start)) {
      parts.push('$');
      index = start + 1;
      continue;
    }
    const end = text.indexOf('}', start + 2);
    if (end === -1) {
      problems.push(`unterminated "\${" in ${JSON.stringify(text)} (close it with "}" or write $\${ for a literal)`);
      parts.push(text.slice(start));
      break;
    }
    const resolved = resolve(text.slice(start + 2, end), sources);
    if (resolved.problem) problems.push(resolved.problem);
    if (resolved.env) envNames.push(resolved.env);
    parts.push(resolved.value);
    index = end + 1;
  }
  const meaningful = parts.filter((part) => part !== '');
  const value = meaningful.length === 1 && typeof meaningful[0] !== 'string' ? meaningful[0] : parts.join('');
  return { value: value as VarValue, problems, envNames };
}

export interface TreeInterpolation {
  value: unknown;
  problems: InterpolationProblem[];
  envReferences: EnvReference[];
}

/** Interpolates every string in a JSON-like tree (values only, never keys). */
export function interpolateTree(tree: unknown, sources: InterpolationSources, basePath: (string | number)[] = []): TreeInterpolation {
  const problems: InterpolationProblem[] = [];
  const envReferences: EnvReference[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      const result = interpolateString(node, sources);
      for (const message of result.problems) problems.push({ path, message });
      for (const name of result.envNames) envReferences.push({ name, path });
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
  return { value: walk(tree, basePath), problems, envReferences };
}
