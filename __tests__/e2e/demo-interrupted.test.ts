/**
 * Ctrl-C while the demo waits for the ALB health checks ("Waiting for … ... " is printed without a
 * newline until the target is healthy): the line is ended with "interrupted", on stdout, before the
 * demo exits 130, so the terminal is not left on a dangling line.
 */
import { afterAll, expect, it } from '@jest/globals';
import { killAllCli, runCli } from '../support/cli.js';
import { requireTool } from '../support/tools.js';

const WAITING = /Waiting for the ALB health checks to pass \(\d+ in a row, every [\d.]+s\)\.\.\. /;

requireTool(['moto', 'redis-server'], 'the interrupted demo test')('demo interrupted while waiting for the health checks', () => {
  afterAll(() => killAllCli());

  it('ends the open "Waiting for …" line with "interrupted" on stdout and exits 130', async () => {
    // SIGINT while still on the open line: the target has not turned healthy yet.
    const result = await runCli(['demo'], { env: { NO_COLOR: '1' }, killAfterMs: 120_000, signal: { signal: 'SIGINT', when: ({ stdout }) => WAITING.test(stdout) && stdout.endsWith('... ') } });
    expect({ signalled: result.signalSentAtMs !== undefined, code: result.code, killedBy: result.killedBy }).toEqual({ signalled: true, code: 130, killedBy: null });
    const { stdout } = result;
    const last = stdout.split('\n').find((line) => WAITING.test(line));
    expect(last).toMatch(/\.\.\. interrupted$/);
    // The line is ended, and nothing of the demo's story follows it.
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.slice(stdout.indexOf(last!) + last!.length)).toBe('\n');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 150_000);
});
