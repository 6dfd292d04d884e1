/**
 * One HTTP exchange over a fresh connection, timed phase by phase (DNS, TCP connect, TLS handshake,
 * first byte, body). Network faults become an HttpExchangeError with a reason an on-call engineer
 * can read; an abort of the signal propagates untouched.
 */
import type { Socket } from 'node:net';
// Types only here: undici (~110 CommonJS modules) is imported on the first request, so `validate`
// and runs without http checks do not pay for loading it (see BENCHMARKS.md, figure 5).
import type { Dispatcher } from 'undici';

/** Milliseconds. dns/connect/tls are phase durations; firstByte/total count from the request start. */
export interface HttpTiming {
  dns?: number;
  connect?: number;
  tls?: number;
  firstByte?: number;
  total?: number;
}

export interface HttpExchange {
  status: number;
  contentType?: string;
  location?: string;
  /** The body as text, cut at maxBodyBytes. */
  body: string;
  bodyBytes: number;
  bodyTruncated: boolean;
  timing: HttpTiming;
}

export interface HttpRequestOptions {
  method: Dispatcher.HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string;
  followRedirects: boolean;
  insecure: boolean;
  maxBodyBytes: number;
  signal: AbortSignal;
}

type Phase = 'connect' | 'tls' | 'headers' | 'body';

export class HttpExchangeError extends Error {
  constructor(
    /** One line: `connection refused to 127.0.0.1:8080`. */
    readonly reason: string,
    /** `retry` for network faults, `error` when the request itself is malformed. */
    readonly outcome: 'retry' | 'error',
    readonly code: string | undefined,
    readonly timing: HttpTiming,
    cause: unknown,
  ) {
    super(reason, { cause });
    this.name = 'HttpExchangeError';
  }
}

const MAX_REDIRECTIONS = 10;
const round = (ms: number) => Math.round(ms * 10) / 10;

export async function timedRequest(options: HttpRequestOptions): Promise<HttpExchange> {
  // Before the clock starts: the first call pays the module load, which is not request latency.
  const { Agent, buildConnector, interceptors, request } = await import('undici');
  const timing: HttpTiming = {};
  const start = performance.now();
  const since = () => round(performance.now() - start);
  let phase: Phase = 'connect';
  let bodyBytes = 0;

  const baseConnect = buildConnector({ rejectUnauthorized: !options.insecure });
  // A fresh Agent per exchange, so every sample pays (and measures) its own connect and handshake.
  const agent = new Agent({
    pipelining: 0,
    connect(connectOptions, callback) {
      phase = 'connect';
      const connectStart = performance.now();
      let tcpDone: number | undefined;
      const https = connectOptions.protocol === 'https:';
      // buildConnector returns the socket it creates (undocumented in its types): listen for the TCP
      // and DNS events on it to split connect from TLS. Without it, connect includes the handshake.
      const socket = baseConnect(connectOptions, (...result) => {
        if (result[0] === null) {
          const ready = performance.now();
          tcpDone ??= ready;
          timing.connect = round(tcpDone - connectStart - (timing.dns ?? 0));
          if (https) timing.tls = round(ready - tcpDone);
          phase = 'headers';
        }
        callback(...result);
      }) as unknown as Socket | undefined;
      socket?.once('lookup', () => {
        timing.dns = round(performance.now() - connectStart);
      });
      socket?.once('connect', () => {
        tcpDone ??= performance.now();
        timing.connect ??= round(tcpDone - connectStart - (timing.dns ?? 0));
        if (https) phase = 'tls';
      });
    },
  });
  const dispatcher: Dispatcher = options.followRedirects
    ? agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }))
    : agent;

  try {
    const response = await request(options.url, {
      method: options.method,
      headers: options.headers,
      body: options.body,
      signal: options.signal,
      dispatcher,
    });
    timing.firstByte = since();
    phase = 'body';
    const chunks: Buffer[] = [];
    let bodyTruncated = false;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      const room = options.maxBodyBytes - bodyBytes;
      if (chunk.length > room) {
        // Stop reading: a huge or endless body must not hold the check (leaving the loop destroys it).
        chunks.push(chunk.subarray(0, room));
        bodyBytes += room;
        bodyTruncated = true;
        break;
      }
      chunks.push(chunk);
      bodyBytes += chunk.length;
    }
    timing.total = since();
    return {
      status: response.statusCode,
      contentType: headerValue(response.headers['content-type']),
      location: headerValue(response.headers.location),
      body: Buffer.concat(chunks).toString('utf8'),
      bodyBytes,
      bodyTruncated,
      timing,
    };
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw new HttpExchangeError(explain(error, phase, options.url, bodyBytes), outcomeOf(error), codeOf(error), timing, error);
  } finally {
    agent.destroy().catch(() => {});
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

interface ErrorLike {
  code?: string;
  message?: string;
  name?: string;
}

function codeOf(error: unknown): string | undefined {
  return (error as ErrorLike | undefined)?.code;
}

function outcomeOf(error: unknown): 'retry' | 'error' {
  const code = codeOf(error);
  return code === 'UND_ERR_INVALID_ARG' || error instanceof TypeError ? 'error' : 'retry';
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|EPROTO$|HOSTNAME_MISMATCH)/;

/** Turns a network error into one line naming the host and what went wrong where. */
export function explain(error: unknown, phase: Phase, url: string, bodyBytes = 0): string {
  const { code = '', message = String(error) } = (error ?? {}) as ErrorLike;
  const target = hostAndPort(url);
  const detail = code ? `${code}: ${firstLine(message)}` : firstLine(message);
  if (code === 'ECONNREFUSED') return `connection refused to ${target.host}:${target.port}`;
  if (DNS_CODES.has(code)) return `DNS lookup failed for ${target.host} (${code})`;
  if (TLS_CODES.test(code) || phase === 'tls') return `TLS handshake failed: ${tlsReason(message)}${code ? ` (${code})` : ''}`;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || (code === 'ETIMEDOUT' && phase === 'connect')) {
    return `connect to ${target.host}:${target.port} timed out`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${target.host}:${target.port} is unreachable (${code})`;
  const dropped = ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'].includes(code);
  // Whether the peer sent RST or FIN mid-body is a race; the detail keeps the exact code.
  if (dropped && phase === 'body') return `connection reset while reading body after ${bodyBytes} bytes (${detail})`;
  if (dropped) return `connection closed before the response headers (${detail})`;
  if (code.startsWith('HPE_')) return `invalid HTTP response (${detail})`;
  if (code === 'UND_ERR_INVALID_ARG' || error instanceof TypeError) return `invalid request: ${firstLine(message)}`;
  return `request failed while ${phase === 'body' ? 'reading the body' : `waiting for ${phase}`} (${detail})`;
}

/** OpenSSL messages carry a long prefix; keep the human part ("wrong version number"). */
function tlsReason(message: string): string {
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(message);
  return openssl?.[1] ?? firstLine(message);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

export function hostAndPort(url: string): { host: string; port: string } {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
    return { host: parsed.hostname, port };
  } catch {
    return { host: url, port: '?' };
  }
}
