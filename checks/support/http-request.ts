/**
 * One HTTP exchange, timed phase by phase (DNS, TCP connect, TLS handshake, first byte, body), with
 * redirects followed here (not by undici) so that each hop is checked: credentials never cross to
 * another origin, https never silently becomes http, a loop is named as one. The body is decoded
 * per its Content-Encoding and charset (./http-body.ts). Network faults become an HttpExchangeError
 * with a reason an on-call engineer can read, naming the host that failed; an abort of the caller's
 * signal propagates untouched.
 */
import type { Socket } from 'node:net';
// Types only here: undici (~110 CommonJS modules) is imported on the first request, so `validate`
// and runs without http checks do not pay for loading it (see BENCHMARKS.md, figure 5).
import type { Dispatcher } from 'undici';
import { BodyDecodingError, decodeText, parseContentEncoding, readDecoded } from './http-body.js';
import { isSensitiveName } from './sensitive.js';
import { formatDuration } from './duration.js';

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
  /** The URL that gave this response (differs from the requested one after redirects). */
  url: string;
  /** Every URL requested, first to last, when redirects were followed. */
  redirects: string[];
  contentType?: string;
  contentEncoding?: string;
  /** The text encoding the body was decoded with (`utf-8`, `utf-16le`, `windows-1252`…). */
  charset: string;
  location?: string;
  /** `Retry-After` as sent (seconds or an HTTP date), on 429/503 and redirects. */
  retryAfter?: string;
  /** Names of request headers dropped on a redirect to another origin. */
  droppedHeaders: string[];
  /** The decoded body as text, cut at maxBodyBytes decoded bytes. */
  body: string;
  /** Decoded bytes kept (at most maxBodyBytes). */
  bodyBytes: number;
  /** Bytes received on the wire (compressed size when Content-Encoding is set). */
  wireBytes: number;
  bodyTruncated: boolean;
  timing: HttpTiming;
}

export interface HttpRequestOptions {
  method: Dispatcher.HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string;
  followRedirects: boolean;
  /** Follow a redirect from https to http (refused by default). */
  allowInsecureRedirects?: boolean;
  insecure: boolean;
  /** Bound on the decoded body kept, bytes. */
  maxBodyBytes: number;
  signal: AbortSignal;
  /**
   * `performance.now()` time at which to give up and report the phase the exchange was in; set it
   * just before the attempt timeout so the verdict says "waiting for headers", not just "timed out".
   */
  deadlineAt?: number;
}

type Phase = 'connect' | 'tls' | 'headers' | 'body';

/** What a network fault means for the check: see the table in docs/checks/http.md. */
export type ExchangeOutcome = 'retry' | 'fail' | 'error';

export class HttpExchangeError extends Error {
  constructor(
    /** One line: `connection refused to 127.0.0.1:8080`. */
    readonly reason: string,
    /** `retry` for transient network faults, `fail` when retrying cannot help, `error` when the request or body cannot be handled. */
    readonly outcome: ExchangeOutcome,
    readonly code: string | undefined,
    readonly timing: HttpTiming,
    cause: unknown,
    /** The URL whose request failed (after redirects, not the first one). */
    readonly url?: string,
    /** `network` (incl. timeouts): no answer came; `redirect`/`decoding`: an answer came but could not be used. */
    readonly kind: 'network' | 'redirect' | 'decoding' = 'network',
  ) {
    super(reason, { cause });
    this.name = 'HttpExchangeError';
  }
}

export const MAX_REDIRECTIONS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/**
 * Request headers forwarded to another origin: content negotiation and tracing only. Every other
 * header the scenario sets is dropped there, because the check cannot tell which of them carry a
 * declared secret (`X-Tenant: ${env.TENANT_KEY}` looks like any other header).
 */
const CROSS_ORIGIN_SAFE = new Set(['accept', 'accept-language', 'content-type', 'content-language', 'user-agent', 'cache-control', 'pragma', 'traceparent', 'tracestate', 'x-request-id']);
const round = (ms: number) => Math.round(ms * 10) / 10;

