/**
 * Untrusted text (#14 §4): whatever a body, a command's output, a log line or an AWS message holds,
 * placed in every free-text field of a report (name, message, observations, details, evidence,
 * fix, next steps, skip reason, root cause, scenario, file path), no output of the tool — every
 * reporter, the step summary, the live progress in both modes, the --watch display — carries an
 * active character or a workflow command, and the github reporter's own annotations all still
 * take effect.
 */
import { describe, expect, it } from '@jest/globals';
import type { RunEvent } from '../../../runner/events.js';
import { render, type ReporterOptions } from '../../../runner/reporters/index.js';
import type { RunReport } from '../../../runner/result.js';
import { createProgress } from '../../../scripts/cli/progress.js';
import { watchDisplay } from '../../../scripts/cli/watch-display.js';
import { expectInert, HOSTILE, hostileReport, runnerCommands } from '../../support/hostile-output.js';
import { independent, mixed, withRootCause } from '../../support/sample-reports.js';

const FIXTURES = { withRootCause, independent, mixed } as const;
const cases = HOSTILE.flatMap(([kind, text]) => Object.entries(FIXTURES).map(([fixture, report]) => [kind, fixture, hostileReport(report, text)] as const));

const OWN_ANNOTATION = /^::(error|warning|notice) [^\n]*::/;

const reporterOutputs: [string, ReporterOptions & { reporter: 'pretty' | 'json' | 'junit' | 'github' }, { ownSequences?: boolean }][] = [
  ['pretty', { reporter: 'pretty', color: false, cwd: '/repo' }, {}],
  ['pretty in colour', { reporter: 'pretty', color: true, cwd: '/repo' }, { ownSequences: true }],
  ['pretty at 60 columns', { reporter: 'pretty', color: false, width: 60 }, {}],
  ['pretty at 100 columns', { reporter: 'pretty', color: false, width: 100 }, {}],
  ['json', { reporter: 'json', color: false }, {}],
  ['junit', { reporter: 'junit', color: false, cwd: '/repo' }, {}],
];

/** The events a run of `report` emits, each carrying the report's hostile text. */
function eventsOf(report: RunReport): RunEvent[] {
  const events: RunEvent[] = [{ kind: 'run-start', scenario: report.scenario, checks: report.checks.map(({ name, type }) => ({ name, type })) }];
  for (const check of report.checks) {
    events.push(
      { kind: 'check-start', name: check.name, type: check.type },
      { kind: 'attempt-start', name: check.name, attempt: 1, maxAttempts: 3 },
      { kind: 'log', name: check.name, message: check.message },
      { kind: 'attempt-end', name: check.name, attempt: 1, maxAttempts: 3, outcome: 'retry', message: check.message, nextDelayMs: 2000 },
      { kind: 'attempt-start', name: check.name, attempt: 2, maxAttempts: 3 },
      { kind: 'attempt-end', name: check.name, attempt: 2, maxAttempts: 3, outcome: 'fail', message: check.message },
      { kind: 'check-end', report: check },
    );
  }
  events.push({ kind: 'run-end', report });
  return events;
}

function progressOutput(report: RunReport, tty: boolean, color: boolean): string {
  const chunks: string[] = [];
  const stream = { columns: 100, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
  const progress = createProgress({ stream, tty, color, verbose: true, now: () => 0 });
  for (const event of eventsOf(report)) {
    progress.listener(event);
    // The live line between events, as the spinner's timer would draw it.
    if (tty && event.kind === 'attempt-end') progress.listener({ kind: 'log', name: '', message: '' });
  }
  progress.stop();
  return chunks.join('');
}

describe.each(cases)('%s in every field (%s)', (_kind, _fixture, report) => {
  it.each(reporterOutputs)('%s output is inert', (_name, { reporter, ...options }, allowed) => {
    expectInert(render(reporter, report, options).text, allowed);
  });

  it('json output keeps every string exact for a parser', () => {
    const parsed = JSON.parse(render('json', report, { color: false }).text) as RunReport;
    expect(parsed.checks.map((c) => [c.name, c.message, c.details])).toEqual(report.checks.map((c) => [c.name, c.message, c.details]));
    expect(parsed.scenario).toBe(report.scenario);
  });

  it('github annotations are the only commands, and all of them take effect', () => {
    const text = render('github', report, { color: false, cwd: '/repo' }).text;
    expectInert(text, { ownCommands: OWN_ANNOTATION });
    const expected = text.trimEnd().split('\n').map((line) => OWN_ANNOTATION.exec(line)![1]);
    // Behind the progress lines of the same run (stderr and stdout share the CI log).
    const log = `${progressOutput(report, false, false)}${text}`;
    expect(runnerCommands(log).map((c) => c.command)).toEqual(expected);
    expect(expected.filter((c) => c === 'error')).toHaveLength(report.checks.filter((c) => c.status === 'failed' || c.status === 'error').length);
  });

  it('the github step summary is inert', () => {
    expectInert(render('github', report, { color: false, cwd: '/repo' }).stepSummary!);
  });

  it.each([
    ['in a log', false, false],
    ['in a log, in colour', false, true],
    ['on a terminal', true, false],
    ['on a terminal, in colour', true, true],
  ])('progress %s is inert and executes nothing', (_name, tty, color) => {
    const output = progressOutput(report, tty, color);
    expectInert(output, { ownSequences: tty || color });
    expect(runnerCommands(output)).toEqual([]);
  });

  it.each([
    ['in a log', false],
    ['on a terminal', true],
  ])('the --watch display %s is inert', (_name, tty) => {
    const chunks: string[] = [];
    const stream = { columns: 80, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
    watchDisplay({ stream, tty, color: false })(2, report, 5000);
    // The display's own clear-screen and home sequences, then the table.
    expectInert(chunks.join('').replace('\x1b[2J\x1b[H', ''));
  });
});

describe('the model of the runner used above', () => {
  it.each([
    ['a plain command', '::error::x', ['error']],
    ['after whitespace', '  \t::warning file=a::x', ['warning']],
    ['old form anywhere', 'text ##[error]x', ['error']],
    ['stop-commands silences until its token', '::stop-commands::tok\n::error::x\n::tok::\n::notice::y', ['stop-commands', 'notice']],
    ['old-form stop-commands', 'body ##[stop-commands]tok\n::error::x', ['stop-commands']],
    ['an escaped command is text', '\\:\\:error::x\n##\\[error]x', []],
  ])('%s', (_name, log, expected) => {
    expect(runnerCommands(log).map((c) => c.command)).toEqual(expected);
  });
});
