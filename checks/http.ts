/**
 * `http`: sends a request (optionally several samples, each on a fresh connection) and judges the
 * status, the latency percentile, body text and JSON paths.
 */
import { z } from 'zod';
import { durationSchema, formatDuration } from './support/duration.js';
import { defineCheck, type AttemptResult, type CheckContext, type FailureView } from './types.js';
import { httpServerError, httpTimedOutOrSlow } from './support/relations.js';
import { HttpExchangeError, hostAndPort, timedRequest, type HttpExchange } from './support/http-request.js';
import {
  MAX_SEARCHED,
  bodyContainsVerdicts,
  bodyExcerpt,
  bodyNotContainsVerdicts,
  describeJsonExpectation,
  describeStatus,
  jsonVerdicts,
  latencyVerdict,
  percentileOf,
  statusVerdict,
  type Redact,
  type Verdict,
} from './support/http-expectations.js';
import { isSensitiveName } from './support/sensitive.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_BODY_BYTES = MAX_SEARCHED;
const DETAILS_EXCERPT = 2000;
const DEFAULT_PERCENTILE = 95;

/** An absolute http(s) URL (the runner interpolates `${...}` before validating). */
function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'http:' || protocol === 'https:';
}

const statusCode = z.int().min(100).max(599);
const oneOrMoreTexts = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const expectSchema = z
  .strictObject({
    status: z
      .union([statusCode, z.array(statusCode).min(1)])
      .optional()
      .meta({ description: 'Expected status code, or a list of acceptable codes. Default: any 2xx.', examples: [200, [200, 204]] }),
    maxLatency: durationSchema
      .optional()
      .meta({ description: 'Highest acceptable latency (request start to body read). With `samples` > 1 it applies to the `percentile` of the samples.', examples: ['1s', '500ms'] }),
    bodyContains: oneOrMoreTexts
      .optional()
      .meta({ description: 'Text (or texts) the body must contain. The body is decoded first (Content-Encoding gzip/deflate/br, charset); only the first 1 MiB of the decoded body is searched.' }),
    bodyNotContains: oneOrMoreTexts
      .optional()
      .meta({
        description:
          'Text (or texts) that marks a known-bad response. A match fails the check at once, without retries. A body cut at 1 MiB cannot prove the text absent: the check errors.',
        examples: ['HuggingFace token not configured'],
      }),
    json: z
      .record(
        z.string().regex(/^\$/, { error: 'a JSONPath starts with "$", e.g. "$.status"' }),
        z.union([z.strictObject({ exists: z.boolean() }), z.json()]),
      )
      .optional()
      .meta({
        description:
          'JSONPath → expected value (compared deeply), or `{ exists: true|false }`. A definite path (`$.a.b`, `$.a[0]`) yields its value; a path with a wildcard, filter, recursive descent, slice or union always yields the list of its matches, even of one or none. The body must be valid JSON.',
        examples: [{ '$.prediction': { exists: true }, '$.status': 'ok' }],
      }),
  })
  .meta({ description: 'What the response must look like. Every expectation is checked and reported.' });

