/**
 * `npm run bench`: measures verify-deployment against the local emulator (moto + extensions) and a
 * local HTTP service, and writes the results section of BENCHMARKS.md (plus the raw numbers to
 * reports/bench-results.json). Runs the BUILT code: `npm run build` first.
 *
 *   node dist/scripts/bench.js [--only latency,failures,calls,logs,cold,http,fleet,broken,demo,ratelimit,insights] [--no-write]
 *
 * Everything listens on 127.0.0.1; every loop is bounded; every process started here is stopped
 * by pid on the way out (also on SIGINT/SIGTERM and on the overall watchdog).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../package-root.js';
import { pinEcsTaskStates, startMotoServer, type MotoService } from '../sandbox/services.js';
import { awsClients, createFixture, type AwsClients } from './aws-fixture.js';
import { killAllChildren } from './children.js';
import type { BenchContext } from './context.js';
import { measureApiCalls } from './fig-api-calls.js';
import { measureBrokenVerdict, renderBrokenVerdict, type BrokenVerdictResult } from './fig-broken-verdict.js';
import { measureColdStart } from './fig-cold-start.js';
import { measureDefinitiveFailures } from './fig-definitive-failures.js';
import { measureFleet, renderFleetFigure, type FleetFigure } from './fig-fleet.js';
import { measureDemoPhases, renderDemoPhases, type DemoPhasesResult } from './fig-demo.js';
import { measureHttpOverhead } from './fig-http-overhead.js';
import { measureLogInsights, renderLogInsights, type LogInsightsResult } from './fig-log-insights.js';
import { measureLogScan } from './fig-log-scan.js';
import { measureRateLimit, renderRateLimit, type RateLimitFigure } from './fig-rate-limit.js';
import { measureVerdictLatency } from './fig-verdict-latency.js';
import { startHealthServer, type HealthServer } from './local-http.js';
import { renderResults, writeResultsSection, type BenchEnvironment, type BenchResults } from './report.js';

const FIGURES = ['cold', 'http', 'failures', 'calls', 'latency', 'logs', 'fleet', 'broken', 'demo', 'ratelimit', 'insights'] as const;
type Figure = (typeof FIGURES)[number];
/** The whole bench takes ~7 min (figure 8 alone ~3 min); past this, something hangs: stop everything. */
const WATCHDOG_MS = 10 * 60_000;

const USAGE = `usage: node dist/scripts/bench.js [--only ${FIGURES.join(',')}] [--no-write]
  --only      run these figures only (BENCHMARKS.md is then left alone unless --write)
  --no-write  do not touch BENCHMARKS.md / reports/bench-results.json
  --write     write results even for a partial --only run
`;

interface Options {
  figures: Figure[];
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  let figures: Figure[] = [...FIGURES];
  let write: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (arg === '--no-write') write = false;
    else if (arg === '--write') write = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i] ?? '';
      const names = value.split(',').map((name) => name.trim()).filter(Boolean);
      const unknown = names.filter((name) => !(FIGURES as readonly string[]).includes(name));
      if (unknown.length || names.length === 0) throw new Error(`--only: unknown figure(s) ${unknown.join(', ') || '(none)'}; known: ${FIGURES.join(', ')}`);
      figures = FIGURES.filter((figure) => names.includes(figure));
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  return { figures, write: write ?? figures.length === FIGURES.length };
}

function quiet(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim();
  } catch {
    return '';
  }
}