class DeadlineReached extends Error {}

/** State of the exchange the error paths need: where it was when it failed. */
interface Progress {
  phase: Phase;
  url: string;
  chain: string[];
  wireBytes: number;
  timing: HttpTiming;
}

/**
 * Sends the request (following redirects when asked), reads and decodes the body.
 * @throws HttpExchangeError for network faults, refused redirects, undecodable bodies, the deadline.
 * @throws the signal's reason when `options.signal` aborts.
 */
export async function timedRequest(options: HttpRequestOptions): Promise<HttpExchange> {
  // Before the clock starts: the first call pays the module load, which is not request latency.
  const undici = await import('undici');
  const start = performance.now();
  const progress: Progress = { phase: 'connect', url: options.url, chain: [options.url], wireBytes: 0, timing: {} };
  const deadline = new AbortController();
  const timer =
    options.deadlineAt === undefined
      ? undefined
      : setTimeout(() => deadline.abort(new DeadlineReached()), Math.max(0, options.deadlineAt - performance.now()));
  const signal = AbortSignal.any([options.signal, deadline.signal]);
  try {
    return await exchange(undici, options, progress, signal, start);
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw toExchangeError(error, progress, deadline.signal.aborted, performance.now() - start);
  } finally {
    clearTimeout(timer);
  }
}

type Undici = typeof import('undici');

async function exchange(undici: Undici, options: HttpRequestOptions, progress: Progress, signal: AbortSignal, start: number): Promise<HttpExchange> {
  const since = () => round(performance.now() - start);
  let hop: Hop = { method: options.method, headers: { ...options.headers }, body: options.body };
  const dropped = new Set<string>();
  for (;;) {
    // A fresh Agent per hop (and per sample), so each one pays and measures its own connect and handshake.
    const agent = timedAgent(undici, options.insecure, progress);
    try {
      progress.phase = 'connect';
      const response = await undici.request(progress.url, { method: hop.method, headers: hop.headers, body: hop.body, signal, dispatcher: agent });
      progress.timing.firstByte = since();
      const location = headerValue(response.headers.location);
      if (options.followRedirects && REDIRECT_STATUSES.has(response.statusCode) && location) {
        await response.body.dump().catch(() => undefined);
        const next = nextHop(progress, location, response.statusCode, hop, options.allowInsecureRedirects === true);
        for (const name of next.dropped) dropped.add(name);
        hop = next.hop;
        continue;
      }
      return await readResponse(response, options, progress, since, [...dropped]);
    } finally {
      agent.destroy().catch(() => {});
    }
  }
}

async function readResponse(
  response: Dispatcher.ResponseData,
  options: HttpRequestOptions,
  progress: Progress,
  since: () => number,
  droppedHeaders: string[],
): Promise<HttpExchange> {
  progress.phase = 'body';
  const contentType = headerValue(response.headers['content-type']);
  const contentEncoding = headerValue(response.headers['content-encoding']);
  let codings: string[];
  try {
    codings = parseContentEncoding(contentEncoding);
  } catch (error) {
    // Not read, so dropped; destroying an unread body emits 'error', which must have a listener.
    response.body.on('error', () => undefined);
    response.body.destroy();
    throw error;
  }
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      progress.wireBytes += chunk.length;
      yield chunk;
    }
  }
  const decoded = await readDecoded(counted(), codings, options.maxBodyBytes);
  progress.timing.total = since();
  const text = decodeText(decoded.bytes, contentType, decoded.truncated);
  return {
    status: response.statusCode,
    url: progress.url,
    redirects: progress.chain.length > 1 ? [...progress.chain] : [],
    contentType,
    contentEncoding,
    charset: text.unknownCharset ? `utf-8 (unknown charset ${JSON.stringify(text.unknownCharset)})` : text.charset,
    location: headerValue(response.headers.location),
    retryAfter: headerValue(response.headers['retry-after']),
    droppedHeaders,
    body: text.text,
    bodyBytes: decoded.bytes.length,
    wireBytes: decoded.wireBytes,
    bodyTruncated: decoded.truncated,
    timing: progress.timing,
  };
}

