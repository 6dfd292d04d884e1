/**
 * followRedirects across real local servers on different origins (127.0.0.1 and [::1], two ports,
 * http and https): credentials never cross an origin, https never silently becomes http, loops
 * are named, and a failure after a redirect names the host that failed.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { http } from '../../checks/http.js';
import { fakeContext } from '../support/context.js';
import { freePort } from '../support/ports.js';
import { echo, redirect, respond, selfSignedCert, startHttpServer, type RouteHandler, type TestHttpServer } from '../support/http-server.js';

let first: TestHttpServer; // http://127.0.0.1:A
let samePortless: TestHttpServer; // http://127.0.0.1:B (same host, other port)
let ipv6: TestHttpServer; // http://[::1]:C
let tls: TestHttpServer; // https://127.0.0.1:D

const HEADERS: Record<string, string> = {
  Authorization: 'Bearer auth-secret-1',
  Cookie: 'sid=cookie-secret-2',
  'Proxy-Authorization': 'Basic proxy-secret-3',
  'X-API-Key': 'apikey-secret-4',
  'X-Custom-Token': 'token-secret-5',
  'X-Hub-Signature': 'sig-secret-6',
  // Not sensitive-named, but it could carry a declared secret (`${env.TENANT_KEY}`): dropped too.
  'X-Tenant': 'declared-secret-7',
  Accept: 'application/json',
  'User-Agent': 'verify-deployment-test',
};
const SECRET_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'x-custom-token', 'x-hub-signature', 'x-tenant'];

beforeAll(async () => {
  [first, samePortless, ipv6, tls] = await Promise.all([
    startHttpServer(),
    startHttpServer(),
    startHttpServer({ host: '::1' }),
    startHttpServer({ tls: selfSignedCert() }),
  ]);
  for (const server of [first, samePortless, ipv6, tls]) {
    server.route('/landing', echo);
    server.route('/ok', respond(200, 'landed'));
  }
  first.route('/same-origin', redirect(302, '/landing'));
  first.route('/to-other-port', redirect(302, `${samePortless.url}/landing`));
  first.route('/to-ipv6', redirect(307, `${ipv6.url}/landing`));
  first.route('/to-https', redirect(301, `${tls.url}/landing`));
  tls.route('/to-http', redirect(302, `${first.url}/landing`));
  tls.route('/to-https-same', redirect(302, '/ok'));
  first.route('/post-303', redirect(303, '/landing'));
  first.route('/post-302', redirect(302, '/landing'));
  first.route('/post-307', redirect(307, '/landing'));
  first.route('/post-308', redirect(308, `${ipv6.url}/landing`));
  first.route('/loop-a', redirect(302, `${ipv6.url}/loop-b`));
  ipv6.route('/loop-b', redirect(302, `${first.url}/loop-a`));
  first.route('/self', redirect(301, '/self'));
  const onward: RouteHandler = (req, res, body, tools) => {
    const n = Number(new URL(req.url ?? '', first.url).searchParams.get('n') ?? 0);
    redirect(302, `/onward?n=${n + 1}`)(req, res, body, tools);
  };
  first.route('/onward', onward);
  first.route('/to-ftp', redirect(302, 'ftp://127.0.0.1/file'));
});

afterAll(async () => {
  await Promise.all([first, samePortless, ipv6, tls].map((server) => server?.stop()));
});

function runCheck(spec: Record<string, unknown>, ctx = fakeContext()) {
  return http.run(http.schema.parse({ followRedirects: true, ...spec }), ctx);
}

/** Headers the landing server received on the last request. */
function landedHeaders(server: TestHttpServer): Record<string, unknown> {
  const last = server.requests.at(-1);
  expect(last?.url).toBe('/landing');
  return last!.headers;
}

describe('http redirects to another origin', () => {
  it.each([
    ['another port on the same host', '/to-other-port', () => samePortless],
    ['another host ([::1])', '/to-ipv6', () => ipv6],
    ['another scheme (http → https)', '/to-https', () => tls],
  ])('to %s: drop every secret and custom header, keep content negotiation', async (_what, route, target) => {
    const result = await runCheck({ url: `${first.url}${route}`, headers: HEADERS, insecure: true });
    expect(result.outcome).toBe('pass');
    const received = landedHeaders(target());
    for (const name of SECRET_HEADERS) expect(received).not.toHaveProperty(name);
    expect(received).toMatchObject({ accept: 'application/json', 'user-agent': 'verify-deployment-test' });
    expect(result.details?.droppedHeaders).toEqual(expect.arrayContaining(['Authorization', 'X-API-Key', 'X-Tenant']));
    expect(JSON.stringify(result)).not.toMatch(/secret-\d/);
  });

  it('keeps every header on a same-origin redirect', async () => {
    const result = await runCheck({ url: `${first.url}/same-origin`, headers: HEADERS });
    expect(result.outcome).toBe('pass');
    const received = landedHeaders(first);
    for (const name of SECRET_HEADERS) expect(received).toHaveProperty(name);
    expect(result.details).not.toHaveProperty('droppedHeaders');
    expect(result.details?.redirects).toEqual([`${first.url}/same-origin`, `${first.url}/landing`]);
  });
});

