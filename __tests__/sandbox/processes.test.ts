/** Process records: identity by start time, group signals, escalation to SIGKILL, the exit hook. Real processes. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isRunning, killTrackedChildrenSync, processStartTime, recordOf, signalRecorded, stopRecorded, trackChild } from '../../scripts/sandbox/processes.js';
import { descendants, killIfRunning, stillRunning, type SeenProcess } from '../support/processes.js';

const describeLinux = process.platform === 'linux' ? describe : describe.skip;
const children: ChildProcess[] = [];
const seen: SeenProcess[] = [];

function start(script: string, options: { detached?: boolean } = {}): ChildProcess {
  const child = spawn('bash', ['-c', script], { stdio: 'ignore', detached: options.detached ?? false });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

/** Until bash has started what it was told to run (its descendants appear). */
async function withDescendants(pid: number, count: number): Promise<SeenProcess[]> {
  for (let i = 0; i < 200; i++) {
    const found = descendants(pid);
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`pid ${pid} never had ${count} descendant(s)`);
}

afterEach(() => {
  killIfRunning(seen.splice(0));
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describeLinux('process records', () => {
  it('records the kernel start time, and a record of another start time is not that process', async () => {
    const child = start('sleep 30');
    const record = recordOf('sleeper', child.pid!);
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    expect(record.startTime).toBe(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    expect(isRunning(record)).toBe(true);

    // The same pid with another start time: a process that merely reuses the pid is left alone.
    const impostor = { ...record, startTime: String(Number(record.startTime) - 1) };
    expect(isRunning(impostor)).toBe(false);
    expect(signalRecorded(impostor, 'SIGKILL')).toBe(false);
    expect(isRunning(record)).toBe(true);

    expect(signalRecorded(record, 'SIGTERM')).toBe(true);
    await exited(child);
    expect(isRunning(record)).toBe(false);
    expect(processStartTime(child.pid!)).toBeUndefined();
  });

  it('signals a whole process group through its leader', async () => {
    const leader = start('sleep 30 & sleep 30 & wait', { detached: true });
    const group = await withDescendants(leader.pid!, 2);
    seen.push(...group);
    expect(signalRecorded(recordOf('group', leader.pid!, { group: true }), 'SIGTERM')).toBe(true);
    await exited(leader);
    await new Promise((r) => setTimeout(r, 100));
    expect(group.filter(stillRunning)).toEqual([]);
  });

  it('stopRecorded escalates to SIGKILL for a process that ignores SIGTERM', async () => {
    const stubborn = start('trap "" TERM; while :; do sleep 0.05; done', { detached: true });
    await withDescendants(stubborn.pid!, 1);
    const record = recordOf('stubborn', stubborn.pid!, { group: true });
    const started = Date.now();
    expect(await stopRecorded([record], 300)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(isRunning(record)).toBe(false);
  });

  it('the exit hook kills tracked children that are still running, and forgets exited ones', async () => {
    const tracked = start('sleep 30', { detached: true });
    const record = trackChild('tracked', tracked, { group: true });
    const done = start('true');
    trackChild('done', done);
    await exited(done);
    killTrackedChildrenSync();
    await exited(tracked);
    expect(tracked.signalCode).toBe('SIGKILL');
    expect(isRunning(record)).toBe(false);
  });
});
