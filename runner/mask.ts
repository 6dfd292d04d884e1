/**
 * Secret masking applied to everything the tool prints or writes: declared secrets, sensitive
 * header values, passwords in URLs. Each value is also matched URL-encoded, JSON-escaped and
 * base64-encoded, in any letter case.
 */
export const MASK = '***';

/** Keys whose values are credentials wherever they appear in a scenario (headers, options). */
const SENSITIVE_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token|x-amz-security-token|.*(password|passwd|secret|token))$/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
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
  const variants = new Set<string>([value]);
  variants.add(tryEncode(encodeURIComponent, value));
  variants.add(tryEncode(encodeURI, value));
  variants.add(JSON.stringify(value).slice(1, -1));
  variants.add(Buffer.from(value).toString('base64').replace(/=+$/, ''));
  // "Bearer abc": mask the credential itself too, wherever it appears alone.
  const scheme = /^(bearer|basic|token)\s+(.+)$/i.exec(value);
  if (scheme?.[2]) variants.add(scheme[2]);
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
    // Longest first so a secret containing another secret is masked whole.
    all.sort((a, b) => b.length - a.length);
    return new RegExp([...new Set(all)].map(escapeRegExp).join('|'), 'gi');
  }
}