function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function environment(root: string, awsCli: string): BenchEnvironment {
  const cpus = os.cpus();
  // Read-only git queries, for the record of what was measured.
  const commit = quiet('git', ['-C', root, 'rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = quiet('git', ['-C', root, 'status', '--porcelain']).split('\n').filter(Boolean).length;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit,
    dirtyFiles: dirty,
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cpus: cpus.length,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM`,
    os: `${os.type()} ${os.release()}`,
    node: process.versions.node,
    moto: quiet('python3', ['-c', 'import moto; print(moto.__version__)']) || '?',
    awsCli: awsCli || 'not installed',
    packages: Object.fromEntries(
      ['@aws-sdk/client-ecs', '@aws-sdk/client-elastic-load-balancing-v2', '@aws-sdk/client-cloudwatch-logs', 'undici', 'p-retry'].map((name) => [name, packageVersion(root, name)]),
    ),
    loadStart: os.loadavg(),
    loadEnd: [],
  };
}

export async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const started = performance.now();
  const root = packageRoot();
  const cli = path.join(root, 'dist', 'cli', 'verify-deployment.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

  const awsCliVersion = quiet('aws', ['--version']);
  const env = environment(root, awsCliVersion);
  log(`bench: ${options.figures.join(', ')} (load ${env.loadStart.map((v) => v.toFixed(2)).join(' ')})`);

  let moto: MotoService | undefined;
  let health: HealthServer | undefined;
  let aws: AwsClients | undefined;
  let tmp: string | undefined;
  const cleanup = async () => {
    killAllChildren();
    aws?.destroy();
    await health?.stop().catch(() => {});
    await moto?.stop().catch(() => {});
    if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => {});
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`bench: ${signal}: stopping every process it started`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const watchdog = setTimeout(() => {
    log(`bench: still running after ${WATCHDOG_MS / 60_000} min: giving up`);
    void cleanup().finally(() => process.exit(1));
  }, WATCHDOG_MS);
  watchdog.unref();

  try {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'verify-deployment-bench-'));
    [moto, health] = await Promise.all([startMotoServer(), startHealthServer()]);
    await pinEcsTaskStates(moto.endpoint);
    aws = await awsClients(moto.endpoint);
    const fixture = await createFixture(aws);
    const ctx: BenchContext = { root, cli, tmp, moto, aws, fixture, health, awsCli: Boolean(awsCliVersion), log };
    log(`bench: moto on ${moto.endpoint}, service stand-in on ${health.url}, set-up ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const results: BenchResults & { fleet?: FleetFigure; broken?: BrokenVerdictResult; demo?: DemoPhasesResult; ratelimit?: RateLimitFigure; insights?: LogInsightsResult } = { environment: env, durationMs: 0, figures: options.figures, load: {} };
    const steps: Record<Figure, () => Promise<void>> = {
      cold: async () => void (results.cold = await measureColdStart(ctx)),
      http: async () => void (results.http = await measureHttpOverhead(ctx)),
      failures: async () => void (results.failures = await measureDefinitiveFailures(ctx)),
      calls: async () => void (results.calls = await measureApiCalls(ctx)),
      latency: async () => void (results.latency = await measureVerdictLatency(ctx)),
      logs: async () => void (results.logs = await measureLogScan(ctx)),
      fleet: async () => void (results.fleet = await measureFleet(ctx)),
      broken: async () => void (results.broken = await measureBrokenVerdict(ctx)),
      demo: async () => void (results.demo = await measureDemoPhases(ctx)),
      ratelimit: async () => void (results.ratelimit = await measureRateLimit(ctx)),
      insights: async () => void (results.insights = await measureLogInsights(ctx)),
    };
    for (const figure of options.figures) {
      const figureStarted = performance.now();
      results.load[figure] = os.loadavg();
      log(`bench: ${figure}…`);
      await steps[figure]();
      log(`bench: ${figure} done in ${((performance.now() - figureStarted) / 1000).toFixed(1)} s`);
    }
    env.loadEnd = os.loadavg();
    results.durationMs = performance.now() - started;

    const markdown = [
      renderResults(results),
      ...(results.fleet ? [renderFleetFigure(results.fleet)] : []),
      ...(results.broken ? [renderBrokenVerdict(results.broken)] : []),
      ...(results.demo ? [renderDemoPhases(results.demo)] : []),
      ...(results.ratelimit ? [renderRateLimit(results.ratelimit)] : []),
      ...(results.insights ? [renderLogInsights(results.insights)] : []),
    ].join('\n\n');
    if (options.write) {
      await writeResultsSection(path.join(root, 'BENCHMARKS.md'), markdown);
      await mkdir(path.join(root, 'reports'), { recursive: true });
      await writeFile(path.join(root, 'reports', 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
      log('bench: wrote BENCHMARKS.md (results section) and reports/bench-results.json');
    } else {
      process.stdout.write(`${markdown}\n`);
    }
    log(`bench: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}
