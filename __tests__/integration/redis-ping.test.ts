import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from '@jest/globals';
import { maskRedisUrl, redisPing } from '../../checks/redis-ping.js';
import { fakeContext } from '../support/context.js';
import { freePort } from '../support/ports.js';
import { requireTool } from '../support/tools.js';
import { startRedis, startSilentServer, type RedisServer, type SilentServer } from '../support/redis.js';
import { timeoutSignal } from '../../checks/support/abort.js';

const suite = requireTool('redis-server', 'redis-ping integration tests');

// Needs URL-encoding (%, :) so the test also covers encoded and decoded forms being masked.
const PASSWORD = 'Tok3n%with:chars';
const ENCODED = encodeURIComponent(PASSWORD);

function spec(url: string, connectTimeout?: string) {
  return redisPing.schema.parse({ url, ...(connectTimeout ? { connectTimeout } : {}) });
}

/** Everything a reporter could print for this attempt. */
function printed(result: unknown, description: string): string {
  return JSON.stringify(result) + description;
}

describe('redis-ping URL handling', () => {
  it.each([
    ['redis://:s3cret@10.0.3.17:6379', 'redis://:***@10.0.3.17:6379'],
    ['rediss://app:s3cret@cache.example:6380/2', 'rediss://app:***@cache.example:6380/2'],
    ['redis://:${env.REDIS_AUTH_TOKEN}@host:6379', 'redis://:***@host:6379'],
    ['redis://:p@ss@host:6379', 'redis://:***@host:6379'],
    ['redis://app@host:6379', 'redis://app@host:6379'],
    ['redis://host:6379', 'redis://host:6379'],
  ])('masks %s as %s', (url, masked) => {
    expect(maskRedisUrl(url)).toBe(masked);
    expect(redisPing.describe(spec(url))).toBe(`Redis at ${masked} answers PING with PONG`);
  });

  it.each([
    ['http://host:6379'],
    ['host:6379'],
    ['redis://'],
  ])('rejects %s without echoing it', (url) => {
    const result = redisPing.schema.safeParse({ url: url.replace('host', 'host-with-:pw') });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).not.toContain('host-with');
  });

  it('is an error, not a crash, for a URL node-redis cannot use', async () => {
    const result = await redisPing.run(spec('redis://:pw@127.0.0.1:6379/not-a-db'), fakeContext());
    expect(result.outcome).toBe('error');
    expect(result.message).toBe('not a valid Redis URL: redis://:***@127.0.0.1:6379/not-a-db (Invalid pathname)');
  });

  it('rejects an unknown key and a duration without a unit', () => {
    expect(redisPing.schema.safeParse({ url: 'redis://h', password: 'x' }).success).toBe(false);
    expect(redisPing.schema.safeParse({ url: 'redis://h', connectTimeout: '2' }).success).toBe(false);
    expect(spec('redis://h', '2s').connectTimeout).toBe(2000);
  });
});

