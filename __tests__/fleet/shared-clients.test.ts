/**
 * SharedClients against a fake SDK client that records every call it receives: identical Describe
 * requests share one call, answers are reused only while young, DescribeServices requests of one
 * cluster go out batched and each caller gets only its own service back, aborts stay per caller,
 * and everything else goes straight through.
 */
import { describe, expect, it } from '@jest/globals';
import type { ClientFactory } from '../../checks/types.js';
import { ClientPool } from '../../runner/clients.js';
import { DESCRIBE_SERVICES_BATCH, operationName, SharedClients } from '../../runner/fleet/shared-clients.js';

class DescribeServicesCommand {
  constructor(readonly input: { cluster?: string; services: string[]; include?: string[] }) {}
}
class DescribeTargetHealthCommand {
  constructor(readonly input: { TargetGroupArn: string }) {}
}
class FilterLogEventsCommand {
  constructor(readonly input: { logGroupName: string }) {}
}

interface Received {
  operation: string;
  input: unknown;
  signal?: AbortSignal;
}

/** A client that answers after `delayMs`, listing the services it was asked for (`missing-*` as MISSING). */
function fakeClient(options: { delayMs?: number; fail?: Error; malformed?: boolean } = {}) {
  const received: Received[] = [];
  let answered = 0;
  const client = {
    config: { region: () => Promise.resolve('eu-west-1') },
    destroyed: false,
    destroy() {
      this.destroyed = true;
    },
    send(command: { input: unknown }, sendOptions?: { abortSignal?: AbortSignal }): Promise<unknown> {
      const operation = operationName(command);
      received.push({ operation, input: command.input, signal: sendOptions?.abortSignal });
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          if (options.fail) return reject(options.fail);
          answered += 1;
          if (options.malformed) return resolve({ $metadata: {} });
          if (operation === 'DescribeServices') {
            const names = (command.input as { services: string[] }).services;
            resolve({
              $metadata: { httpStatusCode: 200 },
              services: names.filter((n) => !n.startsWith('missing')).map((n) => ({ serviceName: n, serviceArn: `arn:aws:ecs:eu-west-1:1:service/shop/${n}`, status: 'ACTIVE', answer: answered })),
              failures: names.filter((n) => n.startsWith('missing')).map((n) => ({ arn: `arn:aws:ecs:eu-west-1:1:service/shop/${n}`, reason: 'MISSING' })),
            });
          } else resolve({ $metadata: {}, answer: answered, input: command.input });
        }, options.delayMs ?? 5);
        sendOptions?.abortSignal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(sendOptions.abortSignal!.reason);
        });
      });
    },
  };
  return { client, received };
}

type Fake = ReturnType<typeof fakeClient>['client'];