const schema = z
  .strictObject({
    method: z.enum(METHODS).default('GET').meta({ description: 'HTTP method.' }),
    url: z
      .string()
      .refine(isHttpUrl, {
        error: (issue) => `expected an absolute http:// or https:// URL, got ${JSON.stringify(issue.input)}`,
      })
      .meta({ description: 'Absolute http:// or https:// URL to request.', examples: ['http://127.0.0.1:8080/health'] }),
    headers: z
      .record(z.string().regex(HEADER_NAME, { error: 'not a valid HTTP header name' }), z.string())
      .optional()
      .meta({
        description:
          'Request headers. Values are never printed; values of credential-named headers (Authorization, Cookie, X-API-Key, *-Token, *-Secret, *-Key…) are also masked wherever they appear.',
      }),
    json: z
      .json()
      .optional()
      .meta({ description: 'Request body sent as JSON (sets `Content-Type: application/json` unless a header sets it). Excludes `body`.' }),
    body: z.string().optional().meta({ description: 'Raw request body. Excludes `json`.' }),
    samples: z
      .int()
      .min(1)
      .max(100)
      .default(1)
      .meta({ description: 'Requests per attempt, one after another, each on a fresh connection. Latency is judged on a percentile of them.' }),
    percentile: z
      .number()
      .gt(0)
      .max(100)
      .optional()
      .meta({ description: 'Which latency percentile `maxLatency` applies to when `samples` > 1 (nearest rank). Default 95.' }),
    followRedirects: z
      .boolean()
      .default(false)
      .meta({
        description:
          'Follow 3xx redirects (up to 10). Off by default so a redirect to a login page is seen, not hidden. On a redirect to another origin, only content-negotiation headers (Accept, Content-Type, User-Agent…) go along; the others, which may carry credentials, are dropped.',
      }),
    allowInsecureRedirects: z
      .boolean()
      .default(false)
      .meta({ description: 'With `followRedirects`, also follow a redirect from https:// to plain http:// (refused by default: the check fails).' }),
    insecure: z
      .boolean()
      .default(false)
      .meta({ description: 'Accept any TLS certificate (self-signed, wrong host). The handshake is still timed.' }),
    expect: expectSchema.optional(),
  })
  .refine((spec) => spec.json === undefined || spec.body === undefined, {
    error: '`json` and `body` are mutually exclusive: send one request body',
    path: ['body'],
  })
  .refine((spec) => spec.percentile === undefined || spec.samples > 1, {
    error: '`percentile` needs `samples` greater than 1',
    path: ['percentile'],
  })
  .refine((spec) => !spec.allowInsecureRedirects || spec.followRedirects, {
    error: '`allowInsecureRedirects` needs `followRedirects: true`',
    path: ['allowInsecureRedirects'],
  });

type HttpSpec = z.output<typeof schema>;
type Expectations = NonNullable<HttpSpec['expect']>;

const texts = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat());
const percentileOfSpec = (spec: HttpSpec) => spec.percentile ?? DEFAULT_PERCENTILE;

/**
 * The URL as the check prints it: the userinfo password and the values of credential-named query
 * parameters (`?api_key=`, `?token=`, `?X-Amz-Signature=`) replaced by `***`, the rest as written.
 */
export function displayUrl(url: string): string {
  const userinfo = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@]*?:)[^/?#@]*@/i, `$1${MASK}@`);
  return userinfo.replace(/([?&])([^=&#]+)=([^&#]*)/g, (whole, lead: string, name: string) =>
    isSensitiveName(safeDecode(name)) ? `${lead}${name}=${MASK}` : whole,
  );
}

const MASK = '***';

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const label = (spec: HttpSpec) => `${spec.method} ${displayUrl(spec.url)}`;

function describe(spec: HttpSpec): string {
  const expect = spec.expect ?? {};
  let text = `${label(spec)} → ${describeStatus(expect.status)}`;
  if (expect.maxLatency !== undefined) text += ` within ${formatDuration(expect.maxLatency)}`;
  if (spec.samples > 1) {
    text += expect.maxLatency !== undefined ? ` (p${percentileOfSpec(spec)} of ${spec.samples})` : ` (${spec.samples} samples)`;
  }
  const extras = [
    ...texts(expect.bodyContains).map((needle) => `body contains ${JSON.stringify(needle)}`),
    ...texts(expect.bodyNotContains).map((needle) => `body lacks ${JSON.stringify(needle)}`),
    ...Object.entries(expect.json ?? {}).map(([path, value]) => `${path} ${describeJsonExpectation(value)}`),
  ];
  return extras.length ? `${text}, ${extras.join(', ')}` : text;
}

function requestHeaders(spec: HttpSpec): Record<string, string> {
  const headers = { ...spec.headers };
  const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (spec.json !== undefined && !hasContentType) headers['content-type'] = 'application/json';
  return headers;
}

/** Every credential in the request: sensitive-named header values, the URL's password, sensitive query values. */
export function requestSecrets(spec: Pick<HttpSpec, 'url' | 'headers'>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (isSensitiveName(name) && value.trim()) found.push(value);
  }
  if (URL.canParse(spec.url)) {
    const url = new URL(spec.url);
    if (url.password) found.push(url.password, safeDecode(url.password));
    for (const [name, value] of url.searchParams) if (isSensitiveName(name) && value.trim()) found.push(value);
  }
  return [...new Set(found)];
}

/**
 * Registers the request's secrets with the run (before the check prints anything) and returns the
 * redaction to apply to raw text before it is folded or cut: the secrets this request carries (as
 * sent and JSON-escaped, even under the masker's minimum length), then the run's masker.
 */
function registerSecrets(spec: HttpSpec, ctx: CheckContext): Redact {
  const secrets = requestSecrets(spec);
  for (const secret of secrets) ctx.addSecret(secret);
  const forms = [...new Set(secrets.flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]))]
    .filter((form) => form.trim().length > 0)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const form of forms) out = out.split(form).join(MASK);
    return ctx.mask(out);
  };
}

