/**
 * Figure 5: cold start of the CLI as it ships (the esbuild bundle, dist/cli/verify-deployment.js),
 * as a ratio to `node -e 0` measured in the same loop (every command alternates, N times, so load
 * changes hit them alike): `--version`, `validate`, a run with one http check, and a run of the
 * incident's scenario (scenarios/hokusai-api-development.yaml) against a healthy sandbox. The same
 * commands through the unbundled tsc output (dist/scripts/verify-deployment.js) run in the same loop:
 * the before/after of the bundle. Which modules a run loads: module-recorder.js logs every ESM
 * resolution and every CommonJS module, bundle chunks are expanded into the modules bundled in them
 * (module-map.ts), and the AWS SDK packages among them are listed. A run with one
 * ecs-service-stable check is the positive control (the recorder must see @aws-sdk/client-ecs
 * there, or its "none" for http would prove nothing).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { CLUSTER, SERVICE } from './aws-fixture.js';
import { childEnv, runChild } from './children.js';
import { awsEnv, writeScenario, type BenchContext } from './context.js';
import { expandBundleModules } from './module-map.js';
import { median } from './stats.js';

const N = 10;

/** The targets of issue #12 §4, as ratios to `node -e 0` (the bundle's rows). */
export const COLD_TARGETS = { version: 1.2, validate: 1.6, 'run-http': 2.5, 'run-incident': 4 } as const;

type Measured = keyof typeof COLD_TARGETS;

export interface ColdCommand {
  /** `node`, a bundle command (`version`…), or the same through the tsc output (`tsc-version`…). */
  id: 'node' | Measured | `tsc-${Measured}`;
  label: string;
  timesMs: number[];
  failures: number;
}

export interface ModuleLoad {
  id: string;
  label: string;
  ok: boolean;
  esmModules: number;
  cjsModules: number;
  /** Distinct @aws-sdk/* and @smithy/* packages loaded. */
  awsPackages: string[];
  /** Distinct @aws-sdk/client-* packages loaded. */
  awsClients: string[];
}

export interface ColdStartResult {
  n: number;
  commands: ColdCommand[];
  modules: ModuleLoad[];
}

const AWS_PACKAGE = /node_modules\/(@aws-sdk|@smithy)\/([^/]+)\//;

async function recordModules(ctx: BenchContext, id: string, label: string, args: string[], env: Record<string, string>): Promise<ModuleLoad> {
  const recorder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'module-recorder.js');
  const log = path.join(ctx.tmp, `modules-${id}.log`);
  await rm(log, { force: true });
  const result = await runChild(process.execPath, ['--import', recorder, bundleEntry(ctx), ...args], { env: childEnv({ ...env, BENCH_MODULE_LOG: log }), killAfterMs: 60_000 });
  const lines = expandBundleModules((await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean), ctx.root);
  const packages = new Set<string>();
  for (const line of lines) {
    const match = AWS_PACKAGE.exec(decodeURIComponent(line));
    if (match) packages.add(`${match[1]}/${match[2]}`);
  }
  const awsPackages = [...packages].sort();
  return {
    id,
    label,
    ok: result.code === 0,
    // Files Node loaded (bundle chunks count as one each), not the modules bundled inside them.
    esmModules: new Set(lines.filter((l) => l.startsWith('esm ')).map((l) => l.slice(4))).size,
    cjsModules: lines.filter((l) => l.startsWith('cjs ')).length,
    awsPackages,
    awsClients: awsPackages.filter((p) => p.startsWith('@aws-sdk/client-')),
  };
}

/** The bin the package ships (package.json "bin"). */
function bundleEntry(ctx: BenchContext): string {
  return path.join(ctx.root, 'dist', 'cli', 'verify-deployment.js');
}

/** The same CLI unbundled: tsc's output, every module resolved by Node from dist/ and node_modules. */
function tscEntry(ctx: BenchContext): string {
  return path.join(ctx.root, 'dist', 'scripts', 'verify-deployment.js');
}

