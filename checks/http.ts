/**
 * `http`: sends a request (optionally several samples, each on a fresh connection) and judges the
 * status, the latency percentile, body text and JSON paths.
 */
import { z } from 'zod';
import { durationSchema, formatDuration } from '../runner/duration.js';
import { defineCheck, type AttemptResult, type CheckContext, type FailureView } from './types.js';
import { httpServerError, httpTimedOutOrSlow } from './support/relations.js';
import { HttpExchangeError, hostAndPort, timedRequest, type HttpExchange } from './support/http-request.js';
import {
  bodyContainsVerdicts,
  bodyExcerpt,
  bodyNotContainsVerdicts,
  describeJsonExpectation,
  describeStatus,
  jsonVerdicts,
  latencyVerdict,
  percentileOf,
  statusVerdict,
  type Verdict,
} from './support/http-expectations.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_BODY_BYTES = 1024 * 1024;
const DETAILS_EXCERPT = 2000;
const DEFAULT_PERCENTILE = 95;
const SENSITIVE_HEADER = /auth|cookie|token|secret|key|password|session|credential/i;

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
      .meta({ description: 'Text (or texts) the body must contain. Only the first 1 MiB of the body is searched.' }),
    bodyNotContains: oneOrMoreTexts
      .optional()
      .meta({ description: 'Text (or texts) that marks a known-bad response. A match fails the check at once, without retries.', examples: ['HuggingFace token not configured'] }),
    json: z
      .record(
        z.string().regex(/^\$/, { error: 'a JSONPath starts with "$", e.g. "$.status"' }),
        z.union([z.strictObject({ exists: z.boolean() }), z.json()]),
      )
      .optional()
      .meta({
        description:
          'JSONPath → expected value (compared deeply), or `{ exists: true|false }`. A path matching several values compares the list of them. The body must be valid JSON.',
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
      .meta({ description: 'Request headers. Values are never printed; values of auth-like headers are also masked wherever they appear.' }),
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
      .meta({ description: 'Follow 3xx redirects (up to 10). Off by default so a redirect to a login page is seen, not hidden.' }),
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
  });

type HttpSpec = z.output<typeof schema>;
type Expectations = NonNullable<HttpSpec['expect']>;

const label = (spec: HttpSpec) => `${spec.method} ${spec.url}`;
const texts = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat());
const percentileOfSpec = (spec: HttpSpec) => spec.percentile ?? DEFAULT_PERCENTILE;

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

function maskSensitiveHeaders(spec: HttpSpec, ctx: CheckContext): void {
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (SENSITIVE_HEADER.test(name) && value) ctx.addSecret(value);
  }
}

function responseVerdicts(expect: Expectations, exchange: HttpExchange): Verdict[] {
  const status = statusVerdict(exchange.status, expect.status);
  if (!status.observation.ok && exchange.location && exchange.status >= 300 && exchange.status < 400) {
    status.reason += ` (redirect to ${exchange.location}; set followRedirects: true to follow)`;
  }
  return [
    status,
    ...bodyContainsVerdicts(exchange.body, texts(expect.bodyContains)),
    ...bodyNotContainsVerdicts(exchange.body, texts(expect.bodyNotContains)),
    ...jsonVerdicts(exchange.body, expect.json ?? {}, exchange.bodyTruncated),
  ];
}

