/**
 * Text that is safe and measurable on a terminal, and ANSI colour: the helpers every human-facing
 * output (pretty, junit bodies, GitHub annotations, the live progress display) uses.
 */
import { neutralize } from '../../checks/support/untrusted.js';

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

/**
 * Text from a report (much of it from outside: bodies, command output, log lines, AWS messages)
 * made safe to show: `neutralize` escapes controls (ESC, so CSI/OSC sequences; C1; DEL; a bare
 * CR), bidi and zero-width characters, and defuses GitHub workflow commands (`::` at a line start,
 * `##[` anywhere). Keeps \n; a tab becomes a space so columns stay aligned. Idempotent.
 */
export function printable(text: string): string {
  return neutralize(text).replace(/\t/g, ' ');
}

/** printable() on one line: line breaks become a visible ⏎. */
export function oneLine(text: string): string {
  return printable(text).trim().replace(/\s*\n\s*/g, ' ⏎ ');
}

// Made on first use: constructing a Segmenter loads ICU's break rules, ~6 ms of a cold start.
let segmenter: Intl.Segmenter | undefined;
const graphemes = {
  segment: (text: string) => (segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })).segment(text),
};
/** Printable ASCII: one column per character, no segmenting needed. */
const NARROW_ASCII = /^[\x20-\x7e]*$/;
// Emoji and East Asian wide characters take two terminal columns.
const WIDE = /\p{Emoji_Presentation}|\uFE0F|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

function graphemeWidth(grapheme: string): number {
  return WIDE.test(grapheme) ? 2 : 1;
}

/** Terminal columns the (uncoloured, printable) text occupies. */
export function displayWidth(text: string): number {
  if (NARROW_ASCII.test(text)) return text.length;
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

/** Splits text after at most `max` columns, never inside a grapheme: [head, rest]. */
function splitAtColumns(text: string, max: number): [string, string] {
  let head = '';
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    const next = graphemeWidth(segment);
    if (head && width + next > max) break;
    head += segment;
    width += next;
  }
  return [head, text.slice(head.length)];
}

/**
 * Word-wraps one line of printable text into lines of at most `max` columns (a word longer than
 * that is broken). A wrapped line starts where the text had a space, so a `::` there would become
 * a workflow command once the line is printed: each line is neutralized again where it starts.
 */
export function wrap(text: string, max: number): string[] {
  const limit = Math.max(1, max);
  const lines: string[] = [];
  let line = '';
  const start = (word: string) => neutralize(word);
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : start(word);
    if (displayWidth(candidate) <= limit) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = start(word);
    while (displayWidth(line) > limit) {
      const [head, rest] = splitAtColumns(line, limit);
      lines.push(head);
      line = start(rest);
    }
  }
  lines.push(line);
  return lines;
}
