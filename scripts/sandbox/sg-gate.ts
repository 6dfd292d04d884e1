/**
 * The network path between the API and Redis, honouring the emulated security groups: while Redis's
 * group has no ingress rule from the API's group, connections are accepted and then left hanging,
 * as a dropped SYN looks to a client; once the rule exists they are piped to the real redis-server.
 */
import net from 'node:net';

export interface SgGate {
  port: number;
  close(): Promise<void>;
}

export interface SgGateOptions {
  redisPort: number;
  /** Asks the emulator whether the rule exists now. */
  isAllowed(): Promise<boolean>;
  /** How long a rule look-up is reused, ms. */
  cacheMs?: number;
}

export async function startSgGate(options: SgGateOptions): Promise<SgGate> {
  const cacheMs = options.cacheMs ?? 500;
  let cached: { allowed: boolean; at: number } | undefined;
  const allowed = async () => {
    if (cached && Date.now() - cached.at < cacheMs) return cached.allowed;
    const value = await options.isAllowed().catch(() => false);
    cached = { allowed: value, at: Date.now() };
    return value;
  };
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    client.pause();
    void allowed().then((ok) => {
      if (client.destroyed) return;
      if (!ok) return; // blocked: hold the connection open and say nothing
      const upstream = net.connect(options.redisPort, '127.0.0.1');
      track(upstream);
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
