/**
 * The CLI bundle's undici chunk (scripts/build-bundle.ts, UNDICI_FACADE): the dispatcher and
 * request() only, with request() called the ways our code calls it — with an Agent (the http
 * check), with undici's global dispatcher (the sandbox's health checker, bundled for `demo`) — and
 * with undici's `path` option. Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../support/cli.js';

type Facade = typeof import('undici');

const chunks = path.join(ROOT, 'dist', 'cli', 'chunks');
let server: Server;
let base: string;
let undici: Facade;

beforeAll(async () => {
  server = createServer((req, res) => res.end(JSON.stringify({ method: req.method, url: req.url })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const file = readdirSync(chunks).find((name) => /^undici-[A-Z0-9]+\.js$/.test(name));
  undici = (await import(pathToFileURL(path.join(chunks, file!)).href)) as Facade;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("the CLI bundle's undici", () => {
  it('exports the names the build checks our code against', async () => {
    const { UNDICI_EXPORTS } = await import('../../scripts/build-bundle.js');
    expect(Object.keys(undici).filter((name) => name !== 'default').sort()).toEqual([...UNDICI_EXPORTS].sort());
  });

  it.each([
    ['with an Agent', (u: Facade) => u.request(`${base}/a?x=1`, { dispatcher: new u.Agent() }), { method: 'GET', url: '/a?x=1' }],
    ['with the global dispatcher', (u: Facade) => u.request(`${base}/b`), { method: 'GET', url: '/b' }],
    ['with a path and a body (PUT by default)', (u: Facade) => u.request(base, { path: 'c?y=2', body: 'x' } as never), { method: 'PUT', url: '/c?y=2' }],
  ])('request() %s', async (_name, call, expected) => {
    const response = await call(undici);
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual(expected);
  });

  it('rejects what undici rejects', () => {
    expect(() => undici.request(`${base}/`, { agent: {} } as never)).toThrow(/unsupported opts.agent/);
  });
});
