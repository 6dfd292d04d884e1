/**
 * A CheckContext for the library's own AWS calls outside a scenario run: discovery, finding and
 * releasing a lifecycle hook, resolving a service revision, listing a cluster's services.
 */
import type { CheckContext, ClientProvider } from '../checks/types.js';
import { timeoutSignal } from '../checks/support/abort.js';

/** Per-call timeout of those calls, ms. */
export const CALL_TIMEOUT_MS = 15_000;

/**
 * The context `awsCall` and the service-deployment helpers take: `signal` (the run's, e.g.
 * SIGINT) bounded by `timeoutMs`; no secrets to add, debug lines dropped, nothing to mask (these
 * look-ups report names and states, never values the scenario declared secret).
 */
export function callContext(clients: ClientProvider, signal?: AbortSignal, timeoutMs = CALL_TIMEOUT_MS): CheckContext {
  return {
    signal: timeoutSignal(timeoutMs, signal),
    attempt: 1,
    timeoutMs,
    clients,
    scenarioDir: '.',
    log: { debug: () => {} },
    addSecret: () => {},
    mask: (text) => text,
  };
}
