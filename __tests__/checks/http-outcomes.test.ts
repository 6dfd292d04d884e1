/**
 * Transient or definitive: every HTTP status class and network fault the http check can meet has
 * the outcome docs/checks/http.md lists (taken from RFC 9110 / RFC 6585), against a real server
 * where the condition can be produced, as a unit where it cannot (a black-holed connect).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { http } from '../../checks/http.js';
import { explain, outcomeOf } from '../../checks/support/http-request.js';
import { fakeContext } from '../support/context.js';
import { neverRespond, respond, stallAfterHeaders, startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { timeoutSignal } from '../../checks/support/abort.js';

let server: TestHttpServer;
let garbage: Server;
let garbagePort = 0;
const garbageSockets = new Set<Socket>();

beforeAll(async () => {
  server = await startHttpServer();
  server.route('/silent', neverRespond);
  server.route('/stall', stallAfterHeaders);
  server.route('/status', (req, res, body, tools) => {
    const params = new URL(req.url ?? '', server.url).searchParams;
    const headers: Record<string, string> = {};
    if (params.get('retryAfter')) headers['retry-after'] = params.get('retryAfter')!;
    if (params.get('location')) headers.location = params.get('location')!;
    respond(Number(params.get('code')), params.get('body') ?? '', { headers })(req, res, body, tools);
  });
  // Speaks something that is not HTTP.
  garbage = createServer((socket) => {
    garbageSockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
  });
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  garbagePort = (garbage.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of garbageSockets) socket.destroy();
  await Promise.all([server?.stop(), new Promise((resolve) => garbage?.close(resolve))]);
});

function runCheck(spec: Record<string, unknown>, ctx = fakeContext()) {
  return http.run(http.schema.parse(spec), ctx);
}

// status, extra query, outcome, text in the message. Expectation: the default (any 2xx).
const STATUSES: [status: number, query: string, outcome: string, text: string][] = [
  [301, '&location=/elsewhere', 'retry', 'status 301 not 2xx (redirect to /elsewhere; set followRedirects: true to follow)'],
  [304, '', 'retry', 'status 304 not 2xx'],
  [400, '&body=bad', 'retry', 'status 400 not 2xx, body: bad'],
  [401, '', 'fail', 'status 401 not 2xx (credentials rejected; retrying cannot help)'],
  [403, '', 'fail', 'status 403 not 2xx (credentials rejected; retrying cannot help)'],
  [404, '', 'retry', 'status 404 not 2xx'],
  [407, '', 'fail', 'status 407 not 2xx (proxy credentials rejected; retrying cannot help)'],
  [408, '', 'retry', 'status 408 not 2xx (request timeout: the server closed the idle connection)'],
  [410, '', 'fail', 'status 410 not 2xx (gone: the server says the resource is permanently removed)'],
  [429, '&retryAfter=30', 'retry', 'status 429 not 2xx (rate limited; Retry-After 30s)'],
  [429, '', 'retry', 'status 429 not 2xx (rate limited)'],
  [500, '&body=Traceback: boom', 'retry', 'status 500 not 2xx, body: Traceback: boom'],
  [502, '', 'retry', 'status 502 not 2xx (bad gateway: the proxy or load balancer got no valid response from its target)'],
  [503, '&retryAfter=120', 'retry', 'status 503 not 2xx (Retry-After 2m)'],
  [503, '&retryAfter=Wed, 21 Oct 2099 07:28:00 GMT', 'retry', 'status 503 not 2xx (Retry-After "Wed, 21 Oct 2099 07:28:00 GMT")'],
  [503, '&body=upstream unavailable', 'retry', 'status 503 not 2xx, body: upstream unavailable'],
  [504, '', 'retry', 'status 504 not 2xx (gateway timeout: the target did not answer the proxy or load balancer in time)'],
];

describe('http status → outcome (RFC 9110)', () => {
  it.each(STATUSES)('%d%s → %s', async (status, query, outcome, text) => {
    const result = await runCheck({ url: `${server.url}/status?code=${status}${encodeURI(query)}` });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(text);
  });

  it('passes a status the scenario expects, even a definitive one', async () => {
    const result = await runCheck({ url: `${server.url}/status?code=410`, expect: { status: 410 } });
    expect(result.outcome).toBe('pass');
  });
});

describe('http network faults → outcome, naming the phase', () => {
  it.each([
    ['headers', '/silent', /: timed out waiting for the response headers from 127\.0\.0\.1:\d+ after \d+ms \(connected in [\d.]+m?s\)$/],
    ['body', '/stall', /: timed out reading the body from 127\.0\.0\.1:\d+ after \d+ms: 11 bytes received, then nothing \(headers came after \d+m?s\)$/],
  ])('a timeout while waiting for the %s is a retry that says so, before the attempt timeout', async (_phase, route, message) => {
    const started = Date.now();
    const result = await runCheck({ url: `${server.url}${route}` }, fakeContext({ signal: timeoutSignal(400), timeoutMs: 400 }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.outcome).toBe('retry');
    expect(result.message).toMatch(message);
    expect(result.facts).toHaveProperty('networkError');
  });

  it('an interruption (the run signal, not the attempt time) propagates as an abort', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    await expect(runCheck({ url: `${server.url}/silent` }, fakeContext({ signal: controller.signal, timeoutMs: 10_000 }))).rejects.toThrow('interrupted');
  });

  it('a server that does not speak HTTP is a retry: invalid HTTP response', async () => {
    const result = await runCheck({ url: `http://127.0.0.1:${garbagePort}/` });
    expect(result.outcome).toBe('retry');
    expect(result.message).toMatch(/: invalid HTTP response \((HPE_\w+: )?Response does not match the HTTP\/1\.1 protocol/);
  });

  const url = 'http://10.0.0.9:8080/health';
  it.each([
    ['connection refused', { code: 'ECONNREFUSED' }, 'connect', 'retry', 'connection refused to 10.0.0.9:8080'],
    ['DNS: no such name', { code: 'ENOTFOUND' }, 'connect', 'retry', 'DNS lookup failed for 10.0.0.9 (ENOTFOUND)'],
    ['DNS: temporary failure', { code: 'EAI_AGAIN' }, 'connect', 'retry', 'DNS lookup failed for 10.0.0.9 (EAI_AGAIN)'],
    ['a black-holed connect (undici)', { code: 'UND_ERR_CONNECT_TIMEOUT', message: 'Connect Timeout Error' }, 'connect', 'retry', 'connect to 10.0.0.9:8080 timed out'],
    ['a black-holed connect (kernel)', { code: 'ETIMEDOUT' }, 'connect', 'retry', 'connect to 10.0.0.9:8080 timed out'],
    ['no route', { code: 'EHOSTUNREACH' }, 'connect', 'retry', '10.0.0.9:8080 is unreachable (EHOSTUNREACH)'],
    ['a certificate the client does not trust', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, 'tls', 'retry', 'TLS handshake failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)'],
    ['an expired certificate', { code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, 'tls', 'retry', 'TLS handshake failed: certificate has expired (CERT_HAS_EXPIRED)'],
    ['a reset before the headers', { code: 'ECONNRESET', message: 'read ECONNRESET' }, 'headers', 'retry', 'connection closed before the response headers (ECONNRESET: read ECONNRESET)'],
    ['a reset in the body', { code: 'ECONNRESET', message: 'read ECONNRESET' }, 'body', 'retry', 'connection reset while reading body after 12 bytes (ECONNRESET: read ECONNRESET)'],
    ['undici headers timeout', { code: 'UND_ERR_HEADERS_TIMEOUT' }, 'headers', 'retry', 'timed out waiting for the response headers from 10.0.0.9:8080 (UND_ERR_HEADERS_TIMEOUT)'],
    ['undici body timeout', { code: 'UND_ERR_BODY_TIMEOUT' }, 'body', 'retry', 'timed out reading the body from 10.0.0.9:8080 after 12 bytes (UND_ERR_BODY_TIMEOUT)'],
    ['a request undici refuses', { code: 'UND_ERR_INVALID_ARG', message: 'invalid header value' }, 'connect', 'error', 'invalid request: invalid header value'],
  ] as const)('%s → %s', (_what, error, phase, outcome, reason) => {
    const fault = Object.assign(new Error(('message' in error ? error.message : undefined) ?? error.code), error);
    expect(explain(fault, phase, url, 12)).toBe(reason);
    expect(outcomeOf(fault)).toBe(outcome);
  });
});
