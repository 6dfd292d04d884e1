import { describe, expect, it } from '@jest/globals';
import { renderPretty } from '../../../runner/reporters/pretty.js';
import { displayWidth, oneLine, printable, truncate, wrap } from '../../../runner/reporters/text.js';
import { verdictLine } from '../../../runner/reporters/wording.js';
import type { RunReport } from '../../../runner/result.js';
import { allPassed, independent, interrupted, mixed, nasty, withRootCause } from '../../support/sample-reports.js';

const plain = (report: RunReport, width?: number) => renderPretty(report, { color: false, cwd: '/repo', width }).text;
const ESC = '\u001b';

describe('pretty reporter', () => {
  it('writes no escape character at all without colour, even for messages that contain one', () => {
    for (const report of [allPassed, mixed, withRootCause, independent, interrupted, nasty]) expect(plain(report)).not.toContain(ESC);
  });

  it('colours the output when asked to', () => {
    const text = renderPretty(mixed, { color: true }).text;
    expect(text).toContain(`${ESC}[31m✗ failed`);
    expect(text).toContain(`${ESC}[32m✓ passed`);
  });

  it('ends in the verdict the brief describes', () => {
    expect(verdictLine(withRootCause)).toBe(
      '✗ FAILED hokusai-api-development: 2 passed, 4 failed, 0 errored, 2 skipped in 48.2s',
    );
    expect(verdictLine(allPassed)).toMatch(/^✓ PASSED hokusai-api-development: 4 passed, 0 failed, 0 errored, 0 skipped in /);
  });

  it('says in the verdict that the run was interrupted', () => {
    expect(plain(interrupted)).toContain('✗ FAILED hokusai-api-development (interrupted by SIGINT): ');
    expect(verdictLine({ ...interrupted, interrupted: 'timeout' })).toContain('(interrupted: run timed out)');
  });

  it('prints the root cause, its consequences and its fix command before the per-check detail', () => {
    const text = plain(withRootCause);
    const rootCause = text.indexOf('Root cause: redis ingress');
    expect(rootCause).toBeGreaterThan(text.indexOf('✗ FAILED'));
    expect(rootCause).toBeLessThan(text.indexOf('✗ redis ingress (sg-ingress)'));
    expect(text).toContain('explains: health fast, targets healthy, no redis errors in logs\n');
    // predict endpoint and model 21 predicts need a failed check and never ran: not claimed as explained.
    expect(text).toContain('skipped because of it: predict endpoint, model 21 predicts\n');
    expect(text).toContain('$ aws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754');
  });

  it('has no root cause block when there is none', () => {
    expect(plain(allPassed)).not.toContain('Root cause');
    expect(plain(interrupted)).not.toContain('Root cause');
  });

  it('heads unrelated failures "Independent failures", not "Root cause", and names what could not be evaluated', () => {
    const text = plain(independent);
    expect(text).not.toContain('Root cause');
    expect(text).toContain('\nIndependent failures:\n  docs page\n      GET https://api.hokus.ai/docs → 404 (expected 200)\n  search fast\n');
    expect(text).toContain('\n1 check could not be evaluated: no errors in logs\n');
  });

  it('lists errored checks apart: they are no root cause and no consequence', () => {
    const text = plain(mixed);
    expect(text).toContain('Root cause: targets healthy');
    expect(text).toContain('1 check could not be evaluated: task definition');
    expect(text).not.toMatch(/explains: .*task definition/);
  });

  it('shows failed observations marked apart from the ok ones, with fix and next steps', () => {
    const text = plain(mixed);
    expect(text).toContain('    ✗ target 10.0.2.7:8000: expected healthy, got unhealthy (Target.Timeout: Request timed out)');
    expect(text).toContain('    ✓ target 10.0.1.5:8000: expected healthy, got healthy');
    expect(text).toContain('    fix: Make /health answer within the ALB timeout (5s)');
    expect(text).toContain('      $ aws sts get-caller-identity');
  });

  it('marks a pass that needed retries', () => {
    expect(plain(mixed)).toMatch(/✓ passed +service stable +3 +12\.4s +passed after 3 attempts: ECS service/);
  });

  it('shows why a check was skipped', () => {
    expect(plain(mixed)).toMatch(/- skipped +predict endpoint +0 +needs "targets healthy", which failed/);
  });

  it('gives no failure detail for passed or skipped checks', () => {
    const text = plain(mixed);
    expect(text).not.toContain('tasks running (ecs-task-running)');
    expect(text).not.toContain('predict endpoint (http)');
  });

  const table = (report: RunReport, width?: number) => plain(report, width).split('\n\n')[0]!.split('\n');
  const allMessages = (lines: string[]) => lines.map((line) => line.trim()).join(' ');

  it.each([40, 60, 80, 100, 140])('keeps every table line within %i columns', (width) => {
    for (const report of [nasty, withRootCause, mixed]) {
      for (const line of table(report, width)) expect(displayWidth(line)).toBeLessThanOrEqual(width);
    }
  });

  it.each([60, 80, 100, 140])('never cuts a message to nothing at %i columns: each shows at least 30 columns of it', (width) => {
    const lines = table(withRootCause, width);
    for (const check of withRootCause.checks) {
      const message = oneLine(check.status === 'skipped' ? check.skipReason! : check.message);
      expect(allMessages(lines)).toContain(message.slice(0, 30));
    }
  });

  it.each([60, 80])('at %i columns, where fewer than 40 columns are left, puts each message on indented lines under its row', (width) => {
    const lines = table(withRootCause, width);
    expect(lines[0]).toBe('  status   check                    attempts  time');
    const row = lines.findIndex((line) => line.startsWith('✗ failed   redis ingress'));
    expect(lines[row]).toMatch(/870ms$/);
    expect(lines[row + 1]).toMatch(/^ {11}no ingress rule on sg-0454e74e2924a7754/);
  });

  it('wraps a message inside its column when 40 columns or more are left', () => {
    const lines = table(withRootCause, 100);
    const row = lines.findIndex((line) => line.startsWith('✓ passed   service stable'));
    const column = lines[0]!.indexOf('message');
    expect(lines[row]!.slice(column)).toBe('ECS service hokusai-api-development (cluster');
    expect(lines[row + 1]).toBe(`${' '.repeat(column)}hokusai-development) is stable on`);
  });

  it('shows a passed or skipped check\'s message whole, and cuts a failure\'s after 3 lines (its detail follows)', () => {
    const lines = table(nasty, 60);
    expect(allMessages(lines)).toContain('needs "api: health, v2 100%", which failed');
    const long = lines.findIndex((line) => line.includes('very long message'));
    expect(lines.slice(long + 1, long + 5).filter((line) => line.startsWith(' '.repeat(11)))).toHaveLength(3);
    expect(lines[long + 3]!.endsWith('…')).toBe(true);
  });

  it.each([undefined, 0, -1, Number.NaN])('with no usable width (%p: a file, a pipe) cuts nothing', (width) => {
    const lines = table(nasty, width);
    expect(lines).toHaveLength(nasty.checks.length + 1);
    const long = nasty.checks.find((check) => check.name === 'very long message')!;
    expect(lines.some((line) => line.endsWith(long.message))).toBe(true);
    expect(lines.some((line) => line.includes('…'))).toBe(false);
  });

  it('never lets a wrapped line start with a workflow command', () => {
    const check = { ...mixed.checks[0]!, message: `${'word '.repeat(12)}::error::forged ::warning::x ${'y'.repeat(70)}::notice::z` };
    for (const width of [40, 60, 80, 100]) {
      for (const line of table({ ...mixed, checks: [check] }, width)) expect(line.trimStart().startsWith('::')).toBe(false);
    }
  });

  it('prints a long message in full in the failure detail', () => {
    const long = nasty.checks.find((check) => check.name === 'very long message')!;
    expect(plain(nasty)).toContain(`    ${long.message}\n`);
  });
});