function curlTimingCommand(spec: HttpSpec): string {
  const format = 'status %{http_code} connect %{time_connect}s tls %{time_appconnect}s first byte %{time_starttransfer}s total %{time_total}s\\n';
  const url = spec.url.replace(/'/g, `'\\''`);
  const method = spec.method === 'GET' ? '' : ` -X ${spec.method}`;
  const note = spec.headers && Object.keys(spec.headers).length ? "   # plus the scenario's headers" : '';
  return `curl -sS${method} -o /dev/null -w '${format}' '${url}'${note}`;
}

function sampleNote(spec: HttpSpec, sample: number): string {
  return spec.samples > 1 ? ` (sample ${sample} of ${spec.samples})` : '';
}

function judge(spec: HttpSpec, exchanges: HttpExchange[], verdicts: Verdict[], failedSample?: number): AttemptResult {
  const latencies = exchanges.map((exchange) => exchange.timing.total ?? 0);
  const judgedLatency = latencies.length > 1 ? percentileOf(latencies, percentileOfSpec(spec)) : latencies[0];
  // The sample whose timing is shown: the failing one, or the one at the judged percentile.
  const shown = (failedSample === undefined ? exchanges.find((e) => e.timing.total === judgedLatency) : undefined) ?? exchanges.at(-1)!;
  const failed = verdicts.filter((v) => !v.observation.ok);
  const outcome = failed.length === 0 ? 'pass' : failed.some((v) => v.definitive) ? 'fail' : 'retry';

  let message: string;
  if (outcome === 'pass') {
    const latency =
      exchanges.length > 1
        ? `p${percentileOfSpec(spec)} latency ${formatDuration(judgedLatency ?? 0)} over ${exchanges.length} samples`
        : `in ${formatDuration(judgedLatency ?? 0)}`;
    message = `${label(spec)} → ${shown.status}${exchanges.length > 1 ? ', ' : ' '}${latency}`;
  } else {
    const reasons = failed.flatMap((v) => (v.reason ? [v.reason] : [])).join('; ');
    const body = failed.some((v) => v.showBody) ? `, body: ${bodyExcerpt(shown.body)}` : '';
    message = `${label(spec)}: ${reasons}${failedSample !== undefined ? sampleNote(spec, failedSample) : ''}${body}`;
  }

  const { host, port } = hostAndPort(spec.url);
  const authRejected = verdicts.some((v) => v.observation.what === 'status' && v.definitive);
  return {
    outcome,
    message,
    observations: verdicts.map((v) => v.observation),
    details: {
      method: spec.method,
      url: spec.url,
      status: shown.status,
      timing: shown.timing,
      ...(spec.samples > 1 ? { samples: exchanges.map((e) => ({ status: e.status, timing: e.timing })) } : {}),
      response: {
        contentType: shown.contentType,
        location: shown.location,
        bodyBytes: shown.bodyBytes,
        bodyTruncated: shown.bodyTruncated,
        bodyExcerpt: bodyExcerpt(shown.body, DETAILS_EXCERPT),
      },
    },
    facts: { url: spec.url, host, port: Number(port), status: shown.status, latencyMs: judgedLatency, maxLatencyMs: spec.expect?.maxLatency },
    ...(authRejected
      ? { fix: { summary: `the server rejected the credentials (HTTP ${shown.status}): check the auth header value the scenario sends` } }
      : {}),
    ...(outcome === 'pass' ? {} : { nextSteps: [curlTimingCommand(spec)] }),
  };
}

function networkFailure(spec: HttpSpec, error: HttpExchangeError, sample: number): AttemptResult {
  const { host, port } = hostAndPort(spec.url);
  return {
    outcome: error.outcome,
    message: `${label(spec)}: ${error.reason}${sampleNote(spec, sample)}`,
    observations: [{ what: 'status', expected: describeStatus(spec.expect?.status), actual: error.reason, ok: false }],
    details: { method: spec.method, url: spec.url, timing: error.timing, error: error.code },
    facts: { url: spec.url, host, port: Number(port), networkError: error.code ?? 'unknown' },
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

export const http = defineCheck({
  type: 'http',
  summary: 'Sends HTTP requests and judges status, latency (a percentile over samples), body text and JSON paths.',
  schema,
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
    maskSensitiveHeaders(spec, ctx);
    const request = {
      method: spec.method,
      url: spec.url,
      headers: requestHeaders(spec),
      body: spec.json !== undefined ? JSON.stringify(spec.json) : spec.body,
      followRedirects: spec.followRedirects,
      insecure: spec.insecure,
      maxBodyBytes: MAX_BODY_BYTES,
      signal: ctx.signal,
    };
    const expect = spec.expect ?? {};
    const exchanges: HttpExchange[] = [];
    for (let sample = 1; sample <= spec.samples; sample++) {
      let exchange: HttpExchange;
      try {
        exchange = await timedRequest(request);
      } catch (error) {
        if (error instanceof HttpExchangeError) return networkFailure(spec, error, sample);
        throw error; // an abort (the runner reports the timeout) or a crash
      }
      exchanges.push(exchange);
      ctx.log.debug(`${label(spec)} sample ${sample}/${spec.samples}: ${exchange.status} in ${formatDuration(exchange.timing.total ?? 0)}`);
      const verdicts = responseVerdicts(expect, exchange);
      // A bad response ends the attempt: later samples cannot make it good.
      if (verdicts.some((v) => !v.observation.ok)) return judge(spec, exchanges, verdicts, sample);
    }
    const [status, ...bodyVerdicts] = responseVerdicts(expect, exchanges.at(-1)!);
    const latency =
      expect.maxLatency !== undefined
        ? [latencyVerdict(exchanges.map((e) => e.timing.total ?? 0), expect.maxLatency, percentileOfSpec(spec))]
        : [];
    return judge(spec, exchanges, [status!, ...latency, ...bodyVerdicts]);
  },
});
