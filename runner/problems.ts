/** Validation problems: where (file:line:column, path), what was expected, and how to fix it. */
import type { z } from 'zod';

export interface Problem {
  file: string;
  /** 1-based; 0 when the problem is the file as a whole (it cannot be read): no position is shown. */
  line: number;
  column: number;
  /** Human path: `checks[2] (http).expect.maxLatency`. */
  path: string;
  message: string;
}

export class ScenarioError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ScenarioError';
  }
}

export function formatProblem(problem: Problem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : `${problem.file}:`;
  return problem.path ? `${where} ${problem.path}: ${problem.message}` : `${where} ${problem.message}`;
}

export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

/** `['checks', 2, 'expect', 'maxLatency']` → `checks[2] (http).expect.maxLatency`. */
export function formatPath(path: readonly (string | number)[], checkTypeAt?: (index: number) => string | undefined): string {
  let out = '';
  path.forEach((part, i) => {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
    if (i === 1 && path[0] === 'checks' && typeof part === 'number') {
      const type = checkTypeAt?.(part);
      if (type) out += ` (${type})`;
    }
  });
  return out;
}

/** Edits between two words (insert, delete, replace, or swap two neighbours: "bsae" is one from "base"). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase().replace(/[-_]/g, '');
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const normalized = candidate.toLowerCase().replace(/[-_]/g, '');
    const distance = normalized === lower ? 0 : editDistance(lower, normalized);
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

/** Masks secrets in raw text (the scenario's masker); applied before any cut. */
export type MaskText = (text: string) => string;
const noMask: MaskText = (text) => text;

/** A value for a message: strings masked first, then cut to 60 characters (a cut secret is masked whole). */
function describeValue(value: unknown, mask: MaskText = noMask): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const masked = mask(value);
    return JSON.stringify(masked.length > 60 ? `${masked.slice(0, 57)}...` : masked);
  }
  return `${typeof value} ${String(value)}`;
}

const EXPECTED_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

/**
 * One zod issue as a sentence for people: what was expected, what was there, how to fix it. `mask`
 * (the scenario's masker) is applied to a quoted value before it is cut.
 */
export function describeIssue(issue: z.core.$ZodIssue, allowedKeys: readonly string[] = [], mask: MaskText = noMask): string[] {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED_WORDS[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return [`is required (expected ${expected})`];
      return [`expected ${expected}, got ${describeValue(issue.input, mask)}`];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const suggestion = didYouMean(key, allowedKeys);
        const hint = suggestion ? ` — did you mean "${suggestion}"?` : allowedKeys.length ? ` (allowed: ${allowedKeys.join(', ')})` : '';
        return `unknown key "${key}"${hint}`;
      });
    case 'invalid_value':
      return [`expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input, mask)}`];
    case 'too_small':
      if (issue.origin === 'array') return [`needs at least ${issue.minimum} item(s)`];
      if (issue.origin === 'string') return [issue.minimum === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`];
      return [`must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}, got ${describeValue(issue.input, mask)}`];
    case 'too_big':
      if (issue.origin === 'array') return [`allows at most ${issue.maximum} item(s)`];
      if (issue.origin === 'string') return [`must be at most ${issue.maximum} characters`];
      return [`must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${describeValue(issue.input, mask)}`];
    case 'invalid_union': {
      const first = issue.errors[0]?.[0];
      if (first && issue.errors.length === 1) return [describeIssue(first, allowedKeys, mask)[0]!];
      // Every branch wanted another type (string | number | boolean): name them, not "Invalid input".
      const expected = issue.errors.map((branch) => (branch[0]?.code === 'invalid_type' ? (EXPECTED_WORDS[branch[0].expected] ?? branch[0].expected) : undefined));
      if (expected.length > 1 && expected.every((word) => word !== undefined)) {
        return [`expected ${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}, got ${describeValue(issue.input, mask)}`];
      }
      return [issue.message];
    }
    case 'invalid_key': {
      // A record key the key schema rejected: its own message ("not a valid HTTP header name"), not
      // zod's generic "Invalid key in record".
      const inner = issue.issues[0];
      return [inner ? `invalid key: ${describeIssue(inner, [], mask)[0] ?? inner.message}` : issue.message];
    }
    default:
      return [issue.message];
  }
}