function responseVerdicts(expect: Expectations, exchange: HttpExchange, redact: Redact): Verdict[] {
  const status = statusVerdict(exchange.status, expect.status, exchange.retryAfter);
  if (!status.observation.ok && exchange.location && exchange.status >= 300 && exchange.status < 400) {
    status.reason += ` (redirect to ${displayUrl(exchange.location)}; set followRedirects: true to follow)`;
  }
  return [
    status,
    ...bodyContainsVerdicts(exchange.body, texts(expect.bodyContains), exchange.bodyTruncated),
    ...bodyNotContainsVerdicts(exchange.body, texts(expect.bodyNotContains), exchange.bodyTruncated),
    ...jsonVerdicts(exchange.body, expect.json ?? {}, exchange.bodyTruncated, redact),
  ];
}

/** `X-API-Key` → `X_API_KEY`: the environment variable a next-step command reads a header value from. */
export function envNameOf(header: string): string {
  const name = header.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[0-9]/.test(name) || name === '' ? `H_${name}` : name;
}

const singleQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * The same request by hand with curl's timing breakdown. Nothing secret is ever shell-quoted into
 * it (quoting would change the secret into a form masking misses): scenario header values are
 * referenced as environment variables (`-H 'X-API-Key: '"$X_API_KEY"`), credentials in the URL
 * are `***`, and a URL that would need quoting at all is referenced as "$URL".
 */
export function curlTimingCommand(spec: Pick<HttpSpec, 'method' | 'url' | 'headers' | 'json' | 'body' | 'followRedirects'>): string {
  const format = 'status %{http_code} connect %{time_connect}s tls %{time_appconnect}s first byte %{time_starttransfer}s total %{time_total}s\\n';
  const shown = displayUrl(spec.url);
  const url = shown.includes("'") ? '"$URL"' : `'${shown}'`;
  const method = spec.method === 'GET' ? '' : ` -X ${spec.method}`;
  const redirects = spec.followRedirects ? ' -L' : '';
  const headers = Object.keys(spec.headers ?? {})
    .map((name) => ` -H ${singleQuote(`${name}: `)}"$${envNameOf(name)}"`)
    .join('');
  const notes = [
    ...(shown.includes("'") ? ['URL: the check\'s url'] : []),
    ...(spec.headers && Object.keys(spec.headers).length ? ['set the header variables first'] : []),
    ...(spec.json !== undefined || spec.body !== undefined ? ["plus the scenario's request body"] : []),
  ];
  return `curl -sS${method}${redirects}${headers} -o /dev/null -w '${format}' ${url}${notes.length ? `   # ${notes.join('; ')}` : ''}`;
}

function sampleNote(spec: HttpSpec, sample: number): string {
  return spec.samples > 1 ? ` (sample ${sample} of ${spec.samples})` : '';
}

