/**
 * Translates a CloudWatch Logs filter pattern into a Logs Insights `filter` expression, so both
 * engines judge the same events. Supported: terms (all must appear), quoted phrases, and `?a ?b`
 * alternatives (any must appear) — each matched case-sensitively, as a substring of `@message`.
 * Everything else (JSON `{ $.x = … }`, space-delimited `[a, b]`, `-term` exclusions, `%regex%`,
 * alternatives mixed with required terms) has no faithful translation and is reported by name.
 */

/** A pattern translated: `filter` is undefined for the match-everything (blank) pattern. */
export type PatternTranslation = { ok: true; filter?: string } | { ok: false; construct: string };

const TOKEN = /\??(?:"(?:[^"\\]|\\.)*"|[^\s"]+)/g;

/** The construct a pattern uses that Insights cannot express the same way, if any. */
function untranslatable(pattern: string, tokens: string[]): string | undefined {
  const trimmed = pattern.trim();
  if (trimmed.startsWith('{')) return 'JSON pattern `{ $.field … }`';
  if (trimmed.startsWith('[')) return 'space-delimited pattern `[a, b, …]`';
  if (/^%.*%$/s.test(trimmed)) return 'regular-expression pattern `%…%`';
  if (tokens.some((t) => t.startsWith('-'))) return 'exclusion `-term`';
  if (tokens.join(' ').length < trimmed.replace(/\s+/g, ' ').length) return 'unbalanced quotes';
  const optional = tokens.filter((t) => t.startsWith('?')).length;
  if (optional > 0 && optional < tokens.length) return 'alternatives `?term` mixed with required terms';
  return undefined;
}

/** The literal text a token matches: quotes removed and `\"` unescaped. */
function literal(token: string): string {
  const bare = token.startsWith('?') ? token.slice(1) : token;
  return bare.startsWith('"') ? bare.slice(1, -1).replace(/\\(.)/g, '$1') : bare;
}

/** `@message like /…/` with every regex metacharacter (and the `/` delimiter) escaped. */
export function likeExpression(text: string, field = '@message'): string {
  return `${field} like /${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/`;
}

/**
 * `Redis connection failed` → `@message like /Redis/ and @message like /connection/ and …`;
 * `?ERROR ?"disk full"` → `(@message like /ERROR/ or @message like /disk full/)`.
 * Never throws: an untranslatable pattern is `{ ok: false, construct }`.
 */
export function translatePattern(pattern: string): PatternTranslation {
  const tokens = pattern.match(TOKEN) ?? [];
  const construct = untranslatable(pattern, tokens);
  if (construct) return { ok: false, construct };
  if (tokens.length === 0) return { ok: true };
  const likes = tokens.map((t) => likeExpression(literal(t)));
  if (tokens[0]?.startsWith('?')) return { ok: true, filter: likes.length === 1 ? likes[0] : `(${likes.join(' or ')})` };
  return { ok: true, filter: likes.join(' and ') };
}
