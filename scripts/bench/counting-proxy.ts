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
}

export interface CountingProxy {
  /** `http://127.0.0.1:PORT`: use it as the AWS endpoint. */
  endpoint: string;
  calls: RecordedCall[];
  /** Calls per action, e.g. `{ DescribeServices: 3 }`. */
  counts(): Record<string, number>;
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
      const call: RecordedCall = { ...classifyRequest(req.method ?? 'GET', req.url ?? '/', req.headers, text), at };
      calls.push(call);
      if (options.intercept?.(call, req, res, text)) return;
      const headers = { ...req.headers, host: target.host };
      const forward = http.request(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
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
    total: () => calls.length,
    clear() {
      calls.length = 0;
    },
    stop: () => proxy.stop(),
  };
}
