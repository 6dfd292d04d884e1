/**
 * redis-ping: connect (TCP, TLS for rediss://, AUTH when the URL has a password) and expect PONG.
 * The URL's password is registered as a secret and never printed: URLs are shown as
 * `redis://:***@host:port`.
 */
import { z } from 'zod';
import { durationSchema, formatDuration } from './support/duration.js';
import { defineCheck, type AttemptResult, type CheckContext } from './types.js';
import { albBreached, httpTimedOutOrSlow } from './support/relations.js';

const DEFAULT_ANSWER_TIMEOUT_MS = 5000;

const schema = z.strictObject({
  url: z
    .string()
    // The message must not echo the input: it may already hold a password.
    .regex(/^rediss?:\/\/\S+$/, { error: 'expected a redis:// or rediss:// URL, e.g. "rediss://:${env.REDIS_AUTH_TOKEN}@host:6379"' })
    .meta({
      description:
        'redis://[[user]:password@]host[:port][/db], or rediss:// for TLS (ElastiCache in-transit encryption). ' +
        'Take the password from the environment: "rediss://:${env.REDIS_AUTH_TOKEN}@host:6379". It is masked in all output.',
    }),
  connectTimeout: durationSchema
    .optional()
    .meta({ description: 'How long to wait for the connection (TCP, TLS, AUTH) and the PONG. Default "5s"; the attempt timeout still applies.' }),
});

type Spec = z.output<typeof schema>;

