/**
 * The `expect:` block of an http check, evaluated against responses. Each expectation yields a
 * verdict: an observation, and when it is not met, the one-line reason shown in the message.
 */
import { isDeepStrictEqual } from 'node:util';
import { JSONPath } from 'jsonpath-plus';
import { formatDuration } from './duration.js';
import type { Observation } from '../types.js';

export interface Verdict {
  observation: Observation;
  /** Set when the expectation is not met: `status 500 != 200`. */
  reason?: string;
  /** Retrying cannot help (wrong credentials, a known-bad body). */
  definitive?: boolean;
  /** The expectation cannot be judged from what was received (a cut body): the check errors. */
  undecidable?: boolean;
  /** The body excerpt helps explain this failure. */
  showBody?: boolean;
}

export type ExpectedStatus = number | number[] | undefined;
export type JsonExpectation = { exists: boolean } | unknown;

/**
 * Statuses after which repeating the same request cannot help (RFC 9110): the credentials were
 * refused (401 §15.5.2, 403 §15.5.4 "SHOULD NOT automatically repeat the request with the same
 * credentials", 407 §15.5.8), or the resource is gone for good (410 §15.5.11).
 */
const DEFINITIVE_STATUSES: Record<number, string> = {
  401: 'credentials rejected; retrying cannot help',
  403: 'credentials rejected; retrying cannot help',
  407: 'proxy credentials rejected; retrying cannot help',
  410: 'gone: the server says the resource is permanently removed',
};

/**
 * What a transient status says about where the problem is, where the bare code does not (RFC 9110
 * §15.5.9 408, §15.6.3 502, §15.6.5 504; RFC 6585 §4 429). 503 and 429 also show Retry-After.
 */
const TRANSIENT_NOTES: Record<number, string> = {
  408: 'request timeout: the server closed the idle connection',
  429: 'rate limited',
  502: 'bad gateway: the proxy or load balancer got no valid response from its target',
  504: 'gateway timeout: the target did not answer the proxy or load balancer in time',
};

/** `Retry-After: 30` → "retry after 30s"; an HTTP date is shown as sent. */
export function describeRetryAfter(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = value.trim();
  return /^\d+$/.test(seconds) ? `Retry-After ${formatDuration(Number(seconds) * 1000)}` : `Retry-After ${JSON.stringify(seconds)}`;
}

function verdict(what: string, expected: string, actual: string, failure?: Omit<Verdict, 'observation'>): Verdict {
  return { observation: { what, expected, actual, ok: !failure }, ...failure };
}

export function describeStatus(expected: ExpectedStatus): string {
  if (expected === undefined) return '2xx';
  if (typeof expected === 'number') return String(expected);
  return expected.length === 1 ? String(expected[0]) : `one of ${expected.join(', ')}`;
}

/**
 * The status expectation. An unexpected status is a `retry` (not ready yet) unless
 * DEFINITIVE_STATUSES says repeating cannot help; the reason names the status class and, on 429
 * and 503, the server's Retry-After.
 */
export function statusVerdict(status: number, expected: ExpectedStatus, retryAfter?: string): Verdict {
  const wanted = describeStatus(expected);
  const ok =
    expected === undefined ? status >= 200 && status < 300 : [expected].flat().includes(status);
  if (ok) return verdict('status', wanted, String(status));
  const comparison =
    expected === undefined ? `status ${status} not 2xx`
    : typeof expected === 'number' || expected.length === 1 ? `status ${status} != ${wanted}`
    : `status ${status} not in [${expected.join(', ')}]`;
  const definitiveNote = DEFINITIVE_STATUSES[status];
  const wait = status === 429 || status === 503 ? describeRetryAfter(retryAfter) : undefined;
  const note = definitiveNote ?? [TRANSIENT_NOTES[status], wait].filter(Boolean).join('; ');
  return verdict('status', wanted, String(status), {
    reason: note ? `${comparison} (${note})` : comparison,
    definitive: definitiveNote !== undefined,
    showBody: true,
  });
}

export function bodyContainsVerdicts(body: string, needles: string[], truncated = false): Verdict[] {
  const cut = truncated ? ` (only the first ${formatBytes(MAX_SEARCHED)} of the decoded body were read)` : '';
  return needles.map((needle) => {
    const what = `body contains ${JSON.stringify(needle)}`;
    return body.includes(needle)
      ? verdict(what, 'present', 'present')
      : verdict(what, 'present', 'absent', { reason: `body does not contain ${JSON.stringify(needle)}${cut}`, showBody: true });
  });
}

/**
 * A forbidden text in the body means the server answered with a known-bad response: definitive.
 * Absent from a body that was cut is no evidence (the text may follow the cut): undecidable.
 */
