/**
 * A small stand-in for the Hokusai model API: `/health` pings Redis with a 2 s timeout (200
 * "degraded" when Redis is unreachable, as in the incident) and `POST /api/v1/models/:id/predict`
 * answers 500 "HuggingFace token not configured" while its task definition lacks the secret.
 */
import http from 'node:http';
import net from 'node:net';
import type { LogLevel, LogShipper } from './log-shipper.js';

export interface ModelApiOptions {
  redisHost: string;
  redisPort: number;
  redisTimeoutMs?: number;
  /** The API key clients must send in X-API-Key. */
  apiKey: string;
  /** Whether the running task definition injects HUGGINGFACE_API_KEY (read from the emulator). */
  hasHuggingFaceToken(): Promise<boolean>;
  logger: Pick<LogShipper, 'log'>;
  /** Each request served: its status code and how long it took (ms), for the ALB-like metrics. */
  onServed?(status: number, durationMs: number): void;
}

export interface ModelApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Sends PING and waits for +PONG; rejects with the incident's wording on timeout. */
export function pingRedis(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('Timeout connecting to server'));
    }, timeoutMs);
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        if (reply.startsWith('+PONG')) resolve();
        else reject(new Error(`unexpected reply ${JSON.stringify(reply.trim())}`));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`Error connecting to server: ${error.message}`));
    });
  });
}

/** What `/health` logs when Redis does not answer (the incident's log lines), after its request line. */
export function degradedHealthLines(redisError: string): [LogLevel, string][] {
  return [
    ['ERROR', `Redis connection failed: ${redisError}`],
    ['ERROR', 'Redis health check failed: Redis connection failed'],
    ['INFO', 'Health check completed: degraded'],
  ];
}

/**
 * The log lines of `count` health checks that timed out on Redis, the last one starting
 * `intervalMs` before `now`: the history of a target the ALB has already marked unhealthy.
 */
export function failedHealthCheckHistory(count: number, intervalMs: number, redisTimeoutMs: number, now = Date.now()): { time: Date; level: LogLevel; line: string }[] {
  const history: { time: Date; level: LogLevel; line: string }[] = [];
  for (let k = count; k >= 1; k--) {
    const requested = now - k * intervalMs;
    const failed = new Date(requested + redisTimeoutMs);
    history.push({ time: new Date(requested), level: 'INFO', line: 'Health check requested' });
    for (const [level, line] of degradedHealthLines('Timeout connecting to server')) history.push({ time: failed, level, line });
    history.push({ time: failed, level: 'INFO', line: '"GET /health HTTP/1.1" 200 OK' });
  }
  return history;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('body too large');
  }
  return body;
}

export async function startModelApi(options: ModelApiOptions): Promise<ModelApi> {
  const { logger } = options;
  const redisTimeoutMs = options.redisTimeoutMs ?? 2000;

  const health = async (res: http.ServerResponse) => {
    logger.log('INFO', 'Health check requested');
    try {
      await pingRedis(options.redisHost, options.redisPort, redisTimeoutMs);
      logger.log('INFO', 'Health check completed: healthy');
      json(res, 200, { status: 'healthy', redis: 'connected' });
    } catch (error) {
      for (const [level, line] of degradedHealthLines((error as Error).message)) logger.log(level, line);
      json(res, 200, { status: 'degraded', redis: 'unreachable' });
    }
    logger.log('INFO', '"GET /health HTTP/1.1" 200 OK');
  };

  const predict = async (req: http.IncomingMessage, res: http.ServerResponse, modelId: string) => {
    if (req.headers['x-api-key'] !== options.apiKey) {
      logger.log('WARNING', `rejected predict for model ${modelId}: invalid API key`);
      return json(res, 401, { detail: 'Invalid API key' });
    }
    let inputs: unknown;
    try {
      inputs = (JSON.parse((await readBody(req)) || '{}') as { inputs?: unknown }).inputs;
    } catch {
      return json(res, 422, { detail: 'body must be JSON with "inputs"' });
    }
    if (!inputs || typeof inputs !== 'object') return json(res, 422, { detail: 'body must be JSON with "inputs"' });
    if (!(await options.hasHuggingFaceToken())) {
      logger.log('ERROR', `Prediction failed for model ${modelId}: HuggingFace token not configured`);
      return json(res, 500, { detail: 'HuggingFace token not configured' });
    }
    logger.log('INFO', `"POST /api/v1/models/${modelId}/predict HTTP/1.1" 200 OK`);
    json(res, 200, { model_id: Number(modelId), prediction: { label: 'likely_to_convert', score: 0.82 } });
  };

  const server = http.createServer((req, res) => {
    const started = performance.now();
    res.once('finish', () => options.onServed?.(res.statusCode, performance.now() - started));
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const route = /^\/api\/v1\/models\/(\d+)\/predict$/.exec(url.pathname);
    const handle =
      req.method === 'GET' && url.pathname === '/health'
        ? health(res)
        : req.method === 'POST' && route
          ? predict(req, res, route[1]!)
          : Promise.resolve(json(res, 404, { detail: 'Not Found' }));
    handle.catch((error: Error) => {
      logger.log('ERROR', `unhandled: ${error.message}`);
      if (!res.headersSent) json(res, 500, { detail: 'Internal Server Error' });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
