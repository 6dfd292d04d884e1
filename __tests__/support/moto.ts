/**
 * Starts a real moto_server (with the extensions in scripts/moto/) on 127.0.0.1 for
 * integration tests. Under CI=true a missing moto is a loud failure, never a silent skip.
 */
import { describe } from '@jest/globals';
import { INSTALL_HINTS, motoAvailable, startMotoServer } from '../../scripts/sandbox/services.js';

export interface Moto {
  endpoint: string;
  port: number;
  /** Wipes every resource (POST /moto-api/reset, ~30 ms). */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /** Environment for SDK clients (and child processes) pointed at this emulator. */
  env: Record<string, string>;
}

export { motoAvailable };

/** Throws with install instructions when moto is missing (so CI fails loudly). */
export function requireMoto(): void {
  if (!motoAvailable()) throw new Error(INSTALL_HINTS.moto);
}

/**
 * `describe` when moto is installed. Without it: a loud failure under CI=true, else `describe.skip`
 * with a console line saying which tests were skipped and how to install moto.
 */
export function describeWithMoto(what: string): typeof describe | typeof describe.skip {
  if (process.env.CI === 'true') requireMoto();
  if (motoAvailable()) return describe;
  console.warn(`SKIPPED ${what}: moto is not installed (pip install "moto[server]")`);
  return describe.skip;
}

export async function startMoto(extraEnv: Record<string, string> = {}): Promise<Moto> {
  requireMoto();
  const moto = await startMotoServer(extraEnv);
  const env = {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return { endpoint: moto.endpoint, port: moto.port, env, reset: () => moto.reset(), stop: () => moto.stop() };
}

/**
 * Points this test process's SDK clients at the emulator and returns a function that restores
 * the previous environment.
 */
export function useMotoEnv(moto: Moto): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(moto.env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
