/**
 * The AWS emulator for integration tests: a real moto_server (with the extensions in scripts/moto/)
 * on 127.0.0.1. `useMoto()` is the one way to get it in a test file; gate the suite with
 * `requireTool('moto')` (support/tools.ts).
 */
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { INSTALL_HINTS, pinEcsTaskStates, startMotoServer } from '../../scripts/sandbox/services.js';
import { toolAvailable } from './tools.js';

export interface Moto {
  endpoint: string;
  port: number;
  /** Wipes every resource (POST /moto-api/reset, ~30 ms). */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /** Environment for SDK clients (and child processes) pointed at this emulator. */
  env: Record<string, string>;
}

export interface UseMotoOptions {
  /** Wipe every resource before each test (default false). */
  resetBetweenTests?: boolean;
  /** Stop moto's ECS tasks from advancing a state on every DescribeTasks (moto-notes.md). */
  pinEcsTasks?: boolean;
  /** Extra environment for moto_server itself (e.g. MOTO_ECS_SERVICE_RUNNING). */
  serverEnv?: Record<string, string>;
}

export interface MotoHandle {
  /** `http://127.0.0.1:PORT`; read it inside hooks and tests (set once beforeAll has run). */
  readonly endpoint: string;
  /** What this file's process.env got (AWS_ENDPOINT_URL, region, test credentials). */
  readonly env: Record<string, string>;
  /** Wipes every resource now. */
  reset(): Promise<void>;
}

/**
 * Starts one moto_server for the enclosing file or describe block (beforeAll), points this process's
 * SDK clients at it (AWS_ENDPOINT_URL, AWS_REGION us-east-1, test credentials), optionally resets
 * it before each test, and stops it and restores the environment in afterAll.
 * Call it at the top of a suite gated by `requireTool('moto')`.
 */
export function useMoto(options: UseMotoOptions = {}): MotoHandle {
  let moto: Moto | undefined;
  let restoreEnv: (() => void) | undefined;
  const started = (): Moto => {
    if (!moto) throw new Error('useMoto(): the emulator is not started yet (read it inside a hook or a test)');
    return moto;
  };
  beforeAll(async () => {
    moto = await startMoto(options.serverEnv);
    restoreEnv = useMotoEnv(moto);
    if (options.pinEcsTasks) await pinEcsTaskStates(moto.endpoint);
  }, 30_000);
  if (options.resetBetweenTests) beforeEach(() => started().reset());
  afterAll(async () => {
    restoreEnv?.();
    await moto?.stop();
  });
  return {
    get endpoint() {
      return started().endpoint;
    },
    get env() {
      return started().env;
    },
    reset: () => started().reset(),
  };
}

/** Starts a moto_server (throws with install instructions when moto is missing). */
async function startMoto(extraEnv: Record<string, string> = {}): Promise<Moto> {
  if (!toolAvailable('moto')) throw new Error(INSTALL_HINTS.moto);
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
function useMotoEnv(moto: Moto): () => void {
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
