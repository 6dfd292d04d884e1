/**
 * Content-Encoding and charset: the body is judged as a browser or JSON parser reads it, never as
 * compressed bytes, and an encoding that cannot be undone is an error, never a pass.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import zlib from 'node:zlib';
import { http } from '../../checks/http.js';
import { charsetOf, decodeText, parseContentEncoding } from '../../checks/support/http-body.js';
import { fakeContext } from '../support/context.js';
import { respondBytes, respondStream, startHttpServer, type TestHttpServer } from '../support/http-server.js';

let server: TestHttpServer;

const DEGRADED = JSON.stringify({ status: 'degraded', targets: [{ state: 'unhealthy' }] });
const HEALTHY = JSON.stringify({ status: 'ok', targets: [{ state: 'healthy' }] });

/** Each way a server can encode a body, with the bytes it would send. */
const ENCODINGS: [header: string, encode: (text: string) => Buffer][] = [
  ['gzip', (t) => zlib.gzipSync(t)],
  ['x-gzip', (t) => zlib.gzipSync(t)],
  ['deflate', (t) => zlib.deflateSync(t)], // zlib-wrapped, as RFC 9110 says
  ['deflate', (t) => zlib.deflateRawSync(t)], // raw, as some servers send
  ['br', (t) => zlib.brotliCompressSync(t)],
  ['identity', (t) => Buffer.from(t)],
  ['gzip, br', (t) => zlib.brotliCompressSync(zlib.gzipSync(t))], // applied in order: gzip, then br
  ['deflate,gzip', (t) => zlib.gzipSync(zlib.deflateSync(t))],
  ['GZIP', (t) => zlib.gzipSync(t)],
  ['identity, gzip', (t) => zlib.gzipSync(t)],
];

