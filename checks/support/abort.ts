/**
 * Abort signals that keep their promise on a loaded machine.
 *
 * Node 20's `AbortSignal.timeout()` holds its signal only weakly (its timer keeps a WeakRef): when the
 * only other holder is `AbortSignal.any([...])` or a listener, a garbage collection before the timer
 * fires drops the signal and the timeout never fires — a bounded call hangs, under exactly the memory
 * pressure of a busy run (reproduced: `AbortSignal.any([AbortSignal.timeout(200)])` plus a forced GC
 * never aborts). `timeoutSignal()` is held strongly by its own timer until it fires or is cleared.
 */

/**
 * A signal that aborts with a `TimeoutError` DOMException after `ms` milliseconds (whole ms, ≥ 0),
 * or at once when any of `parents` aborts (with that parent's reason). The timer is unref'd (it
 * never keeps the process alive on its own) but strongly held, unlike `AbortSignal.timeout()`'s.
 */
export function timeoutSignal(ms: number, ...parents: Array<AbortSignal | undefined>): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), Math.max(0, Math.floor(ms)));
  timer.unref?.();
  const onParentAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  controller.signal.addEventListener(
    'abort',
    () => {
      clearTimeout(timer);
      for (const parent of parents) parent?.removeEventListener('abort', onParentAbort);
    },
    { once: true },
  );
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onParentAbort, { once: true });
  }
  return controller.signal;
}

/**
 * A promise that rejects with `signal.reason` when `signal` aborts (at once if it already has), for
 * racing work that may not honour its signal (a check, an SDK step before its request is sent).
 * `dispose()` removes the listener; the promise never rejects unhandled.
 */
export function abortPromise(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}
