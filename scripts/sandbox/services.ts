/**
 * Local services the sandbox and the integration tests run on 127.0.0.1: the AWS emulator
 * (moto, with scripts/moto/ extensions) and redis-server. Plain child processes, stopped for sure.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { signalRecorded, trackChild, type ProcessRecord } from './processes.js';
import { timeoutSignal } from '../../checks/support/abort.js';

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const INSTALL_HINTS = {
  moto: 'the AWS emulator moto is not installed for python3: pip install "moto[server]" (Python moto 5)',
  redis: 'redis-server is not installed: apt-get install -y redis-server (Debian/Ubuntu) — it need not be running',
} as const;

/** A tool the sandbox needs is not installed; the message says how to install it. */
export class MissingTool extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingTool';
  }
}

// Each probe starts a process (python importing moto takes a second or two): ask once per process.
let motoProbe: boolean | undefined;
let redisProbe: boolean | undefined;

export function motoAvailable(): boolean {
  motoProbe ??= spawnSync('python3', ['-c', 'import moto.server, flask'], { stdio: 'ignore' }).status === 0;
  return motoProbe;
}

export function redisAvailable(): boolean {
  redisProbe ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return redisProbe;
}

export interface LocalService {
  port: number;
  /** The service's process (pid, process group, start time). */
  process: ProcessRecord;
  stop(): Promise<void>;
}

/** How a service's process is started: in its own process group, reported once spawned. */
export interface SpawnOptions {
  /**
   * Start it as the leader of its own process group (detached): a terminal's Ctrl-C or hang-up then
   * reaches only this process, which stops the group itself, in order.
   */
  processGroup?: boolean;
  /** Called with the child's record (pid, group, start time) as soon as it is spawned. */
  onSpawn?(record: ProcessRecord): void;
  /** SIGTERM, then SIGKILL after this long (ms). */
  stopGraceMs?: number;
  /** Abandons the start: the process is stopped and the start rejects with the signal's reason. */
  signal?: AbortSignal;
}

function stopper(child: ChildProcess, record: ProcessRecord, graceMs: number): () => Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    if (record.pgid === undefined) child.kill(name);
    else signalRecorded(record, name);
  };
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
}

function spawnService(name: string, command: string, args: string[], options: SpawnOptions & { env?: NodeJS.ProcessEnv; stdio: StdioOptions; missing: string }) {
  const child = spawn(command, args, { stdio: options.stdio, env: options.env, detached: options.processGroup ?? false });
  // spawn() reports a missing executable asynchronously: turn it into the early-exit path below.
  child.once('error', () => {});
  if (child.pid === undefined) throw new MissingTool(options.missing);
  const record = trackChild(name, child, { group: options.processGroup ?? false });
  options.onSpawn?.(record);
  return { child, record, stop: stopper(child, record, options.stopGraceMs ?? 3000) };
}

function tail(child: ChildProcess): () => string {
  let output = '';
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return () => output;
}

/** The .py files are not compiled: always the source tree's scripts/moto/server.py. */
function motoServerScript(): string {
  return path.join(packageRoot(), 'scripts', 'moto', 'server.py');
}

export interface MotoService extends LocalService {
  endpoint: string;
  reset(): Promise<void>;
}

/**
 * Starts the AWS emulator on a free 127.0.0.1 port and resolves once it answers. Its state lives in
 * memory only, so the sandbox stops it with a short grace (moto takes ~1 s to honour SIGTERM,
 * then SIGKILL loses nothing).
 */
export async function startMotoServer(extraEnv: Record<string, string> = {}, spawnOptions: SpawnOptions = {}): Promise<MotoService> {
  // No up-front probe (python importing moto costs a second): a missing moto fails the start below.
  if (motoProbe === false) throw new MissingTool(INSTALL_HINTS.moto);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const { child, record, stop } = spawnService('moto', 'python3', [motoServerScript(), '-H', '127.0.0.1', '-p', String(port)], {
    ...spawnOptions,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...extraEnv },
    missing: INSTALL_HINTS.moto,
  });
  const output = tail(child);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await new Promise((r) => setTimeout(r, 200)); // the rest of its stderr
      if (/No module named '(moto|flask|werkzeug)/.test(output())) throw new MissingTool(INSTALL_HINTS.moto);
      throw new Error(`moto_server exited early (${child.exitCode ?? child.signalCode}): ${output()}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: timeoutSignal(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not start on ${endpoint} within 20s: ${output()}`);
    }
    if (spawnOptions.signal?.aborted) {
      await stop();
      throw spawnOptions.signal.reason;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.stderr?.resume();
  return {
    port,
    endpoint,
    process: record,
    stop,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
  };
}

/** Stops moto's ECS tasks from advancing a state on every DescribeTasks (see moto-notes.md). */
export async function pinEcsTaskStates(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } }),
  });
  if (!res.ok) throw new Error(`moto state manager: HTTP ${res.status}`);
}

export interface RedisService extends LocalService {
  url: string;
}

/**
 * Starts redis-server (no persistence) on a free 127.0.0.1 port and resolves once it accepts
 * connections; `args` are appended to its command line (a test's `--maxclients 1`, `--dir`…).
 */
export async function startRedisServer({ password, args: extra = [] }: { password?: string; args?: string[] } = {}, spawnOptions: SpawnOptions = {}): Promise<RedisService> {
  if (redisProbe === false) throw new MissingTool(INSTALL_HINTS.redis);
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  if (password) args.push('--requirepass', password);
  args.push(...extra);
  const { child, record, stop } = spawnService('redis-server', 'redis-server', args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'], missing: INSTALL_HINTS.redis });
  const output = tail(child);
  const { signal } = spawnOptions;
  let onAbort = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        void stop();
        reject(new Error(`redis-server did not become ready on port ${port} within 10s: ${output()}`));
      }, 10_000);
      const onData = () => {
        if (output().includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited early (${code}): ${output()}`));
      });
      onAbort = () => {
        clearTimeout(timer);
        void stop().finally(() => reject(signal!.reason));
      };
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return { port, url: `redis://127.0.0.1:${port}`, process: record, stop };
}
