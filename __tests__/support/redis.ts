/**
 * A real redis-server on 127.0.0.1 for integration tests, and a TCP server that accepts and never
 * answers. Under CI=true a missing redis-server is a loud failure, never a silent skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { freePort } from './ports.js';

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Throws with install instructions when redis-server is missing (so CI fails loudly). */
export function requireRedis(): void {
  if (!redisAvailable()) {
    throw new Error('redis-server is not installed: apt-get install -y redis-server (it need not run; tests start their own)');
  }
}

/** Starts redis-server on a free port (with `--requirepass` when `password` is given) and waits until it is ready. */
export async function startRedis({ password }: { password?: string } = {}): Promise<RedisServer> {
  requireRedis();
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  if (password) args.push('--requirepass', password);
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not become ready on port ${port} within 10s: ${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited early (${code}): ${output}`));
    });
  });
  // Keep draining so a full pipe never blocks the server.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface SilentServer {
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections still open (a client that gave up should have closed its socket). */
  open(): number;
  /** Resolves when the next connection is accepted. */
  nextConnection(): Promise<void>;
  stop(): Promise<void>;
}

/** Accepts TCP connections and never writes a byte: what a black-holed or wedged server looks like to a client. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let waiters: Array<() => void> = [];
  const server = createServer((socket) => {
    accepted += 1;
    for (const wake of waiters) wake();
    waiters = [];
    sockets.add(socket);
    socket.on('error', () => undefined);
    // Read and discard what the client sends: an unread socket never sees the client's FIN.
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    accepted: () => accepted,
    open: () => sockets.size,
    nextConnection: () => new Promise<void>((resolve) => waiters.push(resolve)),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
