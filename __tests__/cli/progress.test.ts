import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { RunEvent } from '../../runner/events.js';
import { countdown, createProgress, type ProgressOptions } from '../../scripts/cli/progress.js';
import { displayWidth } from '../../runner/reporters/text.js';
import { mixed } from '../support/sample-reports.js';

const [clusterActive, serviceStable, targetsHealthy, , predictEndpoint] = mixed.checks as [
  (typeof mixed.checks)[number], (typeof mixed.checks)[number], (typeof mixed.checks)[number], unknown, (typeof mixed.checks)[number],
];
const CLEAR_LINE = '\r\u001b[2K';

function fakeStream(columns?: number) {
  const chunks: string[] = [];
  const stream = { columns, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
  return { stream, output: () => chunks.join('') };
}

/** What a terminal shows: permanent lines, and the line the cursor is on (the live line). */
function screen(output: string): { lines: string[]; live: string } {
  const lines: string[] = [];
  let live = '';
  for (const token of output.split(/(\r\u001b\[2K|\n)/)) {
    if (token === CLEAR_LINE) live = '';
    else if (token === '\n') {
      lines.push(live);
      live = '';
    } else live += token;
  }
  return { lines, live };
}

function setup(options: Partial<ProgressOptions> & { columns?: number } = {}) {
  let clock = 1_000_000;
  const { stream, output } = fakeStream(options.columns);
  const progress = createProgress({ stream, tty: false, color: false, now: () => clock, ...options });
  const emit = (...events: RunEvent[]) => events.forEach(progress.listener);
  return { ...progress, emit, output, screen: () => screen(output()), advance: (ms: number) => (clock += ms) };
}

const runStart: RunEvent = {
  kind: 'run-start',
  scenario: 'hokusai-api-development',
  checks: [clusterActive, targetsHealthy, predictEndpoint].map(({ name, type }) => ({ name, type })),
};
const startCluster: RunEvent[] = [
  { kind: 'check-start', name: 'tasks running', type: 'ecs-task-running' },
  { kind: 'attempt-start', name: 'tasks running', attempt: 1, maxAttempts: 3 },
];
const startTargets: RunEvent[] = [
  { kind: 'check-start', name: 'targets healthy', type: 'alb-targets-healthy' },
  { kind: 'attempt-start', name: 'targets healthy', attempt: 1, maxAttempts: 5 },
];
const targetsRetry: RunEvent = {
  kind: 'attempt-end',
  name: 'targets healthy',
  attempt: 1,
  maxAttempts: 5,
  outcome: 'retry',
  message: '1/2 healthy',
  nextDelayMs: 4000,
};
const clusterDone: RunEvent[] = [
  { kind: 'attempt-end', name: 'tasks running', attempt: 1, maxAttempts: 3, outcome: 'pass', message: 'ACTIVE' },
  { kind: 'check-end', report: clusterActive },
];
const targetsDone: RunEvent[] = [
  { kind: 'attempt-start', name: 'targets healthy', attempt: 2, maxAttempts: 5 },
  { kind: 'attempt-end', name: 'targets healthy', attempt: 2, maxAttempts: 5, outcome: 'fail', message: 'target\nderegistered' },
  { kind: 'check-end', report: targetsHealthy },
];
const fullRun: RunEvent[] = [
  runStart,
  ...startCluster,
  ...startTargets,
  targetsRetry,
  ...clusterDone,
  ...targetsDone,
  { kind: 'check-end', report: predictEndpoint },
  { kind: 'run-end', report: mixed },
];

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('progress in a log (not a terminal)', () => {
  it('prints one plain line per event worth reading, concurrent checks named on each line', () => {
    const progress = setup();
    progress.emit(...fullRun);
    progress.stop();
    expect(progress.output()).toBe(
      [
        'Verifying hokusai-api-development: 3 checks',
        '▶ tasks running (ecs-task-running)',
        '▶ targets healthy (alb-targets-healthy)',
        '  targets healthy: attempt 1/5 not ready: 1/2 healthy; next attempt in 4s',
        `✓ tasks running passed in 210ms: ${clusterActive.message}`,
        '  targets healthy: attempt 2/5 failed definitively: target ⏎ deregistered',
        `✗ targets healthy failed after 5 attempts in 16s: ${targetsHealthy.message}`,
        '- predict endpoint skipped: needs "targets healthy", which failed',
        '',
      ].join('\n'),
    );
  });

  it('marks a pass after retries and an attempt count without a known maximum', () => {
    const progress = setup();
    progress.emit(
      { kind: 'check-start', name: 'service stable', type: 'ecs-service-stable' },
      { kind: 'attempt-end', name: 'service stable', attempt: 2, outcome: 'error', message: 'Throttling', nextDelayMs: 1500 },
      { kind: 'check-end', report: serviceStable },
    );
    expect(progress.screen().lines).toEqual([
      '▶ service stable (ecs-service-stable)',
      '  service stable: attempt 2 error: Throttling; next attempt in 1.5s',
      `✓ service stable passed after 3 attempts in 12.4s: ${serviceStable.message}`,
    ]);
  });

  it('never rewrites lines and writes no escape codes without colour', () => {
    const progress = setup();
    progress.emit(...fullRun);
    expect(progress.output()).not.toMatch(/[\r\u001b]/);
  });

  it('colours its symbols when asked to', () => {
    const progress = setup({ color: true });
    progress.emit(...fullRun);
    expect(progress.output()).toContain('\u001b[32m✓\u001b[39m tasks running passed');
    expect(progress.output()).toContain('\u001b[31m✗\u001b[39m targets healthy failed');
  });

  it('starts no timer', () => {
    const setIntervalSpy = jest.spyOn(globalThis, 'setInterval');
    setup().emit(...startTargets);
    expect(setIntervalSpy).not.toHaveBeenCalled();
  });
});

describe('progress on a terminal', () => {
  it('shows the check in flight on a live line with the retry countdown', () => {
    const progress = setup({ tty: true });
    progress.emit(runStart, ...startTargets, targetsRetry);
    expect(progress.screen()).toEqual({
      lines: ['Verifying hokusai-api-development: 3 checks'],
      live: '⠋ targets healthy — attempt 1/5 not ready, next attempt in 4.0s: 1/2 healthy',
    });
    progress.emit({ kind: 'attempt-start', name: 'targets healthy', attempt: 2, maxAttempts: 5 });
    expect(progress.screen().live).toBe('⠋ targets healthy — attempt 2/5 (previous: not ready: 1/2 healthy)');
    progress.stop();
  });

  it('animates the spinner and counts down on a timer', () => {
    jest.useFakeTimers();
    const progress = setup({ tty: true });
    progress.emit(...startTargets, targetsRetry);
    progress.advance(1200);
    jest.advanceTimersByTime(80);
    expect(progress.screen().live).toBe('⠙ targets healthy — attempt 1/5 not ready, next attempt in 2.8s: 1/2 healthy');
    progress.advance(100);
    jest.advanceTimersByTime(80);
    expect(progress.screen().live).toBe('⠹ targets healthy — attempt 1/5 not ready, next attempt in 2.7s: 1/2 healthy');
    progress.advance(3000);
    jest.advanceTimersByTime(80);
    expect(progress.screen().live).toBe('⠸ targets healthy — attempt 1/5 not ready, next attempt now: 1/2 healthy');
    progress.stop();
  });

  it('shares the live line between concurrent checks and prints finished ones above it', () => {
    const progress = setup({ tty: true, columns: 120 });
    progress.emit(...startCluster, ...startTargets, targetsRetry);
    expect(progress.screen().live).toBe(
      '⠋ tasks running (attempt 1/3) · targets healthy (attempt 1/5 not ready, next in 4.0s)',
    );
    progress.emit(...clusterDone);
    expect(progress.screen()).toEqual({
      lines: [`✓ tasks running passed in 210ms: ${clusterActive.message}`],
      live: '⠋ targets healthy — attempt 1/5 not ready, next attempt in 4.0s: 1/2 healthy',
    });
    progress.emit(...targetsDone);
    expect(progress.screen()).toEqual({
      lines: [
        `✓ tasks running passed in 210ms: ${clusterActive.message}`,
        `✗ targets healthy failed after 5 attempts in 16s: ${targetsHealthy.message}`,
      ],
      live: '',
    });
  });

  it('cuts the live line to the terminal width so rewriting it in place works', () => {
    const progress = setup({ tty: true, columns: 40 });
    progress.emit(...startCluster, ...startTargets, targetsRetry);
    const { live } = progress.screen();
    expect(live.endsWith('…')).toBe(true);
    expect(displayWidth(live)).toBeLessThanOrEqual(39);
    progress.stop();
  });

  it('names the previous attempt\'s outcome, never the attempt under way or just ended', () => {
    const progress = setup({ tty: true });
    progress.emit(...startTargets);
    expect(progress.screen().live).toBe('⠋ targets healthy — attempt 1/5');
    progress.emit({ ...targetsRetry, nextDelayMs: undefined, outcome: 'fail', message: 'target deregistered' });
    expect(progress.screen().live).toBe('⠋ targets healthy — attempt 1/5 failed definitively: target deregistered');
    expect(progress.screen().live).not.toContain('previous');
    progress.stop();
  });

  it.each([
    ['a retry', 'retry', 'attempt 1/5 not ready: 1/2 healthy'],
    ['a definitive failure', 'fail', 'attempt 1/5 failed definitively: 1/2 healthy'],
    ['an error', 'error', 'attempt 1/5 error: 1/2 healthy'],
  ] as const)('in a log, tells %s apart', (_name, outcome, expected) => {
    const progress = setup();
    progress.emit({ ...targetsRetry, outcome, nextDelayMs: undefined });
    expect(progress.screen().lines).toEqual([`  targets healthy: ${expected}`]);
  });

  it.each([
    ['tenths under 10 s', 9_950, 'in 10.0s'],
    ['tenths', 3_210, 'in 3.3s'],
    ['whole seconds above 10 s', 42_100, 'in 43s'],
    ['minutes', 125_000, 'in 2m5s'],
    ['nothing left', 0, 'now'],
    ['overdue', -50, 'now'],
  ])('counts down in %s (%i ms: %s)', (_name, ms, expected) => {
    expect(countdown(ms)).toBe(expected);
  });

  it.each([0, undefined])('treats a terminal of %p columns as 80 wide, never squeezing the line to …', (columns) => {
    const { stream, output } = fakeStream(columns);
    const progress = createProgress({ stream, tty: true, color: false });
    [...startCluster, ...startTargets].forEach(progress.listener);
    const { live } = screen(output());
    expect(live).toBe('⠋ tasks running (attempt 1/3) · targets healthy (attempt 1/5)');
    const long = { kind: 'check-start', name: 'x'.repeat(200), type: 'http' } as const;
    progress.listener(long);
    expect(displayWidth(screen(output()).live)).toBe(79);
    progress.stop();
  });

  it('takes the width from the stream when not given', () => {
    const { stream, output } = fakeStream(30);
    const progress = createProgress({ stream, tty: true, color: false });
    [...startCluster, ...startTargets].forEach(progress.listener);
    expect(displayWidth(screen(output()).live)).toBe(29);
    progress.stop();
  });

  it('clears the live line at the end of the run and on stop, and ignores later events', () => {
    const ended = setup({ tty: true });
    ended.emit(...startTargets, { kind: 'run-end', report: mixed });
    expect(ended.screen().live).toBe('');

    const stopped = setup({ tty: true });
    stopped.emit(...startTargets);
    expect(stopped.screen().live).not.toBe('');
    stopped.stop();
    expect(stopped.screen().live).toBe('');
    const before = stopped.output();
    stopped.emit(...startCluster, ...clusterDone);
    stopped.stop();
    expect(stopped.output()).toBe(before);
  });

  it('runs its spinner on an unref’d timer that stop() clears', () => {
    const setIntervalSpy = jest.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = jest.spyOn(globalThis, 'clearInterval');
    const progress = setup({ tty: true });
    progress.emit(...startTargets);
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    const timer = setIntervalSpy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    progress.stop();
    expect(clearIntervalSpy).toHaveBeenCalledWith(timer);
  });

  it('stops its timer once no check is in flight', () => {
    const clearIntervalSpy = jest.spyOn(globalThis, 'clearInterval');
    const progress = setup({ tty: true });
    progress.emit(...startCluster);
    expect(clearIntervalSpy).not.toHaveBeenCalled();
    progress.emit(...clusterDone);
    expect(clearIntervalSpy).toHaveBeenCalledTimes(1);
  });

  it('never writes to stdout or stderr itself', () => {
    const stdout = jest.spyOn(process.stdout, 'write');
    const stderr = jest.spyOn(process.stderr, 'write');
    const progress = setup({ tty: true, color: true });
    progress.emit(...fullRun);
    progress.stop();
    expect(stdout).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
    expect(progress.output()).not.toBe('');
  });
});

describe('debug lines (--verbose)', () => {
  const log: RunEvent = { kind: 'log', name: 'targets healthy', message: 'DescribeTargetHealth: 2 targets\nnext page' };

  it.each([
    ['without --verbose', {}, []],
    ['with --verbose false', { verbose: false }, []],
    ['with --verbose', { verbose: true }, ['  targets healthy: DescribeTargetHealth: 2 targets ⏎ next page']],
  ] as const)('%s: %j', (_name, options, expected) => {
    const progress = setup(options);
    progress.emit(...startTargets, log);
    expect(progress.screen().lines.filter((line) => !line.startsWith('▶'))).toEqual(expected);
  });

  it('on a terminal, prints the line above the live line and redraws it', () => {
    const progress = setup({ tty: true, verbose: true });
    progress.emit(...startTargets, log);
    const { lines, live } = progress.screen();
    expect(lines).toEqual(['  targets healthy: DescribeTargetHealth: 2 targets ⏎ next page']);
    expect(live).toMatch(/targets healthy — attempt 1\/5/);
    progress.stop();
  });
});
