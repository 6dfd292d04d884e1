/**
 * Child processes of the benchmark: spawned with a hard kill timer, timed from spawn to exit, and
 * tracked so a crash or Ctrl-C of the bench still stops every one of them (by pid, never by name).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** performance.now() at spawn and at exit. */
  startedAt: number;
  endedAt: number;
  /** Spawn to exit, ms. */
  wallMs: number;
  timedOut: boolean;
}

export interface RunChildOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** SIGKILL after this long (default 60 s). */
  killAfterMs?: number;
  /** Keep at most this many characters of stdout (default 1 MiB). */
  maxOutput?: number;
}

const live = new Set<ChildProcess>();

/** Environment for children: the bench's own, minus what would change a child's behaviour or timing. */
export function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  for (const noisy of ['NODE_OPTIONS', 'GITHUB_STEP_SUMMARY', 'GITHUB_ACTIONS', 'FORCE_COLOR', 'VERIFY_DEPLOYMENT_DEBUG']) {
    if (!(noisy in extra)) delete env[noisy];
  }
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function runChild(command: string, args: readonly string[], options: RunChildOptions = {}): Promise<ChildResult> {
  const maxOutput = options.maxOutput ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < maxOutput) stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.killAfterMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      live.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      const endedAt = performance.now();
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, startedAt, endedAt, wallMs: endedAt - startedAt, timedOut });
    });
  });
}

/** SIGKILLs every child still running (used on the way out, and on SIGINT/SIGTERM). */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
