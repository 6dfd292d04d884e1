/**
 * `run --watch` end to end (issue 16 item 4): without a terminal the first round's progress then one
 * line per round; a check that passed is carried as passed (never "not selected (--only)"); the
 * JSON `durationMs` is the whole watch's.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killAllCli, parseStdoutJson, runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vd-watch-'));
afterAll(() => {
  killAllCli();
  rmSync(dir, { recursive: true, force: true });
});

/** A scenario whose `flips` check fails until its third run; `steady` always passes. */
function flippingScenario(): { file: string; counter: string } {
  const counter = path.join(dir, `count-${Math.random().toString(36).slice(2)}`);
  const script = `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; [ $n -ge 3 ]`;
  const file = path.join(dir, `watch-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    ['name: watch-cli', 'checks:', '  - name: steady', '    type: exec', '    command: ["true"]', '  - name: flips', '    type: exec', '    command: [sh, -c, ' + JSON.stringify(script) + ']', ''].join('\n'),
  );
  return { file, counter };
}

describe('run --watch without a terminal', () => {
  it('prints one line per round after the first, carries passed checks, and reports the whole duration', async () => {
    const { file, counter } = flippingScenario();
    const started = Date.now();
    const result = await runCli(['run', file, '--watch', '--interval', '300ms', '--reporter', 'json'], { env: { CI: 'true' } });
    const wall = Date.now() - started;
    expect(result.code).toBe(0);
    expect(readFileSync(counter, 'utf8').trim()).toBe('3');
    const rounds = result.stderr.split('\n').filter((l) => l.startsWith('--watch round'));
    expect(rounds).toHaveLength(3);
    expect(rounds[0]).toMatch(/^--watch round 1: 1 not passing: flips; next round in/);
    expect(rounds[2]).toMatch(/^--watch round 3: all passing; done after/);
    // Round 1's progress is shown once; later rounds do not reprint checks' progress.
    expect(result.stderr.match(/Verifying/g)).toHaveLength(1);
    expect(result.stderr.match(/▶ steady/g)).toHaveLength(1);
    expect(result.stderr).not.toContain('not selected');
    const report = parseStdoutJson(result) as { durationMs: number; checks: { name: string; status: string; skipReason?: string }[] };
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([['steady', 'passed'], ['flips', 'passed']]);
    // Two pauses of 300 ms at least: the sum of the rounds' own durations would be far less.
    expect(report.durationMs).toBeGreaterThanOrEqual(600);
    expect(report.durationMs).toBeLessThanOrEqual(wall);
  }, 60_000);

  it('run --help says what a watch round re-runs', async () => {
    const result = await runCli(['run', '--help']);
    expect(result.stdout.replace(/\s+/g, ' ')).toContain('A check that passed is not re-run: if it breaks later, the watch does not notice');
  }, 30_000);
});

describe('watchDisplay on a terminal', () => {
  it('redraws each round in place (no screen clear into the scrollback) and leaves the final table to the report', async () => {
    const { watchDisplay } = await import('../../scripts/cli/watch-display.js');
    const { runScenario, parseScenario, checkTypes } = await import('../../runner/index.js');
    const scenario = parseScenario('name: t\nchecks:\n  - { name: ok, type: exec, command: ["true"] }\n', { checkTypes, env: {}, displayName: 't.yaml', dir: process.cwd() });
    const report = await runScenario(scenario, {});
    let out = '';
    const stream = { write: (text: string) => ((out += text), true), columns: 100 } as unknown as NodeJS.WritableStream;
    const display = watchDisplay({ stream, tty: true, color: false });
    display(1, report, 1000);
    const firstBlock = out;
    const lines = firstBlock.split('\n').length - 1;
    expect(firstBlock).toContain('ok');
    display(2, report, 1000);
    display(3, report);
    expect(out).not.toContain('\x1b[2J');
    // Rounds 2 and 3 each move back over the block before them and erase it.
    expect(out.split(`\x1b[${lines}F\x1b[J`)).toHaveLength(3);
    // The last round is one line: the final table is written once, by the reporter.
    expect(out.slice(out.lastIndexOf('\x1b[J') + 3)).toMatch(/^--watch round 3: all passing; done after [^\n]*\n$/);
  });
});

describe('watchDisplay: the last round', () => {
  it.each([
    ['everything passing', 'true', undefined, /; done after /],
    ['checks still failing when --timeout leaves no time for another round', 'false', undefined, /1 not passing: t1; gave up after [^:]+: --timeout leaves no time for another round$/],
    ['an interrupted watch', 'false', 'SIGINT' as const, /; done after /],
  ])('%s', async (_label, command, interrupted, line) => {
    const { watchDisplay } = await import('../../scripts/cli/watch-display.js');
    const { runScenario, parseScenario, checkTypes } = await import('../../runner/index.js');
    const scenario = parseScenario(`name: t\nchecks:\n  - { name: t1, type: exec, command: ["${command}"] }\n`, { checkTypes, env: {}, displayName: 't.yaml', dir: process.cwd() });
    const report = { ...(await runScenario(scenario, {})), ...(interrupted ? { interrupted } : {}) };
    let out = '';
    const stream = { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WritableStream;
    watchDisplay({ stream, tty: false, color: false })(4, report);
    expect(out.trimEnd()).toMatch(line);
  });
});

describe('run --from', () => {
  function scenario(): string {
    const file = path.join(dir, `from-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, ['name: from-cli', 'checks:', '  - { name: sg rule, type: exec, command: ["true"] }', '  - { name: api up, type: exec, command: ["false"] }', ''].join('\n'));
    return file;
  }

  it('reports the checks before the --from point as not evaluated because of --from, and hints they may explain the root cause', async () => {
    const result = await runCli(['run', scenario(), '--from', 'api up', '--no-color'], { env: { CI: 'true', COLUMNS: '200' } });
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).not.toContain('not selected (--only)');
    expect(result.stderr).toContain('sg rule skipped: not evaluated (--from)');
    expect(result.stdout).toMatch(/Root cause: api up/);
    expect(result.stdout).toContain('1 check before --from was not evaluated and may explain it: sg rule');
  }, 30_000);

  it('gives the JSON skip data because "--from" (and keeps --only as it was)', async () => {
    const from = parseStdoutJson(await runCli(['run', scenario(), '--from', 'api up', '--reporter', 'json'], { env: { CI: 'true' } }));
    const only = parseStdoutJson(await runCli(['run', scenario(), '--only', 'api up', '--reporter', 'json'], { env: { CI: 'true' } }));
    const skipped = (report: { checks: { name: string; skip?: unknown; skipReason?: string }[] }) => report.checks.find((c) => c.name === 'sg rule');
    expect(skipped(from)).toMatchObject({ skip: { reason: 'not-selected', because: '--from' }, skipReason: 'not evaluated (--from)' });
    expect(skipped(only)).toMatchObject({ skip: { reason: 'not-selected' }, skipReason: 'not selected (--only)' });
    expect((skipped(only) as { skip: { because?: string } }).skip.because).toBeUndefined();
  }, 30_000);
});
