import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { http } from '../../checks/http.js';
import { fakeContext } from '../support/context.js';
import { freePort } from '../support/ports.js';
import {
  echo,
  neverRespond,
  resetMidBody,
  respond,
  respondJson,
  selfSignedCert,
  stallAfterHeaders,
  startHttpServer,
  type TestHttpServer,
} from '../support/http-server.js';
import { timeoutSignal } from '../../checks/support/abort.js';

let server: TestHttpServer;
let tlsServer: TestHttpServer;

beforeAll(async () => {
  server = await startHttpServer();
  server.route('/health', respond(200, 'ok'));
  server.route('/oops', respond(500, 'internal oops'));
  server.route('/hf', respondJson(500, { detail: 'HuggingFace token not configured' }));
  server.route('/unauthorized', respond(401, 'missing api key'));
  server.route('/forbidden', respond(403, 'forbidden'));
  server.route('/no-content', respond(204, ''));
  server.route('/silent', neverRespond);
  server.route('/stall', stallAfterHeaders);
  server.route('/reset', resetMidBody);
  server.route('/hangup', (req) => req.socket.destroy());
  server.route('/echo', echo);
  server.route('/html', respond(200, '<html>gateway page</html>', { headers: { 'content-type': 'text/html' } }));
  server.route('/prediction', respondJson(200, { prediction: 0.87, status: 'ok', model: { id: 21 }, items: [{ id: 1 }, { id: 2 }], debug: null }));
  server.route('/moved', respond(302, '', { headers: { location: '/health' } }));
  server.route('/huge', respond(200, 'x'.repeat(2 * 1024 * 1024)));
  server.route('/delay', (req, res, _body, tools) => {
    const ms = Number(new URL(req.url ?? '', server.url).searchParams.get('ms'));
    respond(200, `slept ${ms}`, { delayMs: ms })(req, res, '', tools);
  });
  // Two fast answers, then one slow one: p50 is fast, p95 is slow.
  let sequence = 0;
  server.route('/mostly-fast', (req, res, body, tools) => {
    sequence += 1;
    respond(200, 'ok', { delayMs: sequence % 3 === 0 ? 300 : 0 })(req, res, body, tools);
  });
  tlsServer = await startHttpServer({ tls: selfSignedCert() });
  tlsServer.route('/health', respond(200, 'tls ok'));
});

afterAll(async () => {
  await Promise.all([server?.stop(), tlsServer?.stop()]);
});

/** Parses a YAML-shaped spec (as the runner would) and runs one attempt. */
function runCheck(spec: Record<string, unknown>, ctx = fakeContext()) {
  return http.run(http.schema.parse(spec), ctx);
}

describe('http schema', () => {
  it.each([
    ['minimal', { url: 'http://127.0.0.1:8080/health' }],
    ['full', {
      method: 'POST', url: 'https://api.example.com/predict', headers: { 'X-API-Key': 'k' }, json: { inputs: { company_size: 1000 } },
      samples: 5, percentile: 99, followRedirects: true, insecure: false,
      expect: { status: [200, 201], maxLatency: '1s', bodyContains: 'ok', bodyNotContains: ['a', 'b'], json: { '$.prediction': { exists: true }, '$.status': 'ok', '$.n': 3, '$.o': { a: 1 } } },
    }],
    ['raw body', { method: 'PUT', url: 'http://127.0.0.1/x', body: 'raw' }],
    ['lowercase-scheme https with a port', { url: 'https://api.example.com:8443/v1/health?deep=1' }],
  ])('accepts %s', (_name, spec) => {
    expect(http.schema.safeParse(spec).success).toBe(true);
  });

  it.each([
    ['no url', {}, 'url'],
    ['a relative url', { url: '/health' }, 'url'],
    ['a non-http url', { url: 'ftp://127.0.0.1/x' }, 'url'],
    ['an uninterpolated placeholder', { url: '${BASE_URL}/health' }, 'url'],
    ['an unknown method', { url: 'http://127.0.0.1/', method: 'FETCH' }, 'method'],
    ['json and body together', { url: 'http://127.0.0.1/', json: { a: 1 }, body: 'x' }, 'body'],
    ['zero samples', { url: 'http://127.0.0.1/', samples: 0 }, 'samples'],
    ['a fractional sample count', { url: 'http://127.0.0.1/', samples: 1.5 }, 'samples'],
    ['percentile without samples', { url: 'http://127.0.0.1/', percentile: 90 }, 'percentile'],
    ['percentile above 100', { url: 'http://127.0.0.1/', samples: 3, percentile: 101 }, 'percentile'],
    ['a status out of range', { url: 'http://127.0.0.1/', expect: { status: 999 } }, 'expect.status'],
    ['an empty status list', { url: 'http://127.0.0.1/', expect: { status: [] } }, 'expect.status'],
    ['a duration without unit', { url: 'http://127.0.0.1/', expect: { maxLatency: '1000' } }, 'expect.maxLatency'],
    ['a JSONPath without $', { url: 'http://127.0.0.1/', expect: { json: { status: 'ok' } } }, 'expect.json.status'],
    ['an unknown key', { url: 'http://127.0.0.1/', timeoutt: '1s' }, ''],
    ['an unknown expect key', { url: 'http://127.0.0.1/', expect: { statusCode: 200 } }, 'expect'],
    ['a bad header name', { url: 'http://127.0.0.1/', headers: { 'X Bad': 'v' } }, 'headers.X Bad'],
    ['followRedirects as text', { url: 'http://127.0.0.1/', followRedirects: 'yes' }, 'followRedirects'],
  ])('rejects %s', (_name, spec, issuePath) => {
    const result = http.schema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(issuePath);
  });
});

