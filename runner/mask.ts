/**
 * Secret masking applied to everything the tool prints or writes: declared secrets, sensitive
 * header values, passwords in URLs. Each value is also matched URL-encoded, JSON-escaped and
 * base64-encoded, in any letter case.
 */
import { isSensitiveName } from '../checks/support/sensitive.js';

export const MASK = '***';

/** Keys whose values are credentials wherever they appear in a scenario (headers, options): the one rule in checks/support/sensitive.ts. */
export function isSensitiveKey(key: string): boolean {
  return isSensitiveName(key);
}

const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi;
const URL_QUERY_SECRET = /([?&](?:token|access_token|api_key|apikey|key|secret|password|signature|sig|x-amz-signature|x-amz-credential|x-amz-security-token)=)([^&\s#"']+)/gi;

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

function variantsOf(value: string): string[] {
  // The regex matches case-insensitively, but only letter by letter: a secret whose upper or lower
  // case changes length ("ß" → "SS", "ﬁ" → "FI", "ΐ" → "Ϊ́") needs those forms spelled out.
  // Each casing is matched URL-encoded and JSON-escaped too.
  const variants = new Set<string>();
  for (const cased of new Set([value, value.toUpperCase(), value.toLowerCase()])) {
    variants.add(cased);
    variants.add(tryEncode(encodeURIComponent, cased));
    variants.add(tryEncode(encodeURI, cased));
    variants.add(JSON.stringify(cased).slice(1, -1));
  }
  variants.add(Buffer.from(value).toString('base64').replace(/=+$/, ''));
  // "Bearer abc": mask the credential itself too, wherever it appears alone, in each of its forms
  // (a check that echoes the token URL-encoded or inside JSON must not leak it either). `s`: a line
  // separator (U+2028) in the token must not stop the match.
  const scheme = /^(bearer|basic|token)\s+(.+)$/is.exec(value);
  if (scheme?.[2]) for (const variant of variantsOf(scheme[2])) variants.add(variant);
  return [...variants].filter((v) => v.length > 0);
}

export class Masker {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  constructor(values: Iterable<string> = []) {
    for (const value of values) this.add(value);
  }

  add(value: string | undefined): void {
    if (!value) return;
    const trimmed = value.trim();
    if (!trimmed || this.values.has(trimmed)) return;
    this.values.add(trimmed);
    this.pattern = undefined;
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    let masked = text.replace(URL_PASSWORD, `$1${MASK}@`).replace(URL_QUERY_SECRET, `$1${MASK}`);
    if (this.values.size === 0) return masked;
    this.pattern ??= this.buildPattern();
    return masked.replace(this.pattern, MASK);
  }

  /** Masks every string in a JSON-like value (keys included), returning a copy. */
  maskDeep<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item));
    if (value && typeof value === 'object') {
      if (value instanceof Date) return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        out[this.mask(key)] = isSensitiveKey(key) && typeof item === 'string' && item ? MASK : this.walk(item);
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
}
