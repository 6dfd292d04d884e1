import { describe, expect, it } from '@jest/globals';
import { neutralize } from '../../../checks/support/untrusted.js';

describe('neutralize: untrusted text cannot drive a terminal or the CI runner', () => {
  it.each([
    ['plain text is untouched', 'ERROR: Redis connection failed: Timeout', 'ERROR: Redis connection failed: Timeout'],
    ['newline and tab are kept', 'a\n\tb', 'a\n\tb'],
    ['unicode text is kept', 'café ✓ 日本語 😀 ❤️', 'café ✓ 日本語 😀 ❤️'],
    ['a Windows path keeps its backslashes', 'C:\\app\\log.txt', 'C:\\app\\log.txt'],
    ['ANSI colour', '\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    ['OSC title / hyperlink', '\x1b]0;owned\x07', '\\x1b]0;owned\\x07'],
    ['C1 CSI', '\u009b2J', '\\x9b2J'],
    ['NUL, backspace, DEL', 'a\x00b\x08c\x7f', 'a\\x00b\\x08c\\x7f'],
    ['vertical tab and form feed', 'a\x0bb\x0cc', 'a\\x0bb\\x0cc'],
    ['next line (NEL)', 'a\u0085b', 'a\\x85b'],
    ['bare CR', 'ok\r::error::forged', 'ok\\r::error::forged'],
    ['a CRLF line ending is a line ending', 'a\r\nb\r\n', 'a\nb\n'],
    ['CR CR LF: the bare CR stays visible', 'a\r\r\nb', 'a\\r\nb'],
    ['CSI clear screen', '\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
    ['OSC 8 hyperlink', '\x1b]8;;https://evil\x1b\\click\x1b]8;;\x1b\\', '\\x1b]8;;https://evil\\x1b\\click\\x1b]8;;\\x1b\\'],
    ['OSC 52 clipboard write', '\x1b]52;c;Y3VybCBldmls\x07', '\\x1b]52;c;Y3VybCBldmls\\x07'],
    ['C1 OSC (0x9d) and ST (0x9c)', '\u009d0;t\u009c', '\\x9d0;t\\x9c'],
    ['an emoji ZWJ sequence is one emoji and is kept', '👨\u200D👩\u200D👧 👍🏽\u200D👍', '👨\u200D👩\u200D👧 👍🏽\u200D👍'],
    ['a ZWJ outside an emoji sequence is shown', 'to\u200Dken 👨\u200D', 'to\\u200dken 👨\\u200d'],
    ['right-to-left override', 'abc\u202Etxt.exe', 'abc\\u202etxt.exe'],
    ['bidi isolates', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['left-to-right / right-to-left marks', 'a\u200Eb\u200Fc', 'a\\u200eb\\u200fc'],
    ['Arabic letter mark', 'a\u061Cb', 'a\\u061cb'],
    ['zero-width space and joiners', 'to\u200Bken\u200C\u200D', 'to\\u200bken\\u200c\\u200d'],
    ['word joiner and BOM', '\u2060x\uFEFF', '\\u2060x\\ufeff'],
    ['soft hyphen', 'pass\u00ADword', 'pass\\xadword'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['tag characters (invisible ASCII)', 'x\u{E0041}\u{E0042}', 'x\\u{e0041}\\u{e0042}'],
    ['a lone surrogate', 'a\uD800b', 'a\\ud800b'],
    ['a workflow command at the start', '::error::forged', '\\:\\:error::forged'],
    ['stop-commands', '::stop-commands::token', '\\:\\:stop-commands::token'],
    ['a workflow command after leading blanks', '  \t::warning::x', '  \t\\:\\:warning::x'],
    ['a workflow command after unicode blanks', '\u00A0\u3000::error::x', '\u00A0\u3000\\:\\:error::x'],
    ['a workflow command on a later line', 'first\n::add-mask::x\nlast', 'first\n\\:\\:add-mask::x\nlast'],
    ['a workflow command after a zero-width space', '\u200B::error::x', '\\u200b::error::x'],
    [':: inside a line is harmless and kept', 'see std::vector', 'see std::vector'],
    ['old-style command at the start', '##[error]forged', '##\\[error]forged'],
    ['old-style command mid-line (the runner finds it anywhere)', 'body ##[stop-commands]tok', 'body ##\\[stop-commands]tok'],
    ['a markdown heading is kept', '## [link](x)', '## [link](x)'],
  ])('%s', (_, input, expected) => {
    expect(neutralize(input)).toBe(expected);
  });

  it.each([
    ['\x1b[2J::error::x\r##[error]y\u202E'],
    ['  ::x::\n##[group]\u200B'],
    ['\\:\\:already escaped ##\\[ ok'],
  ])('is idempotent on %j', (input) => {
    const once = neutralize(input);
    expect(neutralize(once)).toBe(once);
  });

  it('leaves no active character and no command line in random text', () => {
    const alphabet = ['\x1b', '\r', '\n', '\t', ':', '#', '[', ' ', 'a', '\u202E', '\u200B', '\u0085', '\u2028', '\u00A0', '\uD800', '\u{E0041}'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 500; i += 1) {
      const input = Array.from({ length: 1 + (next() % 24) }, () => alphabet[next() % alphabet.length]).join('');
      const out = neutralize(input);
      expect(out).not.toMatch(/(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u);
      for (const line of out.split('\n')) {
        expect(line.trimStart().startsWith('::')).toBe(false);
        expect(line).not.toContain('##[');
      }
    }
  });
});
