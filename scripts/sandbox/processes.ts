/**
 * The sandbox's child processes as records a later process can act on: pid, process group and the
 * kernel's start time, so that `sandbox down` (or this process on its way out) signals exactly the
 * process that was started and never an unrelated one that reused its pid.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One process the sandbox started (or the `sandbox up` process itself). */
export interface ProcessRecord {
  /** What it is, for messages: "moto", "redis-server", "sandbox up". */
  name: string;
  pid: number;
  /** Its process group when it leads one (spawned `detached`): signalled as a whole. */
  pgid?: number;
  /** The kernel's start time of `pid` (Linux: /proc/PID/stat field 22; elsewhere `ps -o lstart=`). */
  startTime?: string;
}

/** Field 22 of /proc/PID/stat (clock ticks since boot), or `ps -o lstart=` where /proc is missing. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); a zombie has exited already.
    if (fields[0] === 'Z') return undefined;
    return fields[19];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux') return undefined;
  }
  const ps = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' });
  const text = ps.status === 0 ? ps.stdout.trim() : '';
  return text || undefined;
}

/** A record for a process that runs now. */
export function recordOf(name: string, pid: number, { group = false }: { group?: boolean } = {}): ProcessRecord {
  return { name, pid, ...(group ? { pgid: pid } : {}), startTime: processStartTime(pid) };
}

/** Whether the recorded process still runs: same pid, same start time, not a zombie. */
export function isRunning(record: ProcessRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    // ESRCH: gone. EPERM: it exists but belongs to someone else, so it is not ours any more.
    return false;
  }
  const now = processStartTime(record.pid);
  if (now === undefined) return false;
  return record.startTime === undefined || record.startTime === now;
}

/** Signals the recorded process (its whole group when it leads one) if it is still that process. */
export function signalRecorded(record: ProcessRecord, signal: NodeJS.Signals): boolean {
  if (!isRunning(record)) return false;
  try {
    process.kill(record.pgid !== undefined ? -record.pgid : record.pid, signal);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops recorded processes: SIGTERM, then SIGKILL for those still running after `graceMs`.
 * Resolves with the ones that could not be stopped (empty when all are gone).
 */
export async function stopRecorded(records: readonly ProcessRecord[], graceMs = 3000): Promise<ProcessRecord[]> {
  for (const record of records) signalRecorded(record, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (records.some(isRunning) && Date.now() < deadline) await sleep(50);
  for (const record of records.filter(isRunning)) signalRecorded(record, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (records.some(isRunning) && Date.now() < killDeadline) await sleep(50);
  return records.filter(isRunning);
}

/** Children started by this process that are still running; killed synchronously on exit. */
const live = new Map<ChildProcess, ProcessRecord>();
let exitHookInstalled = false;

/** SIGKILLs every tracked child now (synchronous: usable from an 'exit' handler). */
export function killTrackedChildrenSync(): void {
  for (const [child, record] of live) {
    if (child.exitCode === null && child.signalCode === null) signalRecorded(record, 'SIGKILL');
  }
  live.clear();
}

/**
 * Tracks a spawned child until it exits. Whatever way this process ends — return, uncaught error,
 * `process.exit()` — its 'exit' event kills the children still tracked, so none is left behind.
 * (SIGKILL of this process cannot be caught: `sandbox down` stops those children from the record.)
 */
export function trackChild(name: string, child: ChildProcess, { group = false }: { group?: boolean } = {}): ProcessRecord {
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  const record = recordOf(name, child.pid, { group });
  live.set(child, record);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killTrackedChildrenSync);
  }
  return record;
}
