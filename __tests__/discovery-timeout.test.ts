/**
 * Discovery's own time bound holds even when an SDK step ignores the abort signal (credential or
 * endpoint resolution before a request is sent is not abortable): the answer is a DiscoveryError at
 * the timeout, never a hang.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { discover, DiscoveryError } from '../runner/discovery/index.js';

const ecs = mockClient(ECSClient);

beforeEach(() => {
  ecs.reset();
});

describe('discover timeout', () => {
  it('a call that never settles and ignores its signal still ends in a DiscoveryError at the timeout', async () => {
    let called = 0;
    ecs.on(DescribeServicesCommand).callsFake(() => {
      called += 1;
      return new Promise(() => {});
    });
    const error = await discover({ cluster: 'shop', service: 'checkout', region: 'us-east-1' }, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(called).toBe(1);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toBe('cannot discover checkout: AWS did not answer within 0.2s');
  });

  it('an abort from the caller ends it as interrupted', async () => {
    ecs.on(DescribeServicesCommand).callsFake(() => new Promise(() => {}));
    const controller = new AbortController();
    const pending = discover({ cluster: 'shop', service: 'checkout', region: 'us-east-1' }, { timeoutMs: 60_000, signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error('SIGINT')), 50);
    const error = await pending;
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toBe('cannot discover checkout: interrupted');
  });
});