describe('http refuses an https → http downgrade unless allowed', () => {
  it('fails, naming the chain and the key that allows it', async () => {
    const before = first.requests.length;
    const result = await runCheck({ url: `${tls.url}/to-http`, insecure: true, headers: HEADERS });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      `GET ${tls.url}/to-http: refused redirect from https to plain http (${tls.url}/to-http → ${first.url}/landing); set allowInsecureRedirects: true to follow it`,
    );
    expect(first.requests.length).toBe(before); // nothing was sent over plain http
  });

  it('follows it with allowInsecureRedirects: true, still without the credentials', async () => {
    const before = first.requests.length;
    const result = await runCheck({ url: `${tls.url}/to-http`, insecure: true, allowInsecureRedirects: true, headers: HEADERS });
    expect(result.outcome).toBe('pass');
    expect(first.requests.length).toBe(before + 1);
    const received = landedHeaders(first);
    for (const name of SECRET_HEADERS) expect(received).not.toHaveProperty(name);
  });

  it('follows https → https on the same origin', async () => {
    const result = await runCheck({ url: `${tls.url}/to-https-same`, insecure: true, expect: { bodyContains: 'landed' } });
    expect(result.outcome).toBe('pass');
  });

  it('rejects allowInsecureRedirects without followRedirects at validation', () => {
    const parsed = http.schema.safeParse({ url: 'https://x/', allowInsecureRedirects: true });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain('allowInsecureRedirects');
  });
});

describe('http names the host that failed after a redirect', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '[::1]'],
  ])('connection refused at %s after a redirect from 127.0.0.1', async (host, named) => {
    const port = await freePort();
    const dead = `http://${host}:${port}/gone`;
    first.route(`/to-dead-${named}`, redirect(302, dead));
    const result = await runCheck({ url: `${first.url}/to-dead-${named}` });
    expect(result.message).not.toContain(`connection refused to 127.0.0.1:${first.port}`);
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(
      `GET ${first.url}/to-dead-${named}: connection refused to ${named}:${port} (request to ${named}:${port} after redirects: ${first.url}/to-dead-${named} → ${dead})`,
    );
    expect(result.facts).toMatchObject({ host: named, port, networkError: 'ECONNREFUSED' });
    expect(result.details).toMatchObject({ failedUrl: dead });
  });
});

describe('http says "redirect loop" in plain words', () => {
  it.each([
    ['a URL seen twice across two origins', '/loop-a', () => `redirect loop: ${first.url}/loop-a was already visited (${first.url}/loop-a → ${ipv6.url}/loop-b → ${first.url}/loop-a)`],
    ['a page redirecting to itself', '/self', () => `redirect loop: ${first.url}/self was already visited (${first.url}/self → ${first.url}/self)`],
    ['more than 10 distinct redirects', '/onward', () => 'redirect loop: more than 10 redirects ('],
  ])('%s', async (_what, route, text) => {
    const result = await runCheck({ url: `${first.url}${route}` });
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain(text());
    expect(result.facts).toMatchObject({ failure: 'REDIRECT_LOOP' });
    expect(result.facts).not.toHaveProperty('networkError');
  });

  it('fails on a redirect to a non-HTTP URL', async () => {
    const result = await runCheck({ url: `${first.url}/to-ftp` });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('redirect 302 to a non-HTTP URL ftp:');
  });
});

describe('http changes the method as RFC 9110 §15.4 says', () => {
  it.each([
    ['/post-303', 'GET', ''],
    ['/post-302', 'GET', ''],
    ['/post-307', 'POST', '{"a":1}'],
  ])('POST %s → %s at the landing page', async (route, method, body) => {
    const result = await runCheck({ method: 'POST', url: `${first.url}${route}`, json: { a: 1 }, expect: { json: { '$.method': method, '$.body': body } } });
    expect(result.outcome).toBe('pass');
  });

  it('keeps method and body on a cross-origin 308, and only safe headers', async () => {
    const result = await runCheck({ method: 'POST', url: `${first.url}/post-308`, json: { a: 1 }, headers: { 'X-API-Key': 'k-secret-8' } });
    expect(result.outcome).toBe('pass');
    const last = ipv6.requests.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers).not.toHaveProperty('x-api-key');
  });
});