describe('terminal text helpers', () => {
  it.each([
    ['abc', 3],
    ['🚀', 2],
    ['日本語', 6],
    ['👨‍👩‍👧', 2],
    ['e\u0301', 1],
    ['✓', 1],
  ])('measures %j as %i columns', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it('truncates by columns without splitting a grapheme', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcd', 4)).toBe('abcd');
    expect(truncate('ab🚀cd', 4)).toBe('ab…');
    expect(truncate('👨‍👩‍👧👨‍👩‍👧', 3)).toBe('👨‍👩‍👧…');
  });

  it('shows control characters and lone surrogates as escapes but keeps text', () => {
    expect(printable('a\u001b[2Jb\u0000c\ud800d\te')).toBe('a\\x1b[2Jb\\x00c\\ud800d e');
    expect(oneLine(' one\r\ntwo\n ')).toBe('one ⏎ two');
    expect(oneLine('ok\r::error::x')).toBe('ok\\r::error::x');
  });

  it.each([
    ['a b c d', 3, ['a b', 'c d']],
    ['abcdefgh', 3, ['abc', 'def', 'gh']],
    ['🚀🚀🚀', 4, ['🚀🚀', '🚀']],
    ['one ::error::x', 12, ['one', '\\:\\:error::x']],
    ['abcd::x', 4, ['abcd', '\\:\\:', 'x']],
    ['', 5, ['']],
  ])('wraps %j at %i columns as %j, defusing a line that would start with ::', (text, max, expected) => {
    expect(wrap(text, max)).toEqual(expected);
  });
});
