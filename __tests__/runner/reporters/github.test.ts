import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { renderGithub } from '../../../runner/reporters/github.js';
import { printable } from '../../../runner/reporters/text.js';
import type { RunReport } from '../../../runner/result.js';
import { allPassed, independent, mixed, nasty, sampleReports, withRootCause } from '../../support/sample-reports.js';

const github = (report: RunReport) => renderGithub(report, { color: false, cwd: '/repo' });
const lines = (report: RunReport) => github(report).text.trimEnd().split('\n');

interface WorkflowCommand {
  level: string;
  properties: Record<string, string>;
  data: string;
}

/** Reads a workflow command back the way the runner does, undoing @actions/core's escaping. */
function parseCommand(line: string): WorkflowCommand {
  const match = /^::(\w+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!match) throw new Error(`not a workflow command: ${line}`);
  const unescape = (text: string) =>
    text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  const properties: Record<string, string> = {};
  for (const pair of match[2] ? match[2].split(',') : []) {
    const [key, value] = pair.split('=') as [string, string];
    properties[key] = unescape(value);
  }
  return { level: match[1]!, properties, data: unescape(match[3]!) };
}

describe('github reporter annotations', () => {
  it.each(Object.entries(sampleReports))('%s: every line is one workflow command', (_name, report) => {
    for (const line of lines(report)) expect(() => parseCommand(line)).not.toThrow();
  });

  it('annotates each failed and errored check on its scenario line, relative to cwd', () => {
    const commands = lines(mixed).map(parseCommand);
    const errors = commands.filter((command) => command.level === 'error');
    expect(errors.map((command) => command.properties)).toEqual([
      { title: 'Root cause: targets healthy', file: 'scenarios/api.yaml', line: '18', col: '5' },
      { title: 'task definition (could not be evaluated)', file: 'scenarios/api.yaml', line: '34', col: '5' },
    ]);
    expect(errors[0]!.data.split('\n')[0]).toBe(mixed.checks[2]!.message);
    expect(errors[0]!.data).toContain('✗ target 10.0.2.7:8000: expected healthy, got unhealthy');
  });

  it('keeps absolute paths when no cwd is given', () => {
    const first = parseCommand(renderGithub(mixed, { color: false }).text.split('\n')[0]!);
    expect(first.properties.file).toBe('/repo/scenarios/api.yaml');
  });

  it('warns about flaky passes and ends with the verdict as a notice', () => {
    const commands = lines(mixed).map(parseCommand);
    expect(commands.filter((command) => command.level === 'warning')).toEqual([
      {
        level: 'warning',
        properties: { title: 'service stable is flaky', file: 'scenarios/api.yaml', line: '8', col: '5' },
        data: `passed after 3 attempts: ${mixed.checks[1]!.message}`,
      },
    ]);
    expect(commands.at(-1)).toEqual({
      level: 'notice',
      properties: { title: 'verify-deployment' },
      data: '✗ FAILED hokusai-api-development: 2 passed, 1 failed, 1 errored, 1 skipped in 31.07s',
    });
  });

  it('prints only the verdict when everything passed', () => {
    expect(lines(allPassed).map((line) => parseCommand(line).level)).toEqual(['notice']);
  });

  it('names the root cause first and links its consequences to it', () => {
    const errors = lines(withRootCause).map(parseCommand).filter((command) => command.level === 'error');
    expect(errors[0]!.properties.title).toBe('Root cause: redis ingress');
    expect(errors[0]!.data).toContain('$ aws ec2 authorize-security-group-ingress');
    for (const consequence of errors.slice(1)) {
      expect(consequence.properties.title).toMatch(/\(consequence of redis ingress\)$/);
      expect(consequence.data).toContain('consequence of redis ingress');
    }
    expect(errors.map((e) => e.properties.title?.replace(/ \(.*$/, ''))).toEqual([
      'Root cause: redis ingress',
      'health fast',
      'targets healthy',
      'no redis errors in logs',
    ]);
  });

  it('titles unrelated failures "Independent failure", never "Root cause"', () => {
    const titles = lines(independent).map(parseCommand).filter((command) => command.level === 'error').map((e) => e.properties.title);
    expect(titles).toEqual(['Independent failure: docs page', 'Independent failure: search fast', 'no errors in logs (could not be evaluated)']);
  });

  it('escapes %, newlines, colons and commas the way the runner expects', () => {
    const line = lines(nasty).find((l) => l.includes('line one'))!;
    expect(line).toMatch(/^::error title=Independent failure%3A api%3A health%2C v2 100%25,file=scenarios\/nasty.yaml,line=15,col=7::line one%0Aline two 100%25 sure/);
    expect(line).toContain('line three %250A literal');
    expect(parseCommand(line).data.split('\n').slice(0, 3)).toEqual(['line one', 'line two 100% sure | pipes | here', 'line three %0A literal']);
  });

  it('cannot be tricked into a second command by what a message contains', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\n', '\r', '%', ':', ',', '::', '='), fc.string({ maxLength: 1 })) }), (text) => {
        const check = { ...mixed.checks[2]!, name: text, message: text, observations: [], fix: undefined, nextSteps: undefined };
        const report: RunReport = { ...mixed, checks: [check] };
        const [annotation, ...rest] = lines(report);
        expect(rest).toHaveLength(1);
        const command = parseCommand(annotation!);
        expect(Object.keys(command.properties)).toEqual(['title', 'file', 'line', 'col']);
        // The message as every human-facing output shows it: neutralized (a bare CR is `\r`, a
        // line-start `::` is `\:\:`), one line per line of the message.
        expect(command.data).toBe(printable(text));
      }),
    );
  });
});

describe('github step summary', () => {
  it('is always returned, with the verdict and a row per check', () => {
    for (const report of Object.values(sampleReports)) {
      const summary = github(report).stepSummary!;
      expect(summary.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))).toHaveLength(
        report.checks.length + 1,
      );
    }
    expect(github(allPassed).stepSummary).toMatch(/^### ✓ PASSED hokusai-api-development: 4 passed/);
  });

  it('includes the root cause with its fix command', () => {
    const summary = github(withRootCause).stepSummary!;
    expect(summary).toContain('**Root cause: redis ingress**: no ingress rule on sg-0454e74e2924a7754 allows tcp/6379');
    expect(summary).toContain('Explains: health fast, targets healthy, no redis errors in logs  \n');
    expect(summary).toContain('Skipped because of it: predict endpoint, model 21 predicts  \n');
    expect(summary).toContain('```sh\naws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754');
  });

  it('heads unrelated failures as independent and names the checks that could not be evaluated', () => {
    const summary = github(independent).stepSummary!;
    expect(summary).not.toContain('Root cause');
    expect(summary).toContain('**Independent failure: docs page**');
    expect(summary).toContain('**Independent failure: search fast**');
    expect(summary).toContain('**1 check could not be evaluated: no errors in logs**');
  });

  it('keeps every table row one line with five cells, whatever the message holds', () => {
    const rows = github(nasty).stepSummary!.split('\n').filter((line) => line.startsWith('| '));
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(5);
    expect(rows.find((row) => row.includes('line one'))).toContain(
      'line one<br>line two 100% sure \\| pipes \\| here<br>line three %0A literal',
    );
    expect(github(nasty).stepSummary).toContain('&lt;tags&gt; &amp;');
  });
});