/** pass when every verdict holds; fail when one is definitive; error when one cannot be judged; else retry. */
function outcomeOf(failed: Verdict[]): AttemptResult['outcome'] {
  if (failed.length === 0) return 'pass';
  if (failed.some((v) => v.definitive)) return 'fail';
  return failed.some((v) => v.undecidable) ? 'error' : 'retry';
}

interface Judged {
  spec: HttpSpec;
  exchanges: HttpExchange[];
  verdicts: Verdict[];
  redact: Redact;
  failedSample?: number;
}

function judge({ spec, exchanges, verdicts, redact, failedSample }: Judged): AttemptResult {
  const latencies = exchanges.map((exchange) => exchange.timing.total ?? 0);
  const judgedLatency = latencies.length > 1 ? percentileOf(latencies, percentileOfSpec(spec)) : latencies[0];
  // The sample whose timing is shown: the failing one, or the one at the judged percentile.
  const shown = (failedSample === undefined ? exchanges.find((e) => e.timing.total === judgedLatency) : undefined) ?? exchanges.at(-1)!;
  const failed = verdicts.filter((v) => !v.observation.ok);
  const outcome = outcomeOf(failed);

  let message: string;
  if (outcome === 'pass') {
    const latency =
      exchanges.length > 1
        ? `p${percentileOfSpec(spec)} latency ${formatDuration(judgedLatency ?? 0)} over ${exchanges.length} samples`
        : `in ${formatDuration(judgedLatency ?? 0)}`;
    message = `${label(spec)} → ${shown.status}${exchanges.length > 1 ? ', ' : ' '}${latency}`;
  } else {
    const reasons = failed.flatMap((v) => (v.reason ? [v.reason] : [])).join('; ');
    const body = failed.some((v) => v.showBody) ? `, body: ${bodyExcerpt(shown.body, undefined, redact)}` : '';
    message = `${label(spec)}: ${reasons}${failedSample !== undefined ? sampleNote(spec, failedSample) : ''}${body}`;
  }

  const { host, port } = hostAndPort(shown.url);
  const authRejected = verdicts.some((v) => v.observation.what === 'status' && v.definitive && [401, 403, 407].includes(shown.status));
  return {
    outcome,
    message,
    observations: verdicts.map((v) => v.observation),
    details: {
      method: spec.method,
      url: displayUrl(spec.url),
      status: shown.status,
      timing: shown.timing,
      ...(shown.redirects.length ? { redirects: shown.redirects.map(displayUrl) } : {}),
      ...(shown.droppedHeaders.length ? { droppedHeaders: shown.droppedHeaders } : {}),
      ...(spec.samples > 1 ? { samples: exchanges.map((e) => ({ status: e.status, timing: e.timing })) } : {}),
      response: {
        contentType: shown.contentType,
        ...(shown.contentEncoding ? { contentEncoding: shown.contentEncoding, wireBytes: shown.wireBytes } : {}),
        charset: shown.charset,
        location: shown.location === undefined ? undefined : displayUrl(shown.location),
        ...(shown.retryAfter ? { retryAfter: shown.retryAfter } : {}),
        bodyBytes: shown.bodyBytes,
        bodyTruncated: shown.bodyTruncated,
        bodyExcerpt: bodyExcerpt(shown.body, DETAILS_EXCERPT, redact),
      },
    },
    facts: { url: displayUrl(shown.url), host, port: Number(port), status: shown.status, latencyMs: judgedLatency, maxLatencyMs: spec.expect?.maxLatency },
    ...(authRejected
      ? { fix: { summary: `the server rejected the credentials (HTTP ${shown.status}): check the auth header value the scenario sends` } }
      : {}),
    ...(outcome === 'pass' ? {} : { nextSteps: [curlTimingCommand(spec)] }),
  };
}

