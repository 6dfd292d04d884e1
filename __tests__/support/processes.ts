/**
 * Looking at processes from the outside (Linux /proc), for tests that assert that no process a
 * command started outlives it: descendants of a pid, whether a pid still runs, and a watcher that
 * remembers every descendant it saw (children spawned and killed between two looks included).
 */
import { afterEach } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface SeenProcess {
  pid: number;
  /** The executable's name (comm), e.g. "python3", "redis-server", "node". */
  name: string;
  /** Kernel start time (field 22 of /proc/PID/stat): tells the process from a later one with its pid. */
  startTime: string;
}

/** Fields of /proc/PID/stat after the command name: [state, ppid, ...]; undefined when gone. */
function statOf(pid: number): { name: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return undefined;
  }
}

/** Whether this exact process (same start time) still runs (a zombie has exited). */
export function stillRunning(process: Pick<SeenProcess, 'pid' | 'startTime'>): boolean {
  const stat = statOf(process.pid);
  return Boolean(stat && stat.fields[0] !== 'Z' && stat.fields[19] === process.startTime);
}

/** Every running descendant of `root` (children, their children, …). */
export function descendants(root: number): SeenProcess[] {
  const byParent = new Map<number, SeenProcess[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (!stat || stat.fields[0] === 'Z') continue;
    const ppid = Number(stat.fields[1]);
    const list = byParent.get(ppid) ?? [];
    list.push({ pid: Number(entry), name: stat.name, startTime: stat.fields[19]! });
    byParent.set(ppid, list);
  }
  const found: SeenProcess[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** Polls the descendants of `root` every `everyMs` and keeps every one it saw. */
export function watchDescendants(root: number, everyMs = 100): { seen(): SeenProcess[]; stop(): SeenProcess[] } {
  const seen = new Map<string, SeenProcess>();
  const look = () => {
    for (const p of descendants(root)) seen.set(`${p.pid}:${p.startTime}`, p);
  };
  look();
  const timer = setInterval(look, everyMs);
  return {
    seen: () => [...seen.values()],
    stop() {
      look();
      clearInterval(timer);
      return [...seen.values()];
    },
  };
}

/** SIGKILLs each of `processes` still running (a test's last resort, so a failure leaks nothing). */
export function killIfRunning(processes: readonly SeenProcess[]): void {
  for (const p of processes) {
    if (!stillRunning(p)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Whether `pid` is alive and not a zombie (a killed orphan can stay a zombie where PID 1 does not reap). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls `condition` every 20 ms for up to `ms`; whether it held in the end. */
export async function eventually(condition: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

/**
 * For tests whose commands write their pids to files: `pidFrom(file)` waits (up to 2 s) for the
 * file and returns the pid, and every pid it returned is SIGKILLed after each test, whatever
 * happened. Call at the top level of a test file (it registers an afterEach).
 */
export function trackPids(): { pidFrom(file: string): Promise<number> } {
  const seen: number[] = [];
  afterEach(() => {
    for (const pid of seen.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  return {
    async pidFrom(file: string): Promise<number> {
      for (let i = 0; i < 100 && !(existsSync(file) && readFileSync(file, 'utf8').trim()); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const pid = Number(readFileSync(file, 'utf8').trim());
      seen.push(pid);
      return pid;
    },
  };
}
