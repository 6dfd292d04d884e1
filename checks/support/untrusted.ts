/**
 * Text from outside the tool (log lines, response bodies, command output, AWS error messages) is
 * shown to people, in terminals and in CI logs. Shown as-is it could drive them: an ANSI escape
 * rewrites the terminal, a bare CR starts a line that overwrites the verdict, a bidi override makes
 * the text read differently than it is, and a line starting with `::` or holding `##[` is a
 * GitHub Actions workflow command (`::error::`, `::stop-commands::`, `##[error]`) that the runner
 * executes. `neutralize` makes such text inert and visible, and leaves ordinary text untouched.
 */

/**
 * Characters that act instead of showing: C0/C1 controls and DEL (`Cc`), format characters (`Cf`:
 * bidi embeddings/overrides/isolates, zero-width space/joiners, soft hyphen, BOM, tag characters),
 * the Unicode line/paragraph separators, and lone surrogates. `\n` and `\t` are kept, and so is a
 * zero-width joiner between two pictographs: it is what makes 👨‍👩‍👧 one emoji, and hides nothing.
 */
const ACTIVE = /(?![\n\t]|(?<=\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?)\u200D(?=\p{Extended_Pictographic}))[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** A CR that ends a line with its LF (Windows output) is a line ending, not an overwrite: dropped. */
const CRLF = /\r\n/g;

/** A line that, once the runner trims its leading whitespace (as .NET `TrimStart` does), starts with `::`. */
const COMMAND_LINE = /^([^\S\n]*)::/gm;

/** The old workflow-command form is found anywhere in a line (`IndexOf("##[")`), not only at its start. */
const OLD_COMMAND = /##\[/g;

/** `\x1b`, `\r`, `\u202e`, `\u{e0041}`: the code point written the way JavaScript would escape it. */
function escapeCodePoint(char: string): string {
  if (char === '\r') return '\\r';
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/**
 * Makes untrusted text safe to print in a terminal or a CI log, keeping it readable:
 * - a CRLF line ending becomes LF;
 * - controls (except `\n` and `\t`: ESC, so every CSI/OSC sequence, C1 controls such as the 8-bit
 *   CSI 0x9b, DEL, NUL), a bare CR, bidi and zero-width characters, U+2028/U+2029 and lone
 *   surrogates become visible escapes (`\x1b`, `\r`, `\u202e`, `\u200b`);
 * - a line whose first non-blank characters are `::` gets them escaped as `\:\:`;
 * - `##[` anywhere becomes `##\[`.
 * For display only: a backslash already in the text is not escaped, so the result is not a lossless
 * encoding. Pure; idempotent (neutralizing twice equals neutralizing once).
 */
export function neutralize(text: string): string {
  return text.replace(CRLF, '\n').replace(ACTIVE, escapeCodePoint).replace(COMMAND_LINE, '$1\\:\\:').replace(OLD_COMMAND, '##\\[');
}
