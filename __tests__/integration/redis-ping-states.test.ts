/**
 * Transient or definitive, for redis-ping: each error reply or condition Redis documents gets the
 * outcome docs/checks/redis-ping.md lists. Produced on a real redis-server where a state can be
 * (LOADING, BUSY, MASTERDOWN, NOPERM, maxclients, a server that does not answer, auth), as a unit
 * for the rest (replies PING never gets from a single server: READONLY, cluster redirections).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { classifyErrorReply, redisPing } from '../../checks/redis-ping.js';
import { fakeContext } from '../support/context.js';
import { freePort } from '../support/ports.js';
import { requireTool } from '../support/tools.js';
import { startRedis, type RedisServer } from '../support/redis.js';

const suite = requireTool('redis-server', 'redis-ping state tests');

interface Spawned {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * redis-server on a free loopback port with extra arguments (DEBUG allowed from loopback,
 * replicaof…), its working directory (where DEBUG RELOAD writes its dump) a temporary one removed
 * with it.
 */
async function startCustom(args: string[]): Promise<Spawned> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vd-redis-'));
  try {
    const server = await startRedis({ args: ['--dir', dir, ...args] });
    return {
      port: server.port,
      url: server.url,
      stop: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function ping(url: string, connectTimeout = '1s') {
  return redisPing.run(redisPing.schema.parse({ url, connectTimeout }), fakeContext());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

suite('redis-ping against real redis-server states', () => {
  let states: Spawned; // DEBUG allowed: LOADING, BUSY, a sleeping server, maxclients, ACL
  let replica: Spawned; // a replica whose primary does not exist
  let guarded: RedisServer; // requirepass
  let admin: ReturnType<typeof createClient>;

  beforeAll(async () => {
    const missingPrimary = await freePort();
    [states, replica, guarded] = await Promise.all([
      startCustom(['--enable-debug-command', 'local']),
      startCustom(['--replicaof', '127.0.0.1', String(missingPrimary), '--replica-serve-stale-data', 'no']),
      startRedis({ password: 'right-password-1' }),
    ]);
    admin = createClient({ url: states.url, RESP: 2, disableClientInfo: true });
    admin.on('error', () => undefined);
    await admin.connect();
    await admin.sendCommand(['ACL', 'SETUSER', 'pingless', 'on', '>pingless-pw', '~*', '+@all', '-ping']);
  });

  afterAll(async () => {
    await admin?.quit().catch(() => undefined);
    await Promise.all([states?.stop(), replica?.stop(), guarded?.stop()]);
  });

  /** A second connection for commands that block the server (DEBUG SLEEP, EVAL, DEBUG RELOAD). */
  async function blocker() {
    const client = createClient({ url: states.url, RESP: 2, disableClientInfo: true });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  it('LOADING (dataset being loaded) → retry', async () => {
    await admin.sendCommand(['DEBUG', 'POPULATE', '3000']);
    await admin.sendCommand(['CONFIG', 'SET', 'key-load-delay', '1000']);
    await admin.sendCommand(['CONFIG', 'SET', 'loading-process-events-interval-bytes', '1024']);
    const client = await blocker();
    const reload = client.sendCommand(['DEBUG', 'RELOAD']).catch(() => undefined);
    await sleep(300);
    const result = await ping(states.url);
    await reload;
    await client.quit().catch(() => undefined);
    await admin.sendCommand(['CONFIG', 'SET', 'key-load-delay', '0']);
    await admin.sendCommand(['FLUSHALL']);
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(`Redis at ${states.url} is not ready: it is loading its dataset into memory (after a restart or a failover) (LOADING Redis is loading the dataset in memory)`);
    expect(result.facts).toMatchObject({ failure: 'loading' });
  });

  it('BUSY (a script past busy-reply-threshold) → retry', async () => {
    await admin.sendCommand(['CONFIG', 'SET', 'busy-reply-threshold', '100']);
    const client = await blocker();
    const script = client.sendCommand(['EVAL', 'while true do end', '0']).catch(() => undefined);
    await sleep(300);
    const result = await ping(states.url);
    await admin.sendCommand(['SCRIPT', 'KILL']);
    await script;
    await client.quit().catch(() => undefined);
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('is not ready: a script or function has run longer than busy-reply-threshold');
    expect(result.facts).toMatchObject({ failure: 'busy' });
  });

  it('a server that accepts but does not answer (DEBUG SLEEP) → retry, naming the stage', async () => {
    const client = await blocker();
    const sleeping = client.sendCommand(['DEBUG', 'SLEEP', '1.5']).catch(() => undefined);
    await sleep(100);
    const result = await ping(states.url, '500ms');
    await sleeping;
    await client.quit().catch(() => undefined);
    expect(result.outcome).toBe('retry');
    expect(result.message).toBe(`no answer from 127.0.0.1:${states.port} within 500ms (connected, but no reply to PING)`);
    expect(result.facts).toMatchObject({ failure: 'timeout' });
  });

  it('max number of clients reached → retry', async () => {
    await admin.sendCommand(['CONFIG', 'SET', 'maxclients', '1']);
    const result = await ping(states.url);
    await admin.sendCommand(['CONFIG', 'SET', 'maxclients', '10000']);
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('is not ready: it has reached maxclients connections (ERR max number of clients reached)');
    expect(result.facts).toMatchObject({ failure: 'maxclients' });
  });

  it('MASTERDOWN (a replica cut from its primary) → retry', async () => {
    const result = await ping(replica.url);
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('is not ready: this replica lost its link to the primary and does not serve stale data (MASTERDOWN');
    expect(result.facts).toMatchObject({ failure: 'masterdown' });
  });

  it('NOPERM (an ACL user without +ping) → fail', async () => {
    const result = await ping(`redis://pingless:pingless-pw@127.0.0.1:${states.port}`);
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('refused PING: the ACL user may not run PING (NOPERM');
    expect(JSON.stringify(result)).not.toContain('pingless-pw');
  });

  it.each([
    ['WRONGPASS', 'redis://:wrong-password-2@127.0.0.1:PORT', 'wrong password or user (WRONGPASS)'],
    ['NOAUTH', 'redis://127.0.0.1:PORT', 'a password is required but the URL has none (NOAUTH)'],
  ])('%s → fail', async (_reply, template, text) => {
    const result = await ping(template.replace('PORT', String(guarded.port)));
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`refused authentication: ${text}`);
    expect(result.facts).toMatchObject({ failure: 'auth' });
  });

  it('ECONNREFUSED → retry', async () => {
    const port = await freePort();
    const result = await ping(`redis://127.0.0.1:${port}`);
    expect(result).toMatchObject({ outcome: 'retry', message: `connection refused to 127.0.0.1:${port}` });
  });
});

describe('redis-ping error replies a single server does not send to PING (unit)', () => {
  it.each([
    ['READONLY You can\'t write against a read only replica.', 'retry', 'readonly'],
    ['TRYAGAIN Multiple keys request during rehashing of slot', 'retry', 'cluster'],
    ['CLUSTERDOWN The cluster is down', 'retry', 'cluster'],
    ['CLUSTERDOWN Hash slot not served', 'retry', 'cluster'],
    ['MOVED 3999 127.0.0.1:6381', 'retry', 'cluster'],
    ['ASK 3999 127.0.0.1:6381', 'retry', 'cluster'],
    ['LOADING Redis is loading the dataset in memory', 'retry', 'loading'],
    ['BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.', 'retry', 'busy'],
    ["MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", 'retry', 'masterdown'],
    ['ERR max number of clients reached', 'retry', 'maxclients'],
    ['WRONGPASS invalid username-password pair or user is disabled.', 'fail', 'auth'],
    ['NOAUTH Authentication required.', 'fail', 'auth'],
    ['ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?', 'fail', 'auth'],
    ['ERR invalid password', 'fail', 'auth'],
    ["NOPERM this user has no permissions to run the 'ping' command", 'fail', 'noperm'],
    ['DENIED Redis is running in protected mode because protected mode is enabled', 'fail', 'denied'],
    ['ERR unknown command', 'fail', 'error-reply'],
    ['OOM command not allowed when used memory > maxmemory', 'fail', 'error-reply'],
  ])('%s → %s (%s)', (reply, outcome, failure) => {
    expect(classifyErrorReply(reply, true)).toMatchObject({ outcome, failure });
  });
});
