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
