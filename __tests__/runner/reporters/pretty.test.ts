import { describe, expect, it } from '@jest/globals';
import { renderPretty } from '../../../runner/reporters/pretty.js';
import { displayWidth, oneLine, printable, truncate } from '../../../runner/reporters/text.js';
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
    expect(text).toContain('explains: health fast, targets healthy, no redis errors in logs, predict endpoint, model 21 predicts');
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

  it.each([60, 80, 100, 140])('keeps every summary row within %i columns', (width) => {
    const table = plain(nasty, width).split('\n\n')[0]!.split('\n');
    expect(table).toHaveLength(nasty.checks.length + 1);
    for (const row of table) expect(displayWidth(row)).toBeLessThanOrEqual(width);
    if (width >= 100) expect(table.some((row) => row.endsWith('…'))).toBe(true);
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

  it('neutralises control characters and lone surrogates but keeps text', () => {
    expect(printable('a\u001b[2Jb\u0000c\ud800d\te')).toBe('a\uFFFD[2Jb\uFFFDc\uFFFDd e');
    expect(oneLine(' one\r\ntwo\n ')).toBe('one ⏎ two');
  });
});
