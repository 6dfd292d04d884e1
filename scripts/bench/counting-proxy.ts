/**
 * A counting HTTP proxy in front of the AWS emulator: every request is forwarded unchanged to the
 * upstream and recorded with its AWS action, so "API calls per verdict" is counted at the emulator's
 * door, whoever the client is (the runner, an SDK waiter, the AWS CLI).
 *
 * The action is read the way each AWS protocol carries it:
 * - JSON 1.0/1.1 (ECS, CloudWatch Logs): `X-Amz-Target: AmazonEC2ContainerServiceV20141113.DescribeServices`
 * - Query / EC2 query (ELBv2, EC2): `Action=DescribeTargetHealth` in the form body (or the URL query)
 * - Smithy RPC v2 CBOR: the path `/service/<Service>/operation/<Operation>`
 * Anything else (moto's own `/moto-api/...`) is recorded as `other:<path>`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedCall {
  /** e.g. `DescribeServices`. */
  action: string;
  /** `ecs`, `logs`, `elbv2`, `ec2`, … when it can be told from the request, else `?`. */
  service: string;
  /** performance.now() when the request arrived. */
  at: number;
  /** Bytes of the request as it arrived: request line, headers and body. */
  requestBytes: number;
  /**
   * Bytes of the response as forwarded: status line, headers and body (0 until the response has
   * ended, and for a request answered by an intercept or by the proxy itself on an upstream error).
   */
  responseBytes: number;
}

/** Calls, request bytes and response bytes of one AWS action. */
export interface ActionTraffic {
  calls: number;
  requestBytes: number;
  responseBytes: number;
}

export interface CountingProxy {
  /** `http://127.0.0.1:PORT`: use it as the AWS endpoint. */
  endpoint: string;
  calls: RecordedCall[];
  /** Calls per action, e.g. `{ DescribeServices: 3 }`. */
  counts(): Record<string, number>;
  /** Calls and bytes per action (see trafficByAction). */
  traffic(): Record<string, ActionTraffic>;
  total(): number;
  /** Forget the calls recorded so far. */
  clear(): void;
  stop(): Promise<void>;
}

const TARGET_PREFIXES: Record<string, string> = {
  AmazonEC2ContainerServiceV20141113: 'ecs',
  Logs_20140328: 'logs',
};

const QUERY_VERSIONS: Record<string, string> = {
  '2015-12-01': 'elbv2',
  '2016-11-15': 'ec2',
  '2015-02-02': 'elasticache',
};

/** Reads the AWS action and service out of one request (see the module comment). */
export function classifyRequest(method: string, url: string, headers: http.IncomingHttpHeaders, body: string): { action: string; service: string } {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) {
    const [prefix = '', action = ''] = target.split('.');
    return { action, service: TARGET_PREFIXES[prefix] ?? prefix };
  }
  const path = url.split('?')[0] ?? '';
  const cbor = /^\/service\/([^/]+)\/operation\/([^/]+)$/.exec(path);
  if (cbor) return { action: cbor[2]!, service: cbor[1]! };
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const form = method === 'POST' && /x-www-form-urlencoded/.test(String(headers['content-type'] ?? '')) ? new URLSearchParams(body) : undefined;
  const action = form?.get('Action') ?? query.get('Action');
  if (action) {
    const version = form?.get('Version') ?? query.get('Version') ?? '';
    return { action, service: QUERY_VERSIONS[version] ?? '?' };
  }
  return { action: `other:${method} ${path}`, service: '?' };
}

/**
 * Size in bytes of an HTTP/1.1 message head as it goes over the wire: the start line and each
 * header (`name: value`), each ended by CRLF, plus the blank line that ends the head.
 * `rawHeaders` is Node's flat `[name, value, name, value, …]` list.
 */
export function headBytes(startLine: string, rawHeaders: readonly string[]): number {
  let bytes = Buffer.byteLength(startLine) + 2;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) bytes += Buffer.byteLength(rawHeaders[i]!) + 2 + Buffer.byteLength(rawHeaders[i + 1]!) + 2;
  return bytes + 2;
}

/** Calls, request bytes and response bytes summed per action. */
export function trafficByAction(calls: readonly RecordedCall[]): Record<string, ActionTraffic> {
  const out: Record<string, ActionTraffic> = {};
  for (const call of calls) {
    const entry = (out[call.action] ??= { calls: 0, requestBytes: 0, responseBytes: 0 });
    entry.calls += 1;
    entry.requestBytes += call.requestBytes;
    entry.responseBytes += call.responseBytes;
  }
  return out;
}

/** Answers a request itself (returning true) instead of forwarding it, e.g. with an injected fault. */
export type Intercept = (call: RecordedCall, req: IncomingMessage, res: ServerResponse, body: string) => boolean;

export interface AwsProxy {
  endpoint: string;
  /** Every request so far, in arrival order. */
  calls: RecordedCall[];
  stop(): Promise<void>;
}

/**
 * The proxy both the benchmarks (counting) and the reliability tests (fault injection) put in front
 * of the emulator: records every request with its AWS action, lets `intercept` answer it, else
 * forwards it unchanged.
 */
export async function startAwsProxy(upstream: string, options: { intercept?: Intercept; maxSockets?: number } = {}): Promise<AwsProxy> {
  const target = new URL(upstream);
  const calls: RecordedCall[] = [];
  const sockets = new Set<Socket>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const requestBytes = headBytes(`${req.method} ${req.url} HTTP/${req.httpVersion}`, req.rawHeaders) + body.length;
      const call: RecordedCall = { ...classifyRequest(req.method ?? 'GET', req.url ?? '/', req.headers, text), at, requestBytes, responseBytes: 0 };
      calls.push(call);
      if (options.intercept?.(call, req, res, text)) return;
      const headers = { ...req.headers, host: target.host };
      const forward = http.request(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          // Counted as forwarded: the body bytes exactly as they came (compressed, if they were).
          let bodyBytes = 0;
          upstreamRes.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
          upstreamRes.once('end', () => {
            call.responseBytes = headBytes(`HTTP/${upstreamRes.httpVersion} ${upstreamRes.statusCode} ${upstreamRes.statusMessage ?? ''}`, upstreamRes.rawHeaders) + bodyBytes;
          });
          upstreamRes.pipe(res);
        },
      );
      forward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: upstream error: ${error.message}`);
      });
      forward.end(body);
    });
  };

  const server = http.createServer(handle);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    async stop() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const proxy = await startAwsProxy(upstream);
  const { calls } = proxy;
  return {
    endpoint: proxy.endpoint,
    calls,
    counts() {
      const counts: Record<string, number> = {};
      for (const call of calls) counts[call.action] = (counts[call.action] ?? 0) + 1;
      return counts;
    },
    traffic: () => trafficByAction(calls),
    total: () => calls.length,
    clear() {
      calls.length = 0;
    },
    stop: () => proxy.stop(),
  };
}