interface Hop {
  method: Dispatcher.HttpMethod;
  headers: Record<string, string>;
  body?: string;
}

/** A redirect refused or broken: carries its own outcome. */
class RedirectProblem extends Error {
  constructor(
    readonly reason: string,
    readonly outcome: ExchangeOutcome,
    readonly code: string,
  ) {
    super(reason);
  }
}

/**
 * The request for the next hop of a redirect (RFC 9110 §15.4): 303, and 301/302 after a POST,
 * become a GET without body; on an origin change only CROSS_ORIGIN_SAFE headers that are not
 * sensitive-named go along. Updates `progress.url` and the chain.
 * @throws RedirectProblem for a loop, too many redirects, a downgrade to http, a bad Location.
 */
function nextHop(progress: Progress, location: string, status: number, hop: Hop, allowInsecure: boolean): { hop: Hop; dropped: string[] } {
  const from = new URL(progress.url);
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new RedirectProblem(`redirect ${status} to an invalid Location ${JSON.stringify(location)}`, 'fail', 'REDIRECT_INVALID');
  }
  const chain = [...progress.chain, to.href];
  if (to.protocol !== 'http:' && to.protocol !== 'https:') {
    throw new RedirectProblem(`redirect ${status} to a non-HTTP URL ${to.protocol}… (${describeChain(chain)})`, 'fail', 'REDIRECT_SCHEME');
  }
  if (from.protocol === 'https:' && to.protocol === 'http:' && !allowInsecure) {
    throw new RedirectProblem(
      `refused redirect from https to plain http (${describeChain(chain)}); set allowInsecureRedirects: true to follow it`,
      'fail',
      'REDIRECT_DOWNGRADE',
    );
  }
  if (progress.chain.includes(to.href)) {
    throw new RedirectProblem(`redirect loop: ${to.href} was already visited (${describeChain(chain)})`, 'retry', 'REDIRECT_LOOP');
  }
  if (progress.chain.length > MAX_REDIRECTIONS) {
    throw new RedirectProblem(`redirect loop: more than ${MAX_REDIRECTIONS} redirects (${describeChain(chain)})`, 'retry', 'REDIRECT_LOOP');
  }
  progress.chain = chain;
  progress.url = to.href;

  const toGet = (status === 303 && hop.method !== 'HEAD') || ((status === 301 || status === 302) && hop.method === 'POST');
  const headers: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(hop.headers)) {
    const lower = name.toLowerCase();
    const crossOrigin = from.origin !== to.origin;
    if (toGet && (lower === 'content-type' || lower === 'content-length')) continue;
    if (lower === 'host' || (crossOrigin && (isSensitiveName(name) || !CROSS_ORIGIN_SAFE.has(lower)))) {
      if (crossOrigin) dropped.push(name);
      continue;
    }
    headers[name] = value;
  }
  return { hop: { method: toGet ? 'GET' : hop.method, headers, body: toGet ? undefined : hop.body }, dropped };
}

const CHAIN_SHOWN = 12;

/** `a → b → a`, shortened in the middle when long. */
export function describeChain(chain: string[]): string {
  const shown = chain.length > CHAIN_SHOWN ? [...chain.slice(0, 5), `… ${chain.length - 10} more …`, ...chain.slice(-5)] : chain;
  return shown.join(' → ');
}