describe('http describe()', () => {
  it.each([
    [{ url: 'http://h/health' }, 'GET http://h/health → 2xx'],
    [{ url: 'http://h/health', samples: 5, expect: { status: 200, maxLatency: '1s' } }, 'GET http://h/health → 200 within 1s (p95 of 5)'],
    [{ url: 'http://h/x', method: 'POST', samples: 3, expect: { status: [200, 201] } }, 'POST http://h/x → one of 200, 201 (3 samples)'],
    [
      { url: 'http://h/x', expect: { bodyNotContains: 'token not configured', json: { '$.prediction': { exists: true }, '$.status': 'ok' } } },
      'GET http://h/x → 2xx, body lacks "token not configured", $.prediction exists, $.status "ok"',
    ],
  ])('%j → %s', (spec, text) => {
    expect(http.describe(http.schema.parse(spec))).toBe(text);
  });
});

describe('http against a local server', () => {
  it('passes on a fast 200 and records a timing breakdown', async () => {
    const result = await runCheck({ url: `${server.url}/health`, expect: { status: 200, maxLatency: '2s', bodyContains: 'ok' } });
    expect(result.outcome).toBe('pass');
    expect(result.message).toMatch(new RegExp(`^GET ${server.url}/health → 200 in \\d+(\\.\\d+)?m?s$`));
    expect(result.observations?.map((o) => [o.what, o.ok])).toEqual([
      ['status', true],
      ['latency', true],
      ['body contains "ok"', true],
    ]);
    const timing = result.details?.timing as Record<string, number>;
    for (const phase of ['connect', 'firstByte', 'total'] as const) expect(typeof timing[phase]).toBe('number');
    expect(timing.tls).toBeUndefined();
    expect(timing.firstByte).toBeLessThanOrEqual(timing.total!);
  });

  it('uses a fresh connection per sample and judges the latency percentile', async () => {
    const before = server.connections();
    const result = await runCheck({ url: `${server.url}/delay?ms=10`, samples: 3, expect: { maxLatency: '2s' } });
    expect(result.outcome).toBe('pass');
    expect(server.connections() - before).toBe(3);
    expect(result.message).toMatch(/→ 200, p95 latency \d+ms over 3 samples$/);
    expect(result.details?.samples).toHaveLength(3);
  });

  it('retries when the latency percentile is too high, listing the samples', async () => {
    const result = await runCheck({ url: `${server.url}/delay?ms=150`, samples: 2, expect: { status: 200, maxLatency: '100ms' } });
    expect(result.outcome).toBe('retry');
    const [, p95, first, second] = /: p95 latency (\d+)ms > 100ms \(samples: (\d+)ms (\d+)ms\)$/.exec(result.message) ?? [];
    expect(Number(first)).toBeGreaterThanOrEqual(150);
    expect(Number(second)).toBeGreaterThanOrEqual(150);
    expect(Number(p95)).toBe(Math.max(Number(first), Number(second)));
    expect(result.observations?.find((o) => o.what === 'p95 latency')).toMatchObject({ expected: '<= 100ms', ok: false });
  });

  it.each([
    [50, 'pass'],
    [95, 'retry'],
  ])('judges p%d of fast, fast, slow samples → %s', async (percentile, outcome) => {
    const result = await runCheck({ url: `${server.url}/mostly-fast`, samples: 3, percentile, expect: { maxLatency: '200ms' } });
    expect(result.outcome).toBe(outcome);
  });

  it('retries on a 500 whose body matches nothing known, showing status and body', async () => {
    const result = await runCheck({ url: `${server.url}/oops`, expect: { status: 200, bodyNotContains: 'HuggingFace token not configured' } });
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(`GET ${server.url}/oops: status 500 != 200, body: internal oops`);
    expect(result.nextSteps?.[0]).toMatch(new RegExp(`^curl -sS -o /dev/null -w '.*%\\{time_connect\\}.*' '${server.url}/oops'$`));
  });

  it('fails at once on a 500 whose body matches bodyNotContains', async () => {
    const result = await runCheck({ url: `${server.url}/hf`, expect: { status: 200, bodyNotContains: 'HuggingFace token not configured' } });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('status 500 != 200; body contains "HuggingFace token not configured"');
    expect(result.message).toContain('body: {"detail":"HuggingFace token not configured"}');
    expect(result.observations?.find((o) => o.what.startsWith('body does not contain'))).toMatchObject({ actual: 'present', ok: false });
  });

  it.each([
    ['/unauthorized', 401],
    ['/forbidden', 403],
  ])('fails at once on %s (HTTP %d): retrying cannot fix credentials', async (route, status) => {
    const result = await runCheck({ url: `${server.url}${route}`, expect: { status: 200 } });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`status ${status} != 200 (credentials rejected`);
    expect(result.fix?.summary).toContain(`HTTP ${status}`);
  });

  it('passes when a 401 is exactly what is expected', async () => {
    const result = await runCheck({ url: `${server.url}/unauthorized`, expect: { status: 401 } });
    expect(result.outcome).toBe('pass');
  });

  it.each([
    ['/no-content', 'pass', undefined],
    ['/oops', 'retry', 'status 500 not in [200, 204]'],
  ])('accepts a list of statuses: %s → %s', async (route, outcome, reason) => {
    const result = await runCheck({ url: `${server.url}${route}`, expect: { status: [200, 204] } });
    expect(result.outcome).toBe(outcome);
    if (reason) expect(result.message).toContain(reason);
  });

  it('retries on connection refused, naming host and port', async () => {
    const port = await freePort();
    const result = await runCheck({ url: `http://127.0.0.1:${port}/health` });
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(`GET http://127.0.0.1:${port}/health: connection refused to 127.0.0.1:${port}`);
    expect(result.facts).toMatchObject({ networkError: 'ECONNREFUSED', port });
  });

  it('retries on a DNS failure, naming the host', async () => {
    const result = await runCheck({ url: 'http://nothing.invalid/health' });
    expect(result.outcome).toBe('retry');
    expect(result.message).toMatch(/: DNS lookup failed for nothing\.invalid \((ENOTFOUND|EAI_AGAIN)\)$/);
  });

  it.each([
    ['headers are never sent', '/silent'],
    ['the body stalls after the headers', '/stall'],
  ])('aborts promptly when %s and the run is interrupted', async (_name, route) => {
    const started = Date.now();
    const attempt = runCheck({ url: `${server.url}${route}` }, fakeContext({ signal: timeoutSignal(300), timeoutMs: 10_000 }));
    await expect(attempt).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it.each([
    ['headers are never sent', '/silent', 'timed out waiting for the response headers'],
    ['the body stalls after the headers', '/stall', 'timed out reading the body'],
  ])('reports the phase itself, just before the attempt timeout, when %s', async (_name, route, text) => {
    const started = Date.now();
    const result = await runCheck({ url: `${server.url}${route}` }, fakeContext({ signal: timeoutSignal(300), timeoutMs: 300 }));
    // Well within the attempt (the runner would abort at 300 ms); slack for a loaded machine.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain(text);
  });

  it('retries when the connection is reset mid-body', async () => {
    const result = await runCheck({ url: `${server.url}/reset` });
    expect(result.outcome).toBe('retry');
    expect(result.message).toMatch(/: connection reset while reading body after 12 bytes \((ECONNRESET|UND_ERR_\w+): /);
  });

  it('retries when the server hangs up before the headers', async () => {
    const result = await runCheck({ url: `${server.url}/hangup` });
    expect(result.outcome).toBe('retry');
    expect(result.message).toMatch(/: connection closed before the response headers \((ECONNRESET|UND_ERR_SOCKET): /);
  });

  it('retries when the body is not JSON but JSON expectations exist', async () => {
    const result = await runCheck({ url: `${server.url}/html`, expect: { json: { '$.status': 'ok', '$.prediction': { exists: true } } } });
    expect(result.outcome).toBe('retry');
    expect(result.message).toMatch(/: body is not valid JSON \(.+\), body: <html>gateway page<\/html>$/);
    expect(result.observations).toHaveLength(3);
  });

  it.each([
    [{ '$.prediction': { exists: true } }, 'pass', undefined],
    [{ '$.status': 'ok', '$.model.id': 21 }, 'pass', undefined],
    [{ '$.items[*].id': [1, 2] }, 'pass', undefined],
    [{ '$.debug': null }, 'pass', undefined],
    [{ '$.missing': { exists: false } }, 'pass', undefined],
    [{ '$.missing': { exists: true } }, 'retry', '$.missing missing'],
    [{ '$.prediction': { exists: false } }, 'retry', '$.prediction present (expected absent): 0.87'],
    [{ '$.status': 'degraded' }, 'retry', '$.status "ok" != "degraded"'],
    [{ '$.model.id': '21' }, 'retry', '$.model.id 21 != "21"'],
    [{ '$.gone': 'x' }, 'retry', '$.gone missing (expected "x")'],
  ])('JSON expectation %j → %s', async (json, outcome, reason) => {
    const result = await runCheck({ url: `${server.url}/prediction`, expect: { json } });
    expect(result.outcome).toBe(outcome);
    if (reason) expect(result.message).toContain(reason);
    expect(result.observations?.filter((o) => o.what.startsWith('$'))).toHaveLength(Object.keys(json).length);
  });

  it('sends a json body with its content type', async () => {
    const result = await runCheck({
      method: 'POST',
      url: `${server.url}/echo`,
      json: { inputs: { company_size: 1000 } },
      expect: { json: { '$.method': 'POST', '$.contentType': 'application/json', '$.body': '{"inputs":{"company_size":1000}}' } },
    });
    expect(result.outcome).toBe('pass');
  });

  it('sends a raw body with the content type a header sets', async () => {
    const result = await runCheck({
      method: 'PUT',
      url: `${server.url}/echo`,
      headers: { 'Content-Type': 'text/csv' },
      body: 'a,b\n1,2',
      expect: { json: { '$.method': 'PUT', '$.contentType': 'text/csv', '$.body': 'a,b\n1,2' } },
    });
    expect(result.outcome).toBe('pass');
  });

  it('sends headers but never echoes their values, and masks auth-like ones', async () => {
    const ctx = fakeContext();
    const result = await runCheck({ url: `${server.url}/oops`, headers: { 'X-API-Key': 'sekret-123', 'X-Trace': 'trace-abc' } }, ctx);
    expect(server.requests.at(-1)?.headers['x-api-key']).toBe('sekret-123');
    expect(JSON.stringify(result)).not.toContain('sekret-123');
    expect(JSON.stringify(result)).not.toContain('trace-abc');
    expect(ctx.secrets).toEqual(['sekret-123']);
  });

  it('reports a request undici refuses to send as an error, not a retry', async () => {
    const result = await runCheck({ url: `${server.url}/health`, headers: { 'X-Bad': 'line\nbreak' } });
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(/: invalid request: /);
  });

  it.each([
    [false, 'retry', 'status 302 not 2xx (redirect to /health; set followRedirects: true to follow)'],
    [true, 'pass', '→ 200'],
  ])('followRedirects: %s → %s', async (followRedirects, outcome, text) => {
    const result = await runCheck({ url: `${server.url}/moved`, followRedirects });
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(text);
  });

  it('keeps at most 1 MiB of a huge body', async () => {
    const result = await runCheck({ url: `${server.url}/huge`, expect: { bodyContains: 'x' } });
    expect(result.outcome).toBe('pass');
    expect(result.details?.response).toMatchObject({ bodyBytes: 1024 * 1024, bodyTruncated: true });
  });
});

describe('http over TLS', () => {
  it('retries when the certificate is self-signed', async () => {
    const result = await runCheck({ url: `${tlsServer.url}/health` });
    expect(result.outcome).toBe('retry');
    expect(result.message).toMatch(/: TLS handshake failed: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
  });

  it('passes with insecure: true and times the handshake', async () => {
    const result = await runCheck({ url: `${tlsServer.url}/health`, insecure: true, expect: { bodyContains: 'tls ok' } });
    expect(result.outcome).toBe('pass');
    const timing = result.details?.timing as Record<string, number>;
    expect(timing.tls).toBeGreaterThan(0);
    expect(timing.connect).toBeGreaterThanOrEqual(0);
  });

  it('retries when https meets a plain HTTP port', async () => {
    const result = await runCheck({ url: `https://127.0.0.1:${server.port}/health` });
    expect(result.outcome).toBe('retry');
    expect(result.message).toMatch(/: TLS handshake failed: /);
  });
});
