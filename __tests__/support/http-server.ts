/**
 * A real HTTP(S) server on 127.0.0.1 for integration tests, with routes a test controls: slow,
 * silent, stalling, resetting, echoing. stop() destroys every open connection and pending timer.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RouteTools {
  /** setTimeout that stop() clears, so a slow route never outlives the test. */
  later(ms: number, action: () => void): void;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, body: string, tools: RouteTools) => void;

export interface TestHttpServer {
  /** Origin without a trailing slash: `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  route(path: string, handler: RouteHandler): void;
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

export interface TlsMaterial {
  key: string;
  cert: string;
}

/** `host`: `127.0.0.1` (default) or `::1`, so a test can have two origins on loopback. */
export async function startHttpServer(options: { tls?: TlsMaterial; host?: '127.0.0.1' | '::1' } = {}): Promise<TestHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const routes = new Map<string, RouteHandler>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  const tools: RouteTools = {
    later(ms, action) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        action();
      }, ms);
      timers.add(timer);
    },
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const handler = routes.get(pathname) ?? routes.get('*') ?? respond(404, 'no such route');
      handler(req, res, body, tools);
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handle) : http.createServer(handle);
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A failed TLS handshake (the client rejects our certificate) is expected in tests.
  server.on('tlsClientError', () => {});

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const scheme = options.tls ? 'https' : 'http';

  return {
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    route(routePath, handler) {
      routes.set(routePath, handler);
    },
    connections: () => accepted,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers with a status and a text body, optionally after a delay. */
export function respond(status: number, body: string, { delayMs = 0, headers = {} }: { delayMs?: number; headers?: Record<string, string> } = {}): RouteHandler {
  return (_req, res, _body, tools) => {
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(body);
    };
    if (delayMs > 0) tools.later(delayMs, send);
    else send();
  };
}

export function respondJson(status: number, value: unknown): RouteHandler {
  return respond(status, JSON.stringify(value), { headers: { 'content-type': 'application/json' } });
}

/** Answers with raw bytes (an encoded or binary body) and the given headers. */
export function respondBytes(status: number, body: Buffer, headers: Record<string, string>): RouteHandler {
  return (_req, res) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-length': String(body.length), ...headers });
    res.end(body);
  };
}

/** Streams `total` bytes of `chunk` repeated (an endless-looking body), stopping when the client goes away. */
export function respondStream(status: number, chunk: Buffer, total: number, headers: Record<string, string>): RouteHandler {
  return (_req, res) => {
    res.writeHead(status, headers);
    let sent = 0;
    const pump = () => {
      while (sent < total && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    res.on('error', () => undefined);
    pump();
  };
}

/** Redirects to `location` (absolute, or relative to this server) with `status`. */
export function redirect(status: number, location: string): RouteHandler {
  return respond(status, '', { headers: { location } });
}

/** Echoes the request back as JSON: method, content-type, body. */
export const echo: RouteHandler = (req, res, body) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ method: req.method, contentType: req.headers['content-type'] ?? null, body }));
};

/** Accepts the request and never answers. */
export const neverRespond: RouteHandler = () => {};

/** Sends headers and a first chunk, then goes silent. */
export const stallAfterHeaders: RouteHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
  res.write('first bytes');
};

/** Sends headers and part of the body, then resets the TCP connection (RST). */
export const resetMidBody: RouteHandler = (req, res, _body, tools) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
  res.write('partial body');
  tools.later(20, () => req.socket.resetAndDestroy());
};

/** A throwaway self-signed certificate for 127.0.0.1 (needs the openssl CLI). */
export function selfSignedCert(): TlsMaterial {
  const dir = mkdtempSync(path.join(tmpdir(), 'vd-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