beforeAll(async () => {
  server = await startHttpServer();
  ENCODINGS.forEach(([header, encode], index) => {
    for (const [name, text] of [['degraded', DEGRADED], ['healthy', HEALTHY]] as const) {
      server.route(`/${name}/${index}`, respondBytes(200, encode(text), { 'content-type': 'application/json', 'content-encoding': header }));
    }
  });
  server.route('/zstd', respondBytes(200, Buffer.from('(pretend zstd) degraded'), { 'content-encoding': 'zstd' }));
  server.route('/compress', respondBytes(200, Buffer.from('degraded'), { 'content-encoding': 'compress' }));
  server.route('/corrupt-gzip', respondBytes(200, Buffer.from('this is not gzip at all, degraded'), { 'content-encoding': 'gzip' }));
  const gz = zlib.gzipSync(DEGRADED.repeat(50));
  server.route('/truncated-gzip', respondBytes(200, gz.subarray(0, gz.length - 20), { 'content-encoding': 'gzip' }));
  server.route('/corrupt-br', respondBytes(200, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), { 'content-encoding': 'br' }));
  server.route('/head-gzip', (req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
    res.end(req.method === 'HEAD' ? undefined : zlib.gzipSync('ok'));
  });
  // A decompression bomb: 10 MiB of zeros then "degraded", gzip'd to ~10 KiB.
  const bomb = zlib.gzipSync(Buffer.concat([Buffer.alloc(10 * 1024 * 1024, 0x20), Buffer.from('degraded')]), { level: 9 });
  server.route('/bomb', respondBytes(200, bomb, { 'content-encoding': 'gzip', 'content-type': 'text/plain' }));
  // An endless compressed stream of spaces: the check must stop reading and still answer.
  const spaces = zlib.gzipSync(Buffer.alloc(1024 * 1024, 0x20));
  server.route('/endless-gzip', respondStream(200, Buffer.concat([spaces]), 200 * spaces.length, { 'content-encoding': 'gzip', 'content-type': 'text/plain' }));
  // Text in other charsets and with BOMs.
  server.route('/utf16le', respondBytes(200, Buffer.from('\ufeff{"status":"degraded"}', 'utf16le'), { 'content-type': 'application/json' }));
  server.route('/utf16le-declared', respondBytes(200, Buffer.from('{"status":"dégradé"}', 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' }));
  server.route('/utf16be-bom', respondBytes(200, utf16be('\ufeff{"status":"degraded"}'), { 'content-type': 'application/json' }));
  server.route('/utf8-bom', respondBytes(200, Buffer.from('\ufeff{"status":"ok"}', 'utf8'), { 'content-type': 'application/json' }));
  server.route('/latin1', respondBytes(200, Buffer.from('état: dégradé', 'latin1'), { 'content-type': 'text/plain; charset=ISO-8859-1' }));
  server.route('/gzip-utf16', respondBytes(200, zlib.gzipSync(Buffer.from('\ufeffstatus: degraded', 'utf16le')), { 'content-encoding': 'gzip', 'content-type': 'text/plain' }));
  server.route('/unknown-charset', respondBytes(200, Buffer.from('status: degraded'), { 'content-type': 'text/plain; charset=x-klingon' }));
});

afterAll(async () => {
  await server?.stop();
});

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

function runCheck(spec: Record<string, unknown>) {
  return http.run(http.schema.parse(spec), fakeContext());
}

describe('http decodes Content-Encoding before judging the body', () => {
  const cases = ENCODINGS.map(([header], index) => [header, index] as const);

  it.each(cases)('%s: bodyNotContains "degraded" on a degraded body fails', async (_header, index) => {
    const result = await runCheck({ url: `${server.url}/degraded/${index}`, expect: { bodyNotContains: 'degraded' } });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('body contains "degraded"');
    expect(result.message).toContain('body: {"status":"degraded"');
  });

  it.each(cases)('%s: the same check passes on a healthy body, and JSON paths read the decoded JSON', async (_header, index) => {
    const result = await runCheck({
      url: `${server.url}/healthy/${index}`,
      expect: { bodyNotContains: 'degraded', bodyContains: '"ok"', json: { '$.status': 'ok', '$.targets[*].state': ['healthy'] } },
    });
    expect(result.outcome).toBe('pass');
    expect((result.details?.response as { bodyBytes: number }).bodyBytes).toBe(Buffer.byteLength(HEALTHY));
  });

  it.each([
    ['/zstd', 'cannot decode Content-Encoding "zstd"'],
    ['/compress', 'cannot decode Content-Encoding "compress"'],
    ['/corrupt-gzip', 'cannot decode the gzip body: incorrect header check'],
    ['/truncated-gzip', 'cannot decode the gzip body: unexpected end of file'],
    ['/corrupt-br', 'cannot decode the br body'],
  ])('%s is an error naming the encoding, never a pass on the raw bytes', async (route, reason) => {
    const result = await runCheck({ url: `${server.url}${route}`, expect: { bodyNotContains: 'nothing-like-this' } });
    expect(result.outcome).toBe('error');
    expect(result.message).toContain(reason);
    expect(result.facts).not.toHaveProperty('networkError');
  });

  it('accepts a HEAD answer that announces gzip but carries no body', async () => {
    const result = await runCheck({ method: 'HEAD', url: `${server.url}/head-gzip` });
    expect(result.outcome).toBe('pass');
  });

  it('bounds a decompression bomb at 1 MiB decoded and will not call "degraded" absent', async () => {
    const before = process.memoryUsage().rss;
    const result = await runCheck({ url: `${server.url}/bomb`, expect: { bodyNotContains: 'degraded' } });
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('cannot tell whether the body contains "degraded": only the first 1 MiB of the decoded body were read');
    expect(result.details?.response).toMatchObject({ bodyBytes: 1024 * 1024, bodyTruncated: true, contentEncoding: 'gzip' });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('stops reading an endless compressed stream and says the body was cut', async () => {
    const result = await runCheck({ url: `${server.url}/endless-gzip`, expect: { bodyContains: 'never there' } });
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('body does not contain "never there" (only the first 1 MiB of the decoded body were read)');
    expect(result.details?.response).toMatchObject({ bodyTruncated: true });
  });
});

describe('http decodes text as browsers and JSON parsers do', () => {
  it.each([
    ['/utf16le', { '$.status': 'degraded' }, 'utf-16le'],
    ['/utf16le-declared', { '$.status': 'dégradé' }, 'utf-16le'],
    ['/utf16be-bom', { '$.status': 'degraded' }, 'utf-16be'],
    ['/utf8-bom', { '$.status': 'ok' }, 'utf-8'],
  ])('%s: JSON paths see the text, the BOM honoured and stripped', async (route, json, charset) => {
    const result = await runCheck({ url: `${server.url}${route}`, expect: { json } });
    expect(result.outcome).toBe('pass');
    expect(result.details?.response).toMatchObject({ charset });
  });

  it.each([
    ['/latin1', 'dégradé'],
    ['/gzip-utf16', 'degraded'],
    ['/utf16le', 'degraded'],
    ['/unknown-charset', 'degraded'],
  ])('%s: bodyNotContains %j matches the decoded text', async (route, needle) => {
    const result = await runCheck({ url: `${server.url}${route}`, expect: { bodyNotContains: needle } });
    expect(result.outcome).toBe('fail');
  });

  it('says which unknown charset it fell back from', async () => {
    const result = await runCheck({ url: `${server.url}/unknown-charset` });
    expect(result.details?.response).toMatchObject({ charset: 'utf-8 (unknown charset "x-klingon")' });
  });
});

describe('http-body units', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['identity', []],
    ['gzip', ['gzip']],
    [' GZip , br ', ['gzip', 'br']],
    ['deflate, identity', ['deflate']],
  ])('parseContentEncoding(%j) → %j', (header, codings) => {
    expect(parseContentEncoding(header)).toEqual(codings);
  });

  it.each(['zstd', 'gzip, zstd', 'compress', 'sdch'])('parseContentEncoding(%j) throws naming the coding', (header) => {
    expect(() => parseContentEncoding(header)).toThrow(/cannot decode Content-Encoding "(zstd|compress|sdch)"/);
  });

  it.each([
    ['application/json', undefined],
    ['text/html; charset=UTF-8', 'utf-8'],
    ['text/html;charset="ISO-8859-1"', 'iso-8859-1'],
    ['text/plain; format=flowed; charset=utf-16le', 'utf-16le'],
    [undefined, undefined],
  ])('charsetOf(%j) → %j', (contentType, charset) => {
    expect(charsetOf(contentType)).toBe(charset);
  });

  it('lets a BOM win over the declared charset', () => {
    expect(decodeText(Buffer.from('\ufeffhé', 'utf16le'), 'text/plain; charset=utf-8')).toEqual({ text: 'hé', charset: 'utf-16le' });
  });

  it('drops a character split by the byte bound instead of inventing U+FFFD', () => {
    const bytes = Buffer.from('abé', 'utf8').subarray(0, 3);
    expect(decodeText(bytes, undefined, true).text).toBe('ab');
    expect(decodeText(bytes, undefined, false).text).toBe('ab\ufffd');
  });
});
