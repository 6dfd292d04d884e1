/**
 * Text that is safe and measurable on a terminal, and ANSI colour: the helpers every human-facing
 * output (pretty, junit bodies, GitHub annotations, the live progress display) uses.
 */

const ANSI = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

export type Style = keyof typeof ANSI;
export type Paint = (style: Style, text: string) => string;

/** Wraps text in ANSI codes, or returns it untouched when colour is off. */
export function createPaint(color: boolean): Paint {
  if (!color) return (_style, text) => text;
  return (style, text) => (text ? `\u001b[${ANSI[style][0]}m${text}\u001b[${ANSI[style][1]}m` : text);
}

// C0/C1 controls other than \t and \n: an ESC in a message must not drive the terminal.
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// With the u flag this matches only unpaired surrogates (a pair is one code point).
const LONE_SURROGATE = /[\ud800-\udfff]/gu;

/** Replaces control characters (and lone surrogates) with U+FFFD; keeps \n, turns \t into a space. */
export function printable(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .replace(TERMINAL_UNSAFE, '\uFFFD');
}

/** printable() on one line: line breaks become a visible ⏎. */
export function oneLine(text: string): string {
  return printable(text).trim().replace(/\s*\n\s*/g, ' ⏎ ');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// Emoji and East Asian wide characters take two terminal columns.
const WIDE = /\p{Emoji_Presentation}|\uFE0F|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

function graphemeWidth(grapheme: string): number {
  return WIDE.test(grapheme) ? 2 : 1;
}

/** Terminal columns the (uncoloured, printable) text occupies. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += graphemeWidth(segment);
  return width;
}

/** Cuts text to at most `max` columns, ending with … when something was cut. */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let kept = '';
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    const next = graphemeWidth(segment);
    if (width + next > max - 1) break;
    kept += segment;
    width += next;
  }
  return `${kept}…`;
}

/** Pads text with spaces to `width` terminal columns. */
export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
