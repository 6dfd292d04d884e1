/**
 * Secret masking applied to everything the tool prints or writes: declared secrets, sensitive
 * header values, passwords in URLs. Each value is matched in every form a reader could undo:
 * raw, URL-encoded (also form-encoded), JSON-escaped (once and twice), shell-quoted (inside '…' and
 * "…"), XML/HTML-escaped and base64-encoded, in any letter case. A multi-line value (a PEM key) is
 * also matched line by line, so joining or folding its lines cannot reveal it; and the part of a
 * value that a cut (`…`) left next to the ellipsis is masked too.
 *
 * Checks should still mask raw text before they quote, fold or cut it (`CheckContext.mask`): these
 * forms are the safety net for what a check could not know.
 */
import { isSensitiveName } from '../checks/support/sensitive.js';
import { neutralize } from '../checks/support/untrusted.js';

export const MASK = '***';

/**
 * Shortest value the masker registers and a declared secret may have (characters). Masking "a" or
 * "12" everywhere would garble unrelated words, dates and counts; the loader refuses shorter
 * declared secrets with a validation problem instead of silently leaving them unmasked.
 */
export const MIN_SECRET_LENGTH = 4;

/** Shortest part of a secret masked next to a cut (`…`): one character says nothing. */
const MIN_PARTIAL = 2;
/** Longest part of a secret looked for next to a cut (longer secrets are covered line by line). */
const MAX_PARTIAL = 512;
const ELLIPSIS = '…';

/** Keys whose values are credentials wherever they appear in a scenario (headers, options): the one rule in checks/support/sensitive.ts. */
export function isSensitiveKey(key: string): boolean {
  return isSensitiveName(key);
}