function networkFailure(spec: HttpSpec, error: HttpExchangeError, sample: number): AttemptResult {
  const failedUrl = error.url ?? spec.url;
  const { host, port } = hostAndPort(failedUrl);
  return {
    outcome: error.outcome,
    message: `${label(spec)}: ${error.reason}${sampleNote(spec, sample)}`,
    observations: [{ what: 'status', expected: describeStatus(spec.expect?.status), actual: error.reason, ok: false }],
    details: {
      method: spec.method,
      url: displayUrl(spec.url),
      ...(failedUrl !== spec.url ? { failedUrl: displayUrl(failedUrl) } : {}),
      timing: error.timing,
      error: error.code,
    },
    facts: {
      url: displayUrl(failedUrl),
      host,
      port: Number(port),
      // Only "no answer came" is a network error (relations read it as a hang); a refused redirect
      // or an undecodable body is an answer that could not be used.
      ...(error.kind === 'network' ? { networkError: error.code ?? 'unknown' } : { failure: error.code ?? error.kind }),
    },
    nextSteps: [curlTimingCommand(spec)],
  };
}

/** Whether the HTTP check requested the path the load balancer health-checks (unknown path: assume so). */
function probesHealthCheckPath(cause: FailureView, effect: FailureView): boolean {
  const paths = effect.facts.healthCheckPaths;
  if (!Array.isArray(paths) || paths.length === 0 || typeof cause.facts.url !== 'string') return true;
  try {
    return paths.includes(new URL(cause.facts.url).pathname);
  } catch {
    return true;
  }
}

/**
 * Time kept back from the attempt timeout so the check, not the runner's abort, reports a timeout
 * and can say in which phase (connect, TLS, headers, body) the request was.
 */
function deadlineMargin(timeoutMs: number): number {
  return Math.min(250, Math.max(50, timeoutMs * 0.1));
}

export const http = defineCheck({
  type: 'http',
  summary: 'Sends HTTP requests and judges status, latency (a percentile over samples), body text and JSON paths.',
  schema,
  evidence: 'state',
  defaults: { timeoutMs: 10_000 },
  describe,
  explains: [
    {
      effect: 'alb-targets-healthy',
      because: 'the endpoint is slow or failing, so the load balancer\'s health checks fail too',
      when: (cause, effect) => probesHealthCheckPath(cause, effect) && (httpTimedOutOrSlow(cause) || httpServerError(cause)),
    },
  ],
  async run(spec, ctx) {
    // First, before anything is printed: every secret the request carries is known to the masker.
    const redact = registerSecrets(spec, ctx);
    const request = {
      method: spec.method,
      url: spec.url,
      headers: requestHeaders(spec),
      body: spec.json !== undefined ? JSON.stringify(spec.json) : spec.body,
      followRedirects: spec.followRedirects,
      allowInsecureRedirects: spec.allowInsecureRedirects,
      insecure: spec.insecure,
      maxBodyBytes: MAX_BODY_BYTES,
      signal: ctx.signal,
      deadlineAt: performance.now() + ctx.timeoutMs - deadlineMargin(ctx.timeoutMs),
    };
    const expect = spec.expect ?? {};
    const exchanges: HttpExchange[] = [];
    for (let sample = 1; sample <= spec.samples; sample++) {
      let exchange: HttpExchange;
      try {
        exchange = await timedRequest(request);
      } catch (error) {
        if (error instanceof HttpExchangeError) return networkFailure(spec, error, sample);
        throw error; // an abort (the runner reports it) or a crash
      }
      exchanges.push(exchange);
      ctx.log.debug(`${label(spec)} sample ${sample}/${spec.samples}: ${exchange.status} in ${formatDuration(exchange.timing.total ?? 0)}`);
      const verdicts = responseVerdicts(expect, exchange, redact);
      // A bad response ends the attempt: later samples cannot make it good.
      if (verdicts.some((v) => !v.observation.ok)) return judge({ spec, exchanges, verdicts, redact, failedSample: sample });
    }
    const [status, ...bodyVerdicts] = responseVerdicts(expect, exchanges.at(-1)!, redact);
    const latency =
      expect.maxLatency !== undefined
        ? [latencyVerdict(exchanges.map((e) => e.timing.total ?? 0), expect.maxLatency, percentileOfSpec(spec))]
        : [];
    return judge({ spec, exchanges, verdicts: [status!, ...latency, ...bodyVerdicts], redact });
  },
});
