/**
 * Local services the sandbox and the integration tests run on 127.0.0.1: the AWS emulator
 * (moto, with scripts/moto/ extensions) and redis-server. Plain child processes, stopped for sure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { packageRoot } from '../package-root.js';

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
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
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

export async function startMotoServer(extraEnv: Record<string, string> = {}): Promise<MotoService> {
  if (!motoAvailable()) throw new Error(INSTALL_HINTS.moto);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', [motoServerScript(), '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...extraEnv },
  });
  const output = tail(child);
  const stop = stopper(child);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early (${child.exitCode}): ${output()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not start on ${endpoint} within 20s: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.stderr?.resume();
  return {
    port,
    endpoint,
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

export async function startRedisServer({ password }: { password?: string } = {}): Promise<RedisService> {
  if (!redisAvailable()) throw new Error(INSTALL_HINTS.redis);
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  if (password) args.push('--requirepass', password);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(child);
  const stop = stopper(child);
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
  });
  return { port, url: `redis://127.0.0.1:${port}`, stop };
}
