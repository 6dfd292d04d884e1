/**
 * A real redis-server on 127.0.0.1 for integration tests, and a TCP server that accepts and never
 * answers. Gate a suite with `requireTool('redis-server')` (support/tools.ts): under CI=true a
 * missing redis-server is a loud failure, never a silent skip.
 */
import { createServer, type Socket } from 'node:net';
import { INSTALL_HINTS, startRedisServer, type RedisService } from '../../scripts/sandbox/services.js';
import { toolAvailable } from './tools.js';

export type RedisServer = RedisService;

/**
 * Starts redis-server on a free port (with `--requirepass` when `password` is given, `args` appended)
 * and waits until it is ready.
 * @throws Error with install instructions when redis-server is missing (gate suites with requireTool).
 */
export function startRedis(options: { password?: string; args?: string[] } = {}): Promise<RedisServer> {
  if (!toolAvailable('redis-server')) throw new Error(INSTALL_HINTS.redis);
  return startRedisServer(options);
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
