/**
 * Secrets in HTTP messages: known before anything is printed, never shell-quoted into a form the
 * masker misses, and never cut in half by an excerpt (mask the raw text first, then cut).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { curlTimingCommand, displayUrl, envNameOf, http, requestSecrets } from '../../checks/http.js';
import { bodyExcerpt, cutAtBoundary, short } from '../../checks/support/http-expectations.js';
import { Masker } from '../../runner/mask.js';
import type { CheckContext } from '../../checks/types.js';
import { fakeContext } from '../support/context.js';
import { respond, startHttpServer, type TestHttpServer } from '../support/http-server.js';

let server: TestHttpServer;

const KEY = "k3y'with\"quotes$and`ticks";
const PADDING = 'word '.repeat(39); // 195 characters: a secret starting here straddles the 200-char cut

beforeAll(async () => {
  server = await startHttpServer();
  // Echoes the X-API-Key so it lands across the 200-character excerpt limit.
  server.route('/straddle', (req, res, body, tools) => {
    respond(500, `${PADDING}${String(req.headers['x-api-key'])} tail`)(req, res, body, tools);
  });
  server.route('/declared', respond(500, `${PADDING}DECLAREDSECRETVALUE0123456789 tail`));
  server.route('/pem', respond(500, 'error: key -----BEGIN KEY-----\nMIIBOgIBAAJBAK\nq7zLw==\n-----END KEY----- rejected'));
});

afterAll(async () => {
  await server?.stop();
});

/** Everything a reporter could print for this attempt, after the run's masker. */
function printed(result: unknown, masker: Masker): string {
  return JSON.stringify(masker.maskDeep(result));
}

/** A context whose addSecret feeds a real Masker, as the runner's does. */
function maskingContext(declared: string[] = [], withMask = false) {
  const masker = new Masker(declared);
  const ctx = fakeContext({ addSecret: (value) => masker.add(value) });
  const full = withMask ? Object.assign(ctx, { mask: (text: string) => masker.mask(text) }) : ctx;
  return { masker, ctx: full as CheckContext };
}

describe('http registers every secret of the request before anything is printed', () => {
  it.each([
    ['a sensitive header', { url: 'http://h/x', headers: { 'X-API-Key': 'v-1', Accept: 'text/plain' } }, ['v-1']],
    ['a session header', { url: 'http://h/x', headers: { 'X-Hokusai-Session': 'v-2' } }, ['v-2']],
    ['a signature header', { url: 'http://h/x', headers: { 'X-Hub-Signature': 'sha256=v3' } }, ['sha256=v3']],
    ['the URL password', { url: 'http://user:p%40ss@h/x' }, ['p%40ss', 'p@ss']],
    ['sensitive query values', { url: 'http://h/x?api_key=q-1&page=2&X-Amz-Signature=q-2' }, ['q-1', 'q-2']],
    ['nothing sensitive', { url: 'http://h/x?page=2', headers: { 'X-Trace': 't' } }, []],
  ])('%s', (_what, spec, secrets) => {
    expect(requestSecrets(spec)).toEqual(secrets);
  });

  it('registers them at the start of run(), before the first request', async () => {
    const ctx = fakeContext();
    let registeredBeforeRequest: string[] = [];
    server.route('/first', (req, res, body, tools) => {
      registeredBeforeRequest = [...ctx.secrets];
      respond(200, 'ok')(req, res, body, tools);
    });
    await http.run(http.schema.parse({ url: `${server.url}/first?token=q-9`, headers: { 'X-API-Key': 'h-9' } }), ctx);
    expect(registeredBeforeRequest).toEqual(expect.arrayContaining(['h-9', 'q-9']));
  });

  it('describes and labels the URL with its credentials as ***', () => {
    const spec = http.schema.parse({ url: 'https://app:pw-1@h/x?api_key=q-1&page=2' });
    expect(http.describe(spec)).toBe('GET https://app:***@h/x?api_key=***&page=2 → 2xx');
    expect(displayUrl('http://h/x?page=2#frag')).toBe('http://h/x?page=2#frag');
  });
});

