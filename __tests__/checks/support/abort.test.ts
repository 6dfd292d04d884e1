/**
 * timeoutSignal: a timeout that fires even when only AbortSignal.any() and listeners hold it and a
 * garbage collection runs first (Node 20's AbortSignal.timeout() is dropped then and never fires).
 */
import { describe, expect, it } from '@jest/globals';
import v8 from 'node:v8';
import vm from 'node:vm';
import { abortPromise, timeoutSignal } from '../../../checks/support/abort.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const aborted = (signal: AbortSignal) => new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));

describe('timeoutSignal', () => {
  it('fires through AbortSignal.any() after a garbage collection (what AbortSignal.timeout() fails to do on Node 20)', async () => {
    const composite = AbortSignal.any([timeoutSignal(100)]);
    const reason = aborted(composite);
    gc();
    await new Promise((resolve) => setTimeout(resolve, 30));
    gc();
    const keepAlive = setTimeout(() => {}, 5_000);
    try {
      await expect(reason).resolves.toMatchObject({ name: 'TimeoutError' });
    } finally {
      clearTimeout(keepAlive);
    }
  });

  it('aborts with a parent, at once if the parent already has, with the parent reason', async () => {
    const parent = new AbortController();
    const signal = timeoutSignal(60_000, undefined, parent.signal);
    expect(signal.aborted).toBe(false);
    parent.abort(new Error('SIGINT'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('SIGINT');

    const gone = AbortSignal.abort(new Error('already'));
    expect((timeoutSignal(60_000, gone).reason as Error).message).toBe('already');
  });

  it('does not keep the process alive and rounds fractions of a millisecond', async () => {
    const signal = timeoutSignal(10.7);
    await expect(aborted(signal)).resolves.toMatchObject({ name: 'TimeoutError' });
  });
});

describe('abortPromise', () => {
  it('rejects with the reason when the signal aborts, and never unhandled after dispose', async () => {
    const controller = new AbortController();
    const { promise, dispose } = abortPromise(controller.signal);
    controller.abort(new Error('stop'));
    await expect(promise).rejects.toThrow('stop');
    dispose();
  });
});
