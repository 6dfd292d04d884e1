/**
 * The `expect:` block of an http check, evaluated against responses. Each expectation yields a
 * verdict: an observation, and when it is not met, the one-line reason shown in the message.
 */
import { isDeepStrictEqual } from 'node:util';
import { JSONPath } from 'jsonpath-plus';
import { formatDuration } from '../../runner/duration.js';
import type { Observation } from '../types.js';

export interface Verdict {
  observation: Observation;
  /** Set when the expectation is not met: `status 500 != 200`. */
  reason?: string;
  /** Retrying cannot help (wrong credentials, a known-bad body). */
  definitive?: boolean;
  /** The body excerpt helps explain this failure. */
  showBody?: boolean;
}

export type ExpectedStatus = number | number[] | undefined;
export type JsonExpectation = { exists: boolean } | unknown;

const AUTH_REJECTED = new Set([401, 403]);

function verdict(what: string, expected: string, actual: string, failure?: Omit<Verdict, 'observation'>): Verdict {
  return { observation: { what, expected, actual, ok: !failure }, ...failure };
}

export function describeStatus(expected: ExpectedStatus): string {
  if (expected === undefined) return '2xx';
  if (typeof expected === 'number') return String(expected);
  return expected.length === 1 ? String(expected[0]) : `one of ${expected.join(', ')}`;
}

export function statusVerdict(status: number, expected: ExpectedStatus): Verdict {
  const wanted = describeStatus(expected);
  const ok =
    expected === undefined ? status >= 200 && status < 300 : [expected].flat().includes(status);
  if (ok) return verdict('status', wanted, String(status));
  const comparison =
    expected === undefined ? `status ${status} not 2xx`
    : typeof expected === 'number' || expected.length === 1 ? `status ${status} != ${wanted}`
    : `status ${status} not in [${expected.join(', ')}]`;
  const definitive = AUTH_REJECTED.has(status);
  return verdict('status', wanted, String(status), {
    reason: definitive ? `${comparison} (credentials rejected; retrying cannot help)` : comparison,
    definitive,
    showBody: true,
  });
}

export function bodyContainsVerdicts(body: string, needles: string[]): Verdict[] {
  return needles.map((needle) => {
    const what = `body contains ${JSON.stringify(needle)}`;
    return body.includes(needle)
      ? verdict(what, 'present', 'present')
      : verdict(what, 'present', 'absent', { reason: `body does not contain ${JSON.stringify(needle)}`, showBody: true });
  });
}

/** A forbidden text in the body means the server answered with a known-bad response: definitive. */
export function bodyNotContainsVerdicts(body: string, needles: string[]): Verdict[] {
  return needles.map((needle) => {
    const what = `body does not contain ${JSON.stringify(needle)}`;
    return body.includes(needle)
      ? verdict(what, 'absent', 'present', { reason: `body contains ${JSON.stringify(needle)}`, definitive: true, showBody: true })
      : verdict(what, 'absent', 'absent');
  });
}

export function isExistsMatcher(expected: JsonExpectation): expected is { exists: boolean } {
  return (
    typeof expected === 'object' && expected !== null && !Array.isArray(expected) &&
    Object.keys(expected).length === 1 && typeof (expected as { exists?: unknown }).exists === 'boolean'
  );
}

export function describeJsonExpectation(expected: JsonExpectation): string {
  if (isExistsMatcher(expected)) return expected.exists ? 'exists' : 'absent';
  return short(expected);
}

/**
 * Evaluates JSONPath expectations. A path matching one value compares that value; a path matching
 * several (`$.items[*].id`) compares the list of them.
 */
export function jsonVerdicts(body: string, expectations: Record<string, JsonExpectation>, truncated = false): Verdict[] {
  const paths = Object.entries(expectations);
  if (paths.length === 0) return [];
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    const why = `${(error as Error).message}${truncated ? '; body truncated' : ''}`;
    return paths.map(([path, expected], index) =>
      // One reason for all paths: the cause is the body, not each path.
      verdict(path, describeJsonExpectation(expected), 'body is not JSON',
        index === 0 ? { reason: `body is not valid JSON (${why})`, showBody: true } : { showBody: true }),
    );
  }
  return paths.map(([path, expected]) => pathVerdict(document, path, expected));
}

function pathVerdict(document: unknown, path: string, expected: JsonExpectation): Verdict {
  const matches = JSONPath({ path, json: document as object, wrap: true, eval: 'safe' }) as unknown[];
  const found = matches.length > 0;
  const actualValue = matches.length === 1 ? matches[0] : matches;
  const actual = found ? short(actualValue) : 'missing';
  const wanted = describeJsonExpectation(expected);
  if (isExistsMatcher(expected)) {
    if (found === expected.exists) return verdict(path, wanted, actual);
    return verdict(path, wanted, actual, {
      reason: expected.exists ? `${path} missing` : `${path} present (expected absent): ${actual}`,
      showBody: true,
    });
  }
  if (!found) return verdict(path, wanted, actual, { reason: `${path} missing (expected ${wanted})`, showBody: true });
  if (isDeepStrictEqual(actualValue, expected)) return verdict(path, wanted, actual);
  return verdict(path, wanted, actual, { reason: `${path} ${actual} != ${wanted}`, showBody: true });
}

/** Nearest-rank percentile: the smallest sample at or above p percent of the samples. */
export function percentileOf(values: number[], percentile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

const LISTED_SAMPLES = 10;

export function latencyVerdict(latencies: number[], maxLatencyMs: number, percentile: number): Verdict {
  const judged = latencies.length > 1 ? percentileOf(latencies, percentile) : (latencies[0] ?? Number.NaN);
  const label = latencies.length > 1 ? `p${percentile} latency` : 'latency';
  const expected = `<= ${formatDuration(maxLatencyMs)}`;
  if (judged <= maxLatencyMs) return verdict(label, expected, formatDuration(judged));
  const listed = latencies.slice(0, LISTED_SAMPLES).map(formatDuration).join(' ');
  const more = latencies.length > LISTED_SAMPLES ? ' …' : '';
  const samples = latencies.length > 1 ? ` (samples: ${listed}${more})` : '';
  return verdict(label, expected, formatDuration(judged), {
    reason: `${label} ${formatDuration(judged)} > ${formatDuration(maxLatencyMs)}${samples}`,
  });
}

const SHORT = 80;

/** A value as compact JSON for messages, cut to a readable length. */
export function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > SHORT ? `${text.slice(0, SHORT - 1)}…` : text;
}

const EXCERPT = 200;

/** The start of a body on one line, for messages. */
export function bodyExcerpt(body: string, max = EXCERPT): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  if (!oneLine) return '(empty)';
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
