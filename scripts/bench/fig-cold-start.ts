/**
 * Figure 5: cold start of the built CLI, as a ratio to `node -e 0` measured in the same loop
 * (the four commands alternate, N times, so load changes hit them alike), and which modules a run
 * loads: module-recorder.js logs every ESM resolution and every CommonJS module, and the AWS SDK
 * packages among them are listed. A run with one ecs-service-stable check is the positive control
 * (the recorder must see @aws-sdk/client-ecs there, or its "none" for http would prove nothing).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLUSTER, SERVICE } from './aws-fixture.js';
import { childEnv, runChild } from './children.js';
import { awsEnv, writeScenario, type BenchContext } from './context.js';
import { median } from './stats.js';

const N = 10;

export interface ColdCommand {
  id: 'node' | 'version' | 'validate' | 'run-http';
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
  const result = await runChild(process.execPath, ['--import', recorder, ctx.cli, ...args], { env: childEnv({ ...env, BENCH_MODULE_LOG: log }), killAfterMs: 60_000 });
  const lines = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
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
    esmModules: new Set(lines.filter((l) => l.startsWith('esm ')).map((l) => l.slice(4))).size,
    cjsModules: lines.filter((l) => l.startsWith('cjs ')).length,
    awsPackages,
    awsClients: awsPackages.filter((p) => p.startsWith('@aws-sdk/client-')),
  };
}

export async function measureColdStart(ctx: BenchContext): Promise<ColdStartResult> {
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
  // No AWS endpoint for the timed runs: an http-only run must not need one.
  const env = childEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const commands: (ColdCommand & { args: string[] })[] = [
    { id: 'node', label: '`node -e 0` (baseline)', args: ['-e', '0'], timesMs: [], failures: 0 },
    { id: 'version', label: '`verify-deployment --version`', args: [ctx.cli, '--version'], timesMs: [], failures: 0 },
    { id: 'validate', label: '`verify-deployment validate` (one http check)', args: [ctx.cli, 'validate', httpFile], timesMs: [], failures: 0 },
    { id: 'run-http', label: '`verify-deployment run` (one local http check, json reporter)', args: [ctx.cli, 'run', httpFile, '--reporter', 'json'], timesMs: [], failures: 0 },
  ];
  for (let i = 0; i < N; i++) {
    for (const command of commands) {
      const result = await runChild(process.execPath, command.args, { env, killAfterMs: 60_000 });
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

  return { n: N, commands: commands.map(({ args: _args, ...rest }) => rest), modules };
}