/** A sandbox in its healthy state, its target already marked healthy (the incident scenario passes). */
async function healthySandbox(ctx: BenchContext): Promise<Sandbox> {
  const sandbox = await startSandbox({ state: 'healthy', healthCheckIntervalSeconds: 3 });
  try {
    await sandbox.waitForTarget('healthy', 60_000);
    ctx.log(`  sandbox: moto on ${sandbox.motoEndpoint}, model API on ${sandbox.apiUrl}, target healthy`);
    return sandbox;
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
}

export async function measureColdStart(ctx: BenchContext): Promise<ColdStartResult> {
  const sandbox = await healthySandbox(ctx);
  try {
    return await measure(ctx, sandbox);
  } finally {
    await sandbox.stop();
  }
}

async function measure(ctx: BenchContext, sandbox: Sandbox): Promise<ColdStartResult> {
  const httpFile = await writeScenario(
    ctx,
    'cold-http',
    `name: bench-cold-http\nchecks:\n  - name: health\n    type: http\n    url: ${ctx.health.url}/health\n    expect: { status: 200 }\n`,
  );
  const ecsFile = await writeScenario(
    ctx,
    'cold-ecs',
    `name: bench-cold-ecs\nchecks:\n  - name: service\n    type: ecs-service-stable\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    retry: { attempts: 1 }\n`,
  );
  // No AWS endpoint for the http-only runs: they must not need one.
  const env = childEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const incidentEnv = childEnv({ ...sandbox.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const incident = path.join(ctx.root, 'scenarios', 'hokusai-api-development.yaml');
  const incidentArgs = ['run', incident, ...Object.entries(sandbox.vars).flatMap(([k, v]) => ['--var', `${k}=${v}`]), '--reporter', 'json'];
  const runs: { id: Measured; label: string; args: string[]; env: Record<string, string> }[] = [
    { id: 'version', label: '`verify-deployment --version`', args: ['--version'], env },
    { id: 'validate', label: '`verify-deployment validate` (one http check)', args: ['validate', httpFile], env },
    { id: 'run-http', label: '`verify-deployment run` (one local http check, json reporter)', args: ['run', httpFile, '--reporter', 'json'], env },
    { id: 'run-incident', label: "`verify-deployment run` of the incident's scenario (11 checks, healthy sandbox, json reporter)", args: incidentArgs, env: incidentEnv },
  ];
  const commands: (ColdCommand & { args: string[]; env: Record<string, string> })[] = [
    { id: 'node', label: '`node -e 0` (baseline)', args: ['-e', '0'], env, timesMs: [], failures: 0 },
    ...runs.map((r) => ({ id: r.id, label: `${r.label}: bundle, target ≤ ${COLD_TARGETS[r.id]}×`, args: [bundleEntry(ctx), ...r.args], env: r.env, timesMs: [], failures: 0 })),
    ...runs.map((r) => ({ id: `tsc-${r.id}` as const, label: `${r.label}: unbundled tsc output (before)`, args: [tscEntry(ctx), ...r.args], env: r.env, timesMs: [], failures: 0 })),
  ];
  for (let i = 0; i < N; i++) {
    for (const command of commands) {
      const result = await runChild(process.execPath, command.args, { env: command.env, killAfterMs: 60_000 });
      command.timesMs.push(result.wallMs);
      if (result.code !== 0) command.failures += 1;
    }
  }
  for (const command of commands) ctx.log(`  ${command.id}: median ${median(command.timesMs).toFixed(0)} ms`);

  const modules = [
    await recordModules(ctx, 'version', '`--version`', ['--version'], env),
    await recordModules(ctx, 'validate', '`validate` (http scenario)', ['validate', httpFile], env),
    await recordModules(ctx, 'run-http', '`run`, one http check', ['run', httpFile, '--reporter', 'json'], env),
    await recordModules(ctx, 'run-ecs', 'control: `run`, one ecs-service-stable check (against moto)', ['run', ecsFile, '--reporter', 'json'], childEnv(awsEnv(ctx.moto.endpoint))),
  ];
  // The control's check fails (the fixture's service is not stable): what matters is what it loaded.
  const control = modules.find((m) => m.id === 'run-ecs')!;
  control.ok = control.awsClients.includes('@aws-sdk/client-ecs');
  for (const m of modules) ctx.log(`  modules ${m.id}: ${m.esmModules} esm, ${m.cjsModules} cjs, AWS clients: ${m.awsClients.join(', ') || 'none'}`);

  return { n: N, commands: commands.map(({ args: _args, env: _env, ...rest }) => rest), modules };
}
