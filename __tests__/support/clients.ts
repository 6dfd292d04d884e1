/** The runner's AWS client pool for tests: one fresh pool per test (mocked SDK or the emulator alike). */
import { afterAll, beforeEach } from '@jest/globals';
import { ClientPool } from '../../runner/clients.js';

/**
 * A fresh ClientPool (us-east-1) for each test, so no cached client or credential outlives a test;
 * the last one is destroyed in afterAll. Read `.pool` inside tests and hooks.
 */
export function useClientPool(): { readonly pool: ClientPool } {
  let pool: ClientPool | undefined;
  beforeEach(async () => {
    await pool?.destroy();
    pool = new ClientPool({ region: 'us-east-1' });
  });
  afterAll(async () => {
    await pool?.destroy();
  });
  return {
    get pool() {
      if (!pool) throw new Error('useClientPool(): read the pool inside a test or a beforeEach/afterEach hook');
      return pool;
    },
  };
}