/** `redis://user:secret@host:6379` → `redis://user:***@host:6379`; URLs without a password unchanged. */
export function maskRedisUrl(url: string): string {
  // Greedy up to the last '@' of the authority, as URL parsers do: a raw '@' in a password stays masked.
  return url.replace(/^(rediss?:\/\/)([^/]*)@/i, (whole, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? whole : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

export const redisPing = defineCheck({
  type: 'redis-ping',
  summary: 'Redis answers PING with PONG (TLS with rediss://, AUTH with a password in the URL).',
  schema,
  evidence: 'state',
  describe: (spec: Spec) => `Redis at ${maskRedisUrl(spec.url)} answers PING with PONG`,
  explains: [
    { effect: 'logs-absent', because: 'Redis does not answer, so the service logs connection errors' },
    { effect: 'http', because: 'Redis does not answer, so requests that use it wait for its timeout', when: (_, effect) => httpTimedOutOrSlow(effect) },
    { effect: 'alb-targets-healthy', because: 'Redis does not answer, so health checks that ping it time out' },
    { effect: 'alb-metrics', because: 'Redis does not answer, so requests that use it fail or wait for its timeout', when: (_, effect) => albBreached(effect, '5xx', 'latency') },
  ],
  async run(spec, ctx) {
    const masked = maskRedisUrl(spec.url);
    let parsed: URL;
    try {
      parsed = new URL(spec.url);
    } catch {
      return { outcome: 'error', message: `not a valid Redis URL: ${masked}` };
    }
    registerPassword(parsed, ctx);
    const target: Target = {
      masked,
      host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(parsed.port || 6379),
      tls: parsed.protocol === 'rediss:',
      hasPassword: parsed.password !== '',
      username: parsed.username ? safeDecode(parsed.username) : undefined,
    };
    return ping(spec, target, ctx);
  },
});

interface Target {
  masked: string;
  host: string;
  port: number;
  tls: boolean;
  hasPassword: boolean;
  username?: string;
}

interface Timings {
  stage: 'connect' | 'ping';
  connectMs?: number;
  pingMs?: number;
}

function registerPassword(url: URL, ctx: CheckContext): void {
  if (!url.password) return;
  ctx.addSecret(url.password);
  const decoded = safeDecode(url.password);
  if (decoded !== url.password) ctx.addSecret(decoded);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The reason `answerWithin` gives up: the server connected (or not) but never answered in time. */
class NoAnswerError extends Error {
  constructor(readonly afterMs: number) {
    super(`no answer within ${formatDuration(afterMs)}`);
    this.name = 'NoAnswerError';
  }
}

async function ping(spec: Spec, target: Target, ctx: CheckContext): Promise<AttemptResult> {
  ctx.signal.throwIfAborted();
  const redis = await import('redis');
  const limitMs = spec.connectTimeout ?? DEFAULT_ANSWER_TIMEOUT_MS;
  // client.destroy() misses a socket that is still connecting, so the socket gets its own signal:
  // aborted with the attempt, or by us once the attempt is over.
  const done = new AbortController();
  const socketSignal = AbortSignal.any([ctx.signal, done.signal]);
  const common = { connectTimeout: limitMs, reconnectStrategy: false as const, signal: socketSignal };
  let client: ReturnType<typeof redis.createClient>;
  try {
    client = redis.createClient({
      url: spec.url,
      // RESP2 (AUTH, not HELLO) also works with Redis < 6; no CLIENT SETINFO round trips.
      RESP: 2,
      disableClientInfo: true,
      socket: target.tls ? { ...common, tls: true } : common,
    });
  } catch (error) {
    // e.g. a database path that is not a number: node-redis's messages never include the URL.
    return { outcome: 'error', message: `not a valid Redis URL: ${target.masked} (${(error as Error).message})` };
  }
  // Without a listener, node-redis's 'error' event would crash the process.
  client.on('error', (error: Error) => ctx.log.debug(`redis-ping ${target.masked}: ${error.message}`));
  const timings: Timings = { stage: 'connect' };
  try {
    const reply = await answerWithin(exchange(client, timings), ctx.signal, limitMs);
    return judgeReply(reply, target, timings);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    return judgeError(error, target, timings, limitMs, redis);
  } finally {
    done.abort();
    try {
      client.destroy();
    } catch {
      // already closed (a failed connect closes the client itself)
    }
  }
}

interface PingClient {
  connect(): Promise<unknown>;
  ping(): Promise<string>;
}

async function exchange(client: PingClient, timings: Timings): Promise<string> {
  const connectStart = performance.now();
  await client.connect();
  timings.connectMs = round(performance.now() - connectStart);
  timings.stage = 'ping';
  const pingStart = performance.now();
  const reply = await client.ping();
  timings.pingMs = round(performance.now() - pingStart);
  return reply;
}

/**
 * Settles with `work`, or rejects with the signal's reason on abort, or with NoAnswerError after
 * `ms`; removes its timer and listener either way so nothing keeps the process alive.
 */
function answerWithin<T>(work: Promise<T>, signal: AbortSignal, ms: number): Promise<T> {
  // The losing `work` rejects later (the client is destroyed): that must not be unhandled.
  work.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => settle(() => reject(new NoAnswerError(ms))), ms);
    const onAbort = () => settle(() => reject(signal.reason));
    function settle(how: () => void) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      how();
    }
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

function judgeReply(reply: string, target: Target, timings: Timings): AttemptResult {
  const ok = reply === 'PONG';
  const timing = `connect ${formatDuration(timings.connectMs ?? 0)}, ping ${formatDuration(timings.pingMs ?? 0)}`;
  return {
    outcome: ok ? 'pass' : 'fail',
    message: ok
      ? `Redis at ${target.masked} answered PONG (${timing})`
      : `Redis at ${target.masked} answered ${JSON.stringify(reply)} to PING, expected PONG`,
    observations: [{ what: 'PING reply', expected: 'PONG', actual: reply, ok }],
    details: details(target, timings),
    facts: facts(target, ok ? undefined : 'unexpected-reply'),
  };
}

type RedisModule = typeof import('redis');

function judgeError(error: unknown, target: Target, timings: Timings, limitMs: number, redis: RedisModule): AttemptResult {
  const where = `${target.host}:${target.port}`;
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | undefined)?.code;
  const base = { details: { ...details(target, timings), error: text }, nextSteps: [redisCli(target)] };
  const observe = (actual: string) => [{ what: `PING to ${where}`, expected: 'PONG', actual, ok: false }];

  if (error instanceof redis.ErrorReply) {
    const reply = classifyErrorReply(text, target.hasPassword);
    const message =
      reply.failure === 'auth' ? `Redis at ${target.masked} refused authentication: ${reply.meaning}`
      : reply.outcome === 'retry' ? `Redis at ${target.masked} is not ready: ${reply.meaning} (${text})`
      : reply.failure === 'error-reply' ? `Redis at ${target.masked} answered with an error: ${text}`
      : `Redis at ${target.masked} refused PING: ${reply.meaning} (${text})`;
    return { outcome: reply.outcome, message, observations: observe(text), ...base, facts: facts(target, reply.failure) };
  }
  if (error instanceof NoAnswerError || error instanceof redis.ConnectionTimeoutError) {
    const stage = timings.stage === 'ping' ? 'connected, but no reply to PING' : 'no connection';
    const tlsHint = target.tls && timings.stage === 'connect' ? '; with rediss:// this is also what a server without TLS looks like' : '';
    return {
      outcome: 'retry',
      message: `no answer from ${where} within ${formatDuration(limitMs)} (${stage}${tlsHint})`,
      observations: observe('no answer'),
      ...base,
      facts: facts(target, 'timeout'),
    };
  }
  if (code === 'ECONNREFUSED') {
    return { outcome: 'retry', message: `connection refused to ${where}`, observations: observe('connection refused'), ...base, facts: facts(target, 'refused') };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { outcome: 'retry', message: `cannot resolve ${target.host} (${code})`, observations: observe(code), ...base, facts: facts(target, 'dns') };
  }
  if ((typeof code === 'string' && code.startsWith('ERR_TLS')) || /certificate|SSL|TLS/i.test(text)) {
    return { outcome: 'fail', message: `TLS handshake with ${where} failed: ${text}`, observations: observe(text), ...base, facts: facts(target, 'tls') };
  }
  const closedOnUs = error instanceof redis.SocketClosedUnexpectedlyError || code === 'ECONNRESET';
  const hint = !target.tls && closedOnUs ? ' (if in-transit encryption is on, use rediss://)' : '';
  return { outcome: 'retry', message: `connection to ${where} failed: ${text}${hint}`, observations: observe(text), ...base, facts: facts(target, 'connection') };
}

/** What an error reply means for the check: see the table in docs/checks/redis-ping.md. */
export interface ReplyOutcome {
  outcome: 'retry' | 'fail';
  /** `facts.failure`: `auth`, `loading`, `busy`… */
  failure: string;
  /** One phrase for the message. */
  meaning: string;
}

/**
 * Error replies by their first word (or text), with the outcome the Redis documentation implies:
 * states Redis leaves by itself (loading, a busy script, a replica resyncing, a failover, cluster
 * reconfiguration, a full client table) are `retry`; refused credentials and permissions are
 * `fail`, since the same credentials are refused again.
 */
const ERROR_REPLIES: [match: RegExp, outcome: ReplyOutcome][] = [
  [/^LOADING\b/, { outcome: 'retry', failure: 'loading', meaning: 'it is loading its dataset into memory (after a restart or a failover)' }],
  [/^BUSY\b/, { outcome: 'retry', failure: 'busy', meaning: 'a script or function has run longer than busy-reply-threshold (it may end, or be stopped with SCRIPT KILL)' }],
  [/^MASTERDOWN\b/, { outcome: 'retry', failure: 'masterdown', meaning: 'this replica lost its link to the primary and does not serve stale data' }],
  [/^READONLY\b/, { outcome: 'retry', failure: 'readonly', meaning: 'this is a read-only replica (a failover in progress, or a reader endpoint)' }],
  [/^TRYAGAIN\b/, { outcome: 'retry', failure: 'cluster', meaning: 'the cluster is resharding' }],
  [/^CLUSTERDOWN\b/, { outcome: 'retry', failure: 'cluster', meaning: 'the cluster is down or a hash slot is not served' }],
  [/^(MOVED|ASK)\b/, { outcome: 'retry', failure: 'cluster', meaning: 'the cluster topology is changing (a slot moved)' }],
  [/^ERR max number of clients reached/i, { outcome: 'retry', failure: 'maxclients', meaning: 'it has reached maxclients connections' }],
  [/^WRONGPASS\b/, { outcome: 'fail', failure: 'auth', meaning: 'wrong password or user (WRONGPASS)' }],
  [/^NOAUTH\b/, { outcome: 'fail', failure: 'auth', meaning: 'a password is required but the URL has none (NOAUTH)' }],
  [/without any password configured/i, { outcome: 'fail', failure: 'auth', meaning: 'the URL has a password but the server has none configured' }],
  [/^ERR invalid password/i, { outcome: 'fail', failure: 'auth', meaning: 'invalid password' }],
  [/^NOPERM\b/, { outcome: 'fail', failure: 'noperm', meaning: 'the ACL user may not run PING' }],
  [/^DENIED\b/, { outcome: 'fail', failure: 'denied', meaning: 'the server runs in protected mode and refuses this client' }],
];

/**
 * The outcome of an error reply to the connection's commands (AUTH, SELECT, PING). An unknown
 * error reply is `fail` (`error-reply`): Redis answered, and not with PONG.
 */
export function classifyErrorReply(text: string, hasPassword: boolean): ReplyOutcome {
  const known = ERROR_REPLIES.find(([match]) => match.test(text));
  if (known) return known[1];
  if (hasPassword && /^ERR.*\bAUTH\b/i.test(text)) return { outcome: 'fail', failure: 'auth', meaning: text };
  return { outcome: 'fail', failure: 'error-reply', meaning: text };
}

function details(target: Target, timings: Timings): Record<string, unknown> {
  return {
    url: target.masked,
    tls: target.tls,
    ...(timings.connectMs !== undefined ? { connectMs: timings.connectMs } : {}),
    ...(timings.pingMs !== undefined ? { pingMs: timings.pingMs } : {}),
  };
}

function facts(target: Target, failure?: string): Record<string, unknown> {
  return { host: target.host, port: target.port, tls: target.tls, ...(failure ? { failure } : {}) };
}

/** The same probe by hand; --askpass keeps the password out of shell history. */
function redisCli(target: Target): string {
  const user = target.username ? ` --user ${target.username}` : '';
  return `redis-cli -h ${target.host} -p ${target.port}${target.tls ? ' --tls' : ''}${user}${target.hasPassword ? ' --askpass' : ''} PING`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