suite('redis-ping against a real redis-server', () => {
  let plain: RedisServer;
  let guarded: RedisServer;

  beforeAll(async () => {
    [plain, guarded] = await Promise.all([startRedis(), startRedis({ password: PASSWORD })]);
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), guarded?.stop()]);
  });

  it('passes with PONG and reports connect and ping times', async () => {
    const result = await redisPing.run(spec(plain.url), fakeContext());
    expect(result.outcome).toBe('pass');
    expect(result.message).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${plain.port} answered PONG \\(connect \\d+ms, ping \\d+ms\\)$`));
    expect(result.details).toMatchObject({ url: plain.url, tls: false, connectMs: expect.any(Number), pingMs: expect.any(Number) });
    expect(result.observations).toEqual([{ what: 'PING reply', expected: 'PONG', actual: 'PONG', ok: true }]);
  });

  it.each([
    ['the right password', 'pass', `redis://:${ENCODED}@127.0.0.1:PORT`, 'answered PONG'],
    ['the right password for the default user', 'pass', `redis://default:${ENCODED}@127.0.0.1:PORT`, 'answered PONG'],
    ['a wrong password', 'fail', 'redis://:not-the-password@127.0.0.1:PORT', 'WRONGPASS'],
    ['no password', 'fail', 'redis://127.0.0.1:PORT', 'NOAUTH'],
  ])('with requirepass and %s → %s, never printing the password', async (_label, outcome, template, text) => {
    const url = template.replace('PORT', String(guarded.port));
    const ctx = fakeContext();
    const s = spec(url);
    const result = await redisPing.run(s, ctx);
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(text);
    const output = printed(result, redisPing.describe(s));
    for (const secret of [PASSWORD, ENCODED, 'not-the-password']) expect(output).not.toContain(secret);
    if (url.includes('@')) {
      expect(result.details?.url).toMatch(/^redis:\/\/(default)?:\*\*\*@127\.0\.0\.1:\d+$/);
      expect(ctx.secrets.length).toBeGreaterThan(0);
    }
  });

  it('registers both the URL-encoded and the decoded password as secrets', async () => {
    const ctx = fakeContext();
    await redisPing.run(spec(`redis://:${ENCODED}@127.0.0.1:${guarded.port}`), ctx);
    expect(ctx.secrets).toEqual(expect.arrayContaining([PASSWORD, ENCODED]));
  });

  it('speaks TLS for rediss:// (a plain server never completes the handshake)', async () => {
    const result = await redisPing.run(spec(`rediss://127.0.0.1:${plain.port}`, '300ms'), fakeContext());
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(
      `no answer from 127.0.0.1:${plain.port} within 300ms (no connection; with rediss:// this is also what a server without TLS looks like)`,
    );
    expect(result.details).toMatchObject({ tls: true });
  });

  it('fails when the URL has a password the server does not use', async () => {
    const result = await redisPing.run(spec(`redis://:surplus@127.0.0.1:${plain.port}`), fakeContext());
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('server has none configured');
    expect(JSON.stringify(result)).not.toContain('surplus');
  });
});

describe('redis-ping when nothing answers', () => {
  let silent: SilentServer;

  beforeEach(async () => {
    silent = await startSilentServer();
  });
  afterEach(async () => {
    await silent?.stop();
  });

  it('retries on a refused connection, naming the address', async () => {
    const port = await freePort();
    const result = await redisPing.run(spec(`redis://127.0.0.1:${port}`), fakeContext());
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(`connection refused to 127.0.0.1:${port}`);
    expect(result.facts).toMatchObject({ port, failure: 'refused' });
  });

  it('ends promptly when a 300 ms attempt signal aborts', async () => {
    const started = Date.now();
    const signal = timeoutSignal(300);
    await expect(redisPing.run(spec(`redis://127.0.0.1:${silent.port}`), fakeContext({ signal }))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(1500);
    await expect(eventually(() => silent.open() === 0)).resolves.toBe(true);
  });

  it('closes its socket when aborted as the connection is accepted', async () => {
    const controller = new AbortController();
    const connected = silent.nextConnection().then(() => controller.abort(new Error('interrupted')));
    const attempt = redisPing.run(spec(`redis://127.0.0.1:${silent.port}`), fakeContext({ signal: controller.signal }));
    await expect(attempt).rejects.toThrow('interrupted');
    await connected;
    expect(silent.accepted()).toBe(1);
    await expect(eventually(() => silent.open() === 0)).resolves.toBe(true);
  });

  it('retries when its own connectTimeout passes without a PONG', async () => {
    const started = Date.now();
    const result = await redisPing.run(spec(`redis://127.0.0.1:${silent.port}`, '500ms'), fakeContext());
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(`no answer from 127.0.0.1:${silent.port} within 500ms (connected, but no reply to PING)`);
    expect(result.details).toMatchObject({ connectMs: expect.any(Number) });
    expect(result.details).not.toHaveProperty('pingMs');
    await expect(eventually(() => silent.open() === 0)).resolves.toBe(true);
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    await expect(redisPing.run(spec(`redis://127.0.0.1:${silent.port}`), fakeContext({ signal: controller.signal }))).rejects.toThrow('interrupted');
    expect(silent.accepted()).toBe(0);
  });
});

async function eventually(condition: () => boolean, withinMs = 3000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