function timedAgent(undici: Undici, insecure: boolean, progress: Progress): Dispatcher {
  const { timing } = progress;
  const baseConnect = undici.buildConnector({ rejectUnauthorized: !insecure });
  return new undici.Agent({
    pipelining: 0,
    connect(connectOptions, callback) {
      progress.phase = 'connect';
      const connectStart = performance.now();
      let tcpDone: number | undefined;
      let dns: number | undefined;
      const https = connectOptions.protocol === 'https:';
      // buildConnector returns the socket it creates (undocumented in its types): listen for the TCP
      // and DNS events on it to split connect from TLS. Without it, connect includes the handshake.
      const socket = baseConnect(connectOptions, (...result) => {
        if (result[0] === null) {
          const ready = performance.now();
          tcpDone ??= ready;
          timing.connect = round(tcpDone - connectStart - (dns ?? 0));
          if (https) timing.tls = round(ready - tcpDone);
          progress.phase = 'headers';
        }
        callback(...result);
      }) as unknown as Socket | undefined;
      socket?.once('lookup', () => {
        dns = round(performance.now() - connectStart);
        timing.dns = dns;
      });
      socket?.once('connect', () => {
        tcpDone ??= performance.now();
        timing.connect = round(tcpDone - connectStart - (dns ?? 0));
        if (https) progress.phase = 'tls';
      });
    },
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function toExchangeError(error: unknown, progress: Progress, deadlineReached: boolean, elapsedMs: number): HttpExchangeError {
  const { timing, url } = progress;
  if (error instanceof RedirectProblem) return new HttpExchangeError(error.reason, error.outcome, error.code, timing, error, url, 'redirect');
  if (error instanceof BodyDecodingError) return new HttpExchangeError(error.reason, 'error', 'BODY_DECODING', timing, error, url, 'decoding');
  // After a redirect, the host that failed is the last hop's: name it and the way there.
  const { host, port } = hostAndPort(url);
  const after = progress.chain.length > 1 ? ` (request to ${host}:${port} after redirects: ${describeChain(progress.chain)})` : '';
  if (deadlineReached) {
    return new HttpExchangeError(`${deadlineReason(progress, elapsedMs)}${after}`, 'retry', `TIMEOUT_${progress.phase.toUpperCase()}`, timing, error, url);
  }
  return new HttpExchangeError(`${explain(error, progress.phase, url, progress.wireBytes)}${after}`, outcomeOf(error), codeOf(error), timing, error, url);
}

/** The attempt's time ran out: say in which phase, which is what tells a slow app from a dead network. */
function deadlineReason(progress: Progress, elapsedMs: number): string {
  const { host, port } = hostAndPort(progress.url);
  const within = formatDuration(Math.round(elapsedMs));
  const connected = progress.timing.connect !== undefined ? ` (connected in ${formatDuration(progress.timing.connect)})` : '';
  switch (progress.phase) {
    case 'connect':
      return `timed out connecting to ${host}:${port}: no TCP connection within ${within}`;
    case 'tls':
      return `timed out in the TLS handshake with ${host}:${port} after ${within}`;
    case 'headers':
      return `timed out waiting for the response headers from ${host}:${port} after ${within}${connected}`;
    case 'body':
      return `timed out reading the body from ${host}:${port} after ${within}: ${progress.wireBytes} bytes received, then nothing (headers came after ${formatDuration(progress.timing.firstByte ?? 0)})`;
  }
}

interface ErrorLike {
  code?: string;
  message?: string;
  name?: string;
}

function codeOf(error: unknown): string | undefined {
  return (error as ErrorLike | undefined)?.code;
}

/**
 * `error` for a request undici refuses to send; `retry` for every network fault, TLS included: a
 * certificate can change during a rollout (a new one attached to the listener, DNS moving to the
 * new load balancer), and the retry budget bounds the wait.
 */
export function outcomeOf(error: unknown): ExchangeOutcome {
  const code = codeOf(error) ?? '';
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
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return `timed out waiting for the response headers from ${target.host}:${target.port} (${code})`;
  if (code === 'UND_ERR_BODY_TIMEOUT') return `timed out reading the body from ${target.host}:${target.port} after ${bodyBytes} bytes (${code})`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${target.host}:${target.port} is unreachable (${code})`;
  const dropped = ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'].includes(code);
  // Whether the peer sent RST or FIN mid-body is a race; the detail keeps the exact code.
  if (dropped && phase === 'body') return `connection reset while reading body after ${bodyBytes} bytes (${detail})`;
  if (dropped) return `connection closed before the response headers (${detail})`;
  if (code.startsWith('HPE_') || (error as ErrorLike | undefined)?.name === 'HTTPParserError') return `invalid HTTP response (${detail})`;
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
