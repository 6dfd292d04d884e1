/** What every figure of the benchmark shares: the emulator, the fixture, the service stand-in, paths. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MotoService } from '../sandbox/services.js';
import type { AwsClients, AwsFixture } from './aws-fixture.js';
import { CREDENTIALS, REGION } from './aws-fixture.js';
import type { HealthServer } from './local-http.js';

export interface BenchContext {
  /** Repository root. */
  root: string;
  /** The built CLI entry, dist/scripts/verify-deployment.js. */
  cli: string;
  /** A scratch directory removed at the end. */
  tmp: string;
  moto: MotoService;
  /** Clients straight to moto (set-up and flips; never counted). */
  aws: AwsClients;
  fixture: AwsFixture;
  health: HealthServer;
  /** Whether `aws` (the AWS CLI) is on PATH. */
  awsCli: boolean;
  log(line: string): void;
}

/** Environment that points an SDK (or the verify-deployment CLI) at `endpoint`. */
export function awsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The AWS CLI must not pick up a developer's profile, pager or retry settings.
    AWS_CONFIG_FILE: '/nonexistent/bench-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/bench-aws-credentials',
    AWS_PAGER: '',
  };
}

/**
 * Runs `fn` with this process's AWS environment pointed at `endpoint` (the runner's ClientPool
 * creates its clients from the environment). Only for in-process runs that do not overlap.
 */
export async function withAwsEndpoint<T>(endpoint: string, fn: () => Promise<T>): Promise<T> {
  const env = awsEnv(endpoint);
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

export async function writeScenario(ctx: BenchContext, name: string, yaml: string): Promise<string> {
  const file = path.join(ctx.tmp, `${name}.yaml`);
  await writeFile(file, yaml);
  return file;
}