function shared(fake: Fake, options?: ConstructorParameters<typeof SharedClients>[1]) {
  const factory: ClientFactory<Fake> = { id: 'fake', create: async () => fake };
  const clients = new SharedClients(new ClientPool(), options);
  return { clients, get: () => clients.get(factory) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SharedClients', () => {
  it('sends identical Describe requests made at once as one call, and each caller gets its own copy', async () => {
    const { client, received } = fakeClient();
    const { clients, get } = shared(client);
    const ecs = await get();
    const answers = (await Promise.all([1, 2, 3].map(() => ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' }))))) as { answer: number }[];
    expect(received).toHaveLength(1);
    expect(answers.map((a) => a.answer)).toEqual([1, 1, 1]);
    answers[0]!.answer = 99;
    expect(answers[1]!.answer).toBe(1);
    expect(clients.stats).toMatchObject({ sent: 1, joined: 2 });
  });

  it('reuses an answer only while it is younger than maxAgeMs', async () => {
    const { client, received } = fakeClient({ delayMs: 1 });
    const { clients, get } = shared(client, { maxAgeMs: 150 });
    const ecs = await get();
    const ask = () => ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' })) as Promise<{ answer: number }>;
    expect((await ask()).answer).toBe(1);
    expect((await ask()).answer).toBe(1);
    await sleep(200);
    expect((await ask()).answer).toBe(2);
    expect(received).toHaveLength(2);
    expect(clients.stats.reused).toBe(1);
  });

  it('never reuses with maxAgeMs 0 (sequential requests each make a call)', async () => {
    const { client, received } = fakeClient({ delayMs: 1 });
    const { get } = shared(client, { maxAgeMs: 0 });
    const ecs = await get();
    await ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' }));
    await ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' }));
    expect(received).toHaveLength(2);
  });

  it('keeps requests that differ in any input field apart (key order does not matter)', async () => {
    const { client, received } = fakeClient();
    const { get } = shared(client);
    const ecs = await get();
    await Promise.all([
      ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' })),
      ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-2' })),
      ecs.send(new DescribeServicesCommand({ services: ['a', 'b'], cluster: 'shop' })),
      ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['a', 'b'] })),
    ]);
    expect(received.map((r) => r.operation).sort()).toEqual(['DescribeServices', 'DescribeTargetHealth', 'DescribeTargetHealth']);
  });

  it.each([
    ['FilterLogEvents', () => new FilterLogEventsCommand({ logGroupName: '/ecs/api' })],
  ])('sends %s (not a Describe call) every time', async (_name, command) => {
    const { client, received } = fakeClient();
    const { get } = shared(client);
    const ecs = await get();
    await Promise.all([ecs.send(command()), ecs.send(command())]);
    expect(received).toHaveLength(2);
  });

  it(`batches DescribeServices of one cluster, up to ${DESCRIBE_SERVICES_BATCH} services a call, and answers each caller with its own service`, async () => {
    const { client, received } = fakeClient();
    const { clients, get } = shared(client);
    const ecs = await get();
    const names = Array.from({ length: 23 }, (_, i) => `svc-${i}`);
    const answers = (await Promise.all(names.map((name) => ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: [name] }))))) as {
      services: { serviceName: string }[];
      failures: unknown[];
    }[];
    expect(received.map((r) => (r.input as { services: string[] }).services.length)).toEqual([10, 10, 3]);
    answers.forEach((answer, i) => {
      expect(answer.services.map((s) => s.serviceName)).toEqual([names[i]]);
      expect(answer.failures).toEqual([]);
    });
    expect(clients.stats).toMatchObject({ sent: 3, batched: 20 });
  });

  it('keeps clusters and other inputs (include) in separate batches', async () => {
    const { client, received } = fakeClient();
    const { get } = shared(client);
    const ecs = await get();
    await Promise.all([
      ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['a'] })),
      ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['b'] })),
      ecs.send(new DescribeServicesCommand({ cluster: 'blog', services: ['a'] })),
      ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['c'], include: ['TAGS'] })),
    ]);
    expect(received.map((r) => r.input)).toEqual(
      expect.arrayContaining([
        { cluster: 'shop', services: ['a', 'b'] },
        { cluster: 'blog', services: ['a'] },
        { cluster: 'shop', services: ['c'], include: ['TAGS'] },
      ]),
    );
    expect(received).toHaveLength(3);
  });

  it('gives a missing service its own MISSING failure, never a neighbour in the batch', async () => {
    const { client } = fakeClient();
    const { get } = shared(client);
    const ecs = await get();
    const [found, missing] = (await Promise.all([
      ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['api'] })),
      ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['missing-one'] })),
    ])) as { services: unknown[]; failures: { reason: string }[] }[];
    expect(found!.services).toHaveLength(1);
    expect(missing).toMatchObject({ services: [], failures: [{ reason: 'MISSING' }] });
  });

  it('hands a malformed batched answer to every caller as it came (the check reports it; no verdict from nothing)', async () => {
    const { client } = fakeClient({ malformed: true });
    const { get } = shared(client);
    const ecs = await get();
    const answers = await Promise.all(['a', 'b'].map((s) => ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: [s] }))));
    expect(answers).toEqual([{ $metadata: {} }, { $metadata: {} }]);
  });

  it('rejects every waiter with the call\'s error and does not keep it', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const { client, received } = fakeClient({ fail: throttled });
    const { get } = shared(client);
    const ecs = await get();
    const results = await Promise.allSettled([1, 2].map(() => ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' }))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBe(throttled);
    await ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' })).catch(() => undefined);
    expect(received).toHaveLength(2);
  });

  it("ends one caller's wait on its own abort, without cancelling the call the others wait for", async () => {
    const { client, received } = fakeClient({ delayMs: 50 });
    const { get } = shared(client);
    const ecs = await get();
    const controller = new AbortController();
    const first = ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' }), { abortSignal: controller.signal });
    const second = ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' }));
    controller.abort('SIGINT');
    await expect(first).rejects.toBe('SIGINT');
    await expect(second).resolves.toMatchObject({ answer: 1 });
    expect(received[0]!.signal!.aborted).toBe(false);
  });

  it('cancels the call when every caller has given up', async () => {
    const { client, received } = fakeClient({ delayMs: 1_000 });
    const { get } = shared(client);
    const ecs = await get();
    const controllers = [new AbortController(), new AbortController()];
    const waits = controllers.map((c) => ecs.send(new DescribeTargetHealthCommand({ TargetGroupArn: 'tg-1' }), { abortSignal: c.signal }).catch((e: unknown) => e));
    controllers.forEach((c) => c.abort('timeout'));
    expect(await Promise.all(waits)).toEqual(['timeout', 'timeout']);
    expect(received[0]!.signal!.aborted).toBe(true);
  });

  it('cancels a batched DescribeServices call once every service in it is given up', async () => {
    const { client, received } = fakeClient({ delayMs: 1_000 });
    const { get } = shared(client, { batchWindowMs: 1 });
    const ecs = await get();
    const controller = new AbortController();
    const waits = ['a', 'b'].map((s) => ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: [s] }), { abortSignal: controller.signal }).catch((e: unknown) => e));
    await sleep(20);
    expect(received).toHaveLength(1);
    controller.abort('SIGTERM');
    expect(await Promise.all(waits)).toEqual(['SIGTERM', 'SIGTERM']);
    expect(received[0]!.signal!.aborted).toBe(true);
  });

  it('leaves the rest of the client alone (config, destroy) and destroys it with the pool', async () => {
    const { client } = fakeClient();
    const { clients, get } = shared(client);
    const ecs = await get();
    await expect(ecs.config.region()).resolves.toBe('eu-west-1');
    expect(await get()).toBe(ecs);
    await clients.destroy();
    expect(client.destroyed).toBe(true);
  });

  it('scoped() fills the region and profile a scenario sets, under what a check asks for itself', async () => {
    const seen: unknown[] = [];
    const factory: ClientFactory<object> = {
      id: 'settings',
      create: async (settings) => {
        seen.push(settings);
        return {};
      },
    };
    const clients = new SharedClients(new ClientPool());
    const scoped = clients.scoped({ region: 'eu-west-1', profile: 'prod' });
    await scoped.get(factory);
    await scoped.get(factory, { region: 'us-east-2' });
    expect(seen).toEqual([
      { region: 'eu-west-1', profile: 'prod' },
      { region: 'us-east-2', profile: 'prod' },
    ]);
  });

  it('reads the operation from the SDK command schema, and from the class name otherwise', async () => {
    const { DescribeServicesCommand: Real } = await import('@aws-sdk/client-ecs');
    expect(operationName(new Real({ services: ['a'] }))).toBe('DescribeServices');
    expect(operationName(new FilterLogEventsCommand({ logGroupName: 'g' }))).toBe('FilterLogEvents');
  });
});