const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi;
// The value runs to the next `&`, `#`, quote or whitespace, and may contain ':' (a secret such as
// `ab:cd` is masked whole), but a ':' that ends it is the message's own separator, as in
// "GET http://h/x?token=abc: connection refused", and stays visible.
const URL_QUERY_SECRET =
  /([?&](?:token|access_token|api_key|apikey|key|secret|password|signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token)=)([^&\s#"']+?)(?=:?(?:[&\s#"']|$))/gi;

/**
 * Values that are structure, not text: a closed set of words per key (a verdict, an event kind, a
 * skip reason). They are never masked, so a secret that happens to spell "pass" cannot turn the
 * verdict `passed` into `***ed` (which reads as a failure).
 */
const STRUCTURAL_VALUES: Record<string, ReadonlySet<string>> = {
  status: new Set(['passed', 'failed', 'error', 'skipped']),
  outcome: new Set(['pass', 'retry', 'fail', 'error']),
  lastOutcome: new Set(['pass', 'retry', 'fail', 'error']),
  kind: new Set(['run-start', 'check-start', 'attempt-start', 'attempt-end', 'check-end', 'log', 'run-end']),
  reason: new Set(['needs', 'fail-fast', 'interrupted', 'deadline', 'not-selected']),
  interrupted: new Set(['SIGINT', 'SIGTERM', 'timeout']),
};
/** A whole ISO 8601 timestamp holds no secret; masking a digit run in it would only garble it. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
/** Under these keys, keys are data (response headers, facts a check found) and are masked too. */
const DATA_MAPS = new Set(['details', 'facts']);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** encodeURI* throw URIError on a lone surrogate (a value decoded from JSON can hold one): skip that form. */
function tryEncode(encode: (text: string) => string, value: string): string {
  try {
    return encode(value);
  } catch {
    return value;
  }
}

const jsonEscaped = (text: string) => JSON.stringify(text).slice(1, -1);
const xmlEscaped = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** Each form a reader could undo to get `value` back (one casing). */
function encodedForms(value: string): string[] {
  const uri = tryEncode(encodeURIComponent, value);
  const json = jsonEscaped(value);
  return [
    value,
    uri,
    uri.replace(/%20/g, '+'), // application/x-www-form-urlencoded
    tryEncode(encodeURI, value),
    json,
    jsonEscaped(json), // JSON inside a JSON string (a body echoed in a details field)
    value.replace(/'/g, `'\\''`), // inside '…' in a shell command: p'\''ssw0rd
    value.replace(/'/g, `'"'"'`),
    value.replace(/[\\"$`]/g, '\\$&'), // inside "…" in a shell command
    xmlEscaped(value),
    xmlEscaped(value).replace(/&apos;/g, '&#39;').replace(/&quot;/g, '&#34;'),
  ];
}

function variantsOf(value: string): string[] {
  // The regex matches case-insensitively, but only letter by letter: a secret whose upper or lower
  // case changes length ("ß" → "SS", "ﬁ" → "FI", "ΐ" → "Ϊ́") needs those forms spelled out.
  const variants = new Set<string>();
  for (const cased of new Set([value, value.toUpperCase(), value.toLowerCase()])) {
    for (const form of encodedForms(cased)) variants.add(form);
    // Outside text is neutralised (control, bidi, `::`, `##[` made visible) before it is masked.
    variants.add(neutralize(cased));
  }
  const base64 = Buffer.from(value).toString('base64').replace(/=+$/, '');
  variants.add(base64);
  variants.add(base64.replace(/\+/g, '-').replace(/\//g, '_'));
  // "Bearer abc": mask the credential itself too, wherever it appears alone, in each of its forms
  // (a check that echoes the token URL-encoded or inside JSON must not leak it either). `s`: a line
  // separator (U+2028) in the token must not stop the match.
  // A credential shorter than MIN_SECRET_LENGTH ("Bearer y") is left to the whole value's forms.
  const scheme = /^(bearer|basic|token)\s+(.+)$/is.exec(value);
  if (scheme?.[2] && charLength(scheme[2].trim()) >= MIN_SECRET_LENGTH) for (const variant of variantsOf(scheme[2])) variants.add(variant);
  return [...variants].filter((v) => v.length > 0);
}

/** Length in characters (code points), as people count a secret's length. */
export function charLength(text: string): number {
  return [...text].length;
}

/** Options of Masker.maskDeep. */
export interface MaskDeepOptions {
  /** Mask keys too, everywhere (default: only keys inside `details` and `facts` maps). */
  keys?: boolean;
}

export class Masker {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;
  private partials: string[] | undefined;

  constructor(values: Iterable<string> = []) {
    for (const value of values) this.add(value);
  }

  /**
   * Registers a value (trimmed). Values shorter than MIN_SECRET_LENGTH characters are ignored (see
   * there). A multi-line value is registered whole and each of its lines of MIN_SECRET_LENGTH or
   * more characters on its own, so a report that joined, folded or cut its lines still masks it.
   */
  add(value: string | undefined): void {
    if (!value) return;
    const trimmed = value.trim();
    if (charLength(trimmed) < MIN_SECRET_LENGTH || this.values.has(trimmed)) return;
    this.values.add(trimmed);
    const lines = trimmed.split(/\r\n|\r|\n|\u2028|\u2029/);
    if (lines.length > 1) for (const line of lines) this.add(line);
    this.pattern = undefined;
    this.partials = undefined;
  }

  get size(): number {
    return this.values.size;
  }

  /** `text` with every registered value (in every form) and every URL credential replaced by `***`. */
  mask(text: string): string {
    const masked = text.replace(URL_PASSWORD, `$1${MASK}@`).replace(URL_QUERY_SECRET, `$1${MASK}`);
    if (this.values.size === 0) return masked;
    this.pattern ??= this.buildPattern();
    const whole = masked.replace(this.pattern, MASK);
    return whole.includes(ELLIPSIS) ? this.maskCutEdges(whole) : whole;
  }

  /**
   * Masks every string in a JSON-like value, returning a copy. Values are masked; keys are not
   * (a key is structure: masking "t" in `status` broke the report), except inside `details` and
   * `facts` maps, whose keys are data a check found. Values under a credential-named key are
   * `***` whatever they are; structural values (a verdict, an event kind) and whole timestamps are
   * kept. Dates are kept as they are.
   */
  maskDeep<T>(value: T, options: MaskDeepOptions = {}): T {
    return this.walk(value, options.keys ?? false) as T;
  }

  private walk(value: unknown, maskKeys: boolean, key?: string): unknown {
    if (typeof value === 'string') {
      if (key !== undefined && STRUCTURAL_VALUES[key]?.has(value)) return value;
      if (ISO_TIMESTAMP.test(value)) return value;
      return this.mask(value);
    }
    if (Array.isArray(value)) return value.map((item) => this.walk(item, maskKeys, key));
    if (value && typeof value === 'object') {
      if (value instanceof Date) return value;
      const out: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(value)) {
        const childKeys = maskKeys || DATA_MAPS.has(name);
        const outKey = maskKeys ? this.mask(name) : name;
        out[outKey] = isSensitiveKey(name) && typeof item === 'string' && item ? MASK : this.walk(item, childKeys, name);
      }
      return out;
    }
    return value;
  }

  private buildPattern(): RegExp {
    const all = [...this.values].flatMap(variantsOf);
    // Longest first so a secret containing another secret is masked whole. The `u` flag: without it
    // V8 misses alternatives that differ by a case-folded letter ("aϴ|Aϴ|aθ" does not match "aθ"),
    // and case-insensitive matching ignores letters outside the BMP.
    all.sort((a, b) => b.length - a.length);
    return new RegExp([...new Set(all)].map(escapeRegExp).join('|'), 'giu');
  }

  /**
   * A cut keeps the start of a secret before `…` (a head cut) or its end after `…` (a tail cut):
   * mask the longest such part (at least MIN_PARTIAL characters, lower-cased comparison).
   */
  private maskCutEdges(text: string): string {
    this.partials ??= [...new Set([...this.values].flatMap(variantsOf).map((v) => v.toLowerCase()))].filter((v) => v.length > MIN_PARTIAL);
    const pieces = text.split(ELLIPSIS);
    for (let i = 0; i < pieces.length; i++) {
      if (i < pieces.length - 1) pieces[i] = this.maskEdge(pieces[i]!, 'end');
      if (i > 0) pieces[i] = this.maskEdge(pieces[i]!, 'start');
    }
    return pieces.join(ELLIPSIS);
  }

  /** Masks the longest proper prefix of a secret at the end of `piece` ('end'), or suffix at its start ('start'). */
  private maskEdge(piece: string, edge: 'start' | 'end'): string {
    const lower = piece.toLowerCase();
    if (lower.length !== piece.length) return piece; // a casing that changes length: no safe offsets
    let best = 0;
    for (const secret of this.partials!) {
      const max = Math.min(secret.length - 1, piece.length, MAX_PARTIAL);
      const edgeChar = edge === 'end' ? lower.charCodeAt(lower.length - 1) : lower.charCodeAt(0);
      for (let k = max; k > best && k >= MIN_PARTIAL; k--) {
        // A cheap first test (the character at the edge) before comparing the whole part.
        if (secret.charCodeAt(edge === 'end' ? k - 1 : secret.length - k) !== edgeChar) continue;
        const found = edge === 'end' ? lower.endsWith(secret.slice(0, k)) : lower.startsWith(secret.slice(secret.length - k));
        if (found) {
          best = k;
          break;
        }
      }
    }
    if (best === 0) return piece;
    return edge === 'end' ? `${piece.slice(0, piece.length - best)}${MASK}` : `${MASK}${piece.slice(best)}`;
  }
}