describe('the curl next step never shell-quotes a secret', () => {
  it('references every scenario header value as an environment variable', () => {
    const command = curlTimingCommand(http.schema.parse({ method: 'POST', url: 'http://h/x', headers: { 'X-API-Key': KEY, "X-O'Brien": 'v' }, json: {} }));
    expect(command).toContain(` -X POST -H 'X-API-Key: '"$X_API_KEY" -H 'X-O'\\''Brien: '"$X_O_BRIEN"`);
    expect(command).not.toContain('k3y');
    expect(command).toMatch(/# set the header variables first; plus the scenario's request body$/);
  });

  it.each([
    ['a sensitive query value', "http://h/x?token=p'ss", "'http://h/x?token=***'"],
    ['a URL password', "http://u:p'ss@h/x", "'http://u:***@h/x'"],
    ['a quote elsewhere in the URL', "http://h/it's/x", '"$URL"'],
  ])('%s', (_what, url, shown) => {
    const command = curlTimingCommand(http.schema.parse({ url }));
    expect(command).toContain(` -w '`);
    expect(command.endsWith(shown) || command.includes(`${shown}   #`)).toBe(true);
    expect(command).not.toContain("p'ss");
    expect(command).not.toContain("'\\''");
  });

  it.each([
    ['X-API-Key', 'X_API_KEY'],
    ['authorization', 'AUTHORIZATION'],
    ['1-Weird', 'H_1_WEIRD'],
  ])('envNameOf(%s) → %s', (header, name) => {
    expect(envNameOf(header)).toBe(name);
  });

  it('a failed run with a quoted secret header prints nothing of it, in any field', async () => {
    const { masker, ctx } = maskingContext();
    const result = await http.run(http.schema.parse({ url: `${server.url}/straddle`, headers: { 'X-API-Key': KEY } }), ctx);
    const out = printed(result, masker);
    for (const part of ['k3y', 'quotes', 'ticks']) expect(out).not.toContain(part);
  });
});

describe('excerpts are cut after masking, never through a secret', () => {
  it('a secret the check knows (a header echoed by the server) is *** before the 200-char cut', async () => {
    const secret = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const { masker, ctx } = maskingContext();
    const result = await http.run(http.schema.parse({ url: `${server.url}/straddle`, headers: { 'X-API-Key': secret } }), ctx);
    expect(result.message).toContain(`${PADDING.trim()} ***`);
    const out = printed(result, masker);
    for (let cut = 4; cut <= secret.length; cut++) expect(out).not.toContain(secret.slice(0, cut));
  });

  it('a declared secret the check does not know is shown whole (then masked) or not at all', async () => {
    const secret = 'DECLAREDSECRETVALUE0123456789';
    const { masker, ctx } = maskingContext([secret]);
    const result = await http.run(http.schema.parse({ url: `${server.url}/declared` }), ctx);
    const out = printed(result, masker);
    for (let cut = 4; cut <= secret.length; cut++) expect(out).not.toContain(secret.slice(0, cut));
  });

  it('a multi-line declared secret is masked on the raw body, before whitespace is folded (when the run offers its masker)', async () => {
    const pem = '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\nq7zLw==\n-----END KEY-----';
    const { masker, ctx } = maskingContext([pem], true);
    const result = await http.run(http.schema.parse({ url: `${server.url}/pem` }), ctx);
    expect(result.message).toContain('body: error: key *** rejected');
    const out = printed(result, masker);
    for (const line of pem.split('\n')) expect(out).not.toContain(line);
  });

  it.each([
    ['a cut inside a word backs off to the last break', 'aaa bbb ccccccccc', 10, 'aaa bbb…'],
    ['a cut right at a break keeps the words', 'aaa bbb ccc', 8, 'aaa bbb…'],
    ['short text is unchanged', 'short', 10, 'short'],
    ['JSON: the value is dropped, not half-shown', '{"token":"abcdefghijklmnop"}', 20, '{"token":"…'],
    ['no break at all: not shown', 'x'.repeat(50), 10, '(50 characters without a word break, not shown)'],
  ])('cutAtBoundary: %s', (_what, text, max, cut) => {
    expect(cutAtBoundary(text, max)).toBe(cut);
  });

  it('bodyExcerpt redacts, then folds, then cuts', () => {
    const redact = (text: string) => text.replace('line1\nline2', '***');
    expect(bodyExcerpt('secret: line1\nline2   and\tmore', 200, redact)).toBe('secret: *** and more');
  });

  it('short() (JSON values in messages) redacts before it cuts', () => {
    const value = { note: 'n'.repeat(60), token: 'SECRET-TOKEN-123' };
    expect(short(value, (t) => t.replace('SECRET-TOKEN-123', '***'))).not.toContain('SECRET');
    // The 80-character cut falls inside the value: it is dropped whole, not half-shown.
    const cut = short({ note: 'n'.repeat(55), token: 'SECRETPARTLONGVALUE' });
    expect(cut).toBe(`{"note":"${'n'.repeat(55)}","token":"…`);
  });
});

describe('header values are known to the masker at load, before the run prints anything', () => {
  it.each(['X-API-Key', 'X-Hokusai-Session', 'X-Functions-Key', 'X-Hub-Signature', 'Authorization'])('%s', async (header) => {
    const { parseScenario } = await import('../../runner/load.js');
    const { checkTypes } = await import('../../checks/index.js');
    const text = [
      'name: s',
      'checks:',
      '  - name: c',
      '    type: http',
      '    url: http://127.0.0.1:1/x',
      `    headers: { ${header}: "load-time-value-42" }`,
    ].join('\n');
    const scenario = parseScenario(text, { checkTypes, env: {}, displayName: 's.yaml', dir: process.cwd() });
    // The progress line printed at check start is masked with this masker, before run() is called.
    expect(scenario.masker.mask('echo load-time-value-42')).toBe('echo ***');
  });
});