export function bodyNotContainsVerdicts(body: string, needles: string[], truncated = false): Verdict[] {
  return needles.map((needle) => {
    const what = `body does not contain ${JSON.stringify(needle)}`;
    if (body.includes(needle)) {
      return verdict(what, 'absent', 'present', { reason: `body contains ${JSON.stringify(needle)}`, definitive: true, showBody: true });
    }
    if (truncated) {
      return verdict(what, 'absent', 'unknown (body cut)', {
        reason: `cannot tell whether the body contains ${JSON.stringify(needle)}: only the first ${formatBytes(MAX_SEARCHED)} of the decoded body were read`,
        undecidable: true,
      });
    }
    return verdict(what, 'absent', 'absent');
  });
}

/** The decoded body size the http check reads at most (a bigger or endless body is cut there). */
export const MAX_SEARCHED = 1024 * 1024;

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
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
 * Whether a JSONPath names at most one value whatever the document (`$.a.b`, `$.a[0]`,
 * `$['a b']`): no wildcard, filter, script, recursive descent, slice, union or parent/property-name
 * selector. Decided from the path alone, so an expectation means the same for any number of matches.
 */
export function isDefinitePath(path: string): boolean {
  let segments: string[];
  try {
    segments = JSONPath.toPathArray(path) as string[];
  } catch {
    return false;
  }
  return segments.slice(1).every((segment) => !/^(\*|\.\.|\^|~|@.*\(\))$|^[?(]|[:,]/.test(segment));
}

/**
 * What a path yields in a document: a definite path (isDefinitePath) its one value, or
 * `undefined` when it matches nothing; any other path ALWAYS the list of matches (empty, one or
 * more), so `$.targets[*].state` is a list with one target as with two.
 */
export function evaluatePath(document: unknown, path: string): { found: boolean; value: unknown } {
  const matches = JSONPath({ path, json: document as object, wrap: true, eval: 'safe' }) as unknown[];
  if (isDefinitePath(path)) return { found: matches.length > 0, value: matches[0] };
  return { found: matches.length > 0, value: matches };
}

/**
 * Evaluates JSONPath expectations (see evaluatePath): a definite path compares its value, a
 * wildcard/filter/recursive/slice path compares the list of its matches (`$.items[*].id: [1, 2]`).
 */
export function jsonVerdicts(body: string, expectations: Record<string, JsonExpectation>, truncated = false, redact: Redact = (t) => t): Verdict[] {
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
  return paths.map(([path, expected]) => pathVerdict(document, path, expected, redact));
}

function pathVerdict(document: unknown, path: string, expected: JsonExpectation, redact: Redact): Verdict {
  const { found, value: actualValue } = evaluatePath(document, path);
  const definite = isDefinitePath(path);
  // A list path with no match still yields a value ([]) an expectation can compare to.
  const actual = found || !definite ? short(actualValue, redact) : 'missing';
  const wanted = describeJsonExpectation(expected);
  if (isExistsMatcher(expected)) {
    if (found === expected.exists) return verdict(path, wanted, actual);
    return verdict(path, wanted, actual, {
      reason: expected.exists ? `${path} missing` : `${path} present (expected absent): ${actual}`,
      showBody: true,
    });
  }
  if (!found && definite) return verdict(path, wanted, actual, { reason: `${path} missing (expected ${wanted})`, showBody: true });
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

/** Replaces secrets in raw text with `***`; applied before any folding or cutting. */
export type Redact = (text: string) => string;

const SHORT = 80;

/** A value as compact JSON for messages: secrets redacted first, then cut at a word boundary. */
export function short(value: unknown, redact: Redact = (t) => t): string {
  return cutAtBoundary(redact(JSON.stringify(value) ?? String(value)), SHORT);
}

const EXCERPT = 200;

/**
 * The start of a body on one line, for messages. Order matters for secrets: redact the raw text
 * (a multi-line secret still whole), then fold whitespace, then cut — and never inside a word, so a
 * secret the check does not know (masked later by the runner) is shown whole or not at all.
 */
export function bodyExcerpt(body: string, max = EXCERPT, redact: Redact = (t) => t): string {
  const oneLine = redact(body).replace(/\s+/g, ' ').trim();
  if (!oneLine) return '(empty)';
  return cutAtBoundary(oneLine, max);
}

/** Characters a token (a key, a password) rarely contains: a cut may fall after them. */
const BOUNDARY = /[\s"'<>{}[\](),;=&|]/;

/**
 * `text` cut to at most `max` characters (with `…`), backing off to the last boundary character
 * so the cut never splits a word; a text without any boundary before the cut is not shown.
 */
export function cutAtBoundary(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (!BOUNDARY.test(text[end]!)) {
    while (end > 0 && !BOUNDARY.test(text[end - 1]!)) end -= 1;
  }
  if (end === 0) return `(${text.length} characters without a word break, not shown)`;
  return `${text.slice(0, end).trimEnd()}…`;
}
