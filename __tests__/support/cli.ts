/**
 * Spawns the BUILT CLI as it ships (`node dist/cli/verify-deployment.js`, the esbuild bundle that
 * package.json "bin" names) the way CI and outside scripts do: real argv, env, cwd, exit code and
 * signals. Build first (`npm run build`: tsc, then the bundle).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { neverRespond, respond, respondJson, startHttpServer, type TestHttpServer } from './http-server.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli/verify-deployment.js');

/** Variables of the parent (jest, a CI runner) that would change what the CLI prints or writes. */
const INHERITED_NOISE = ['GITHUB_STEP_SUMMARY', 'GITHUB_ACTIONS', 'FORCE_COLOR', 'NO_COLOR', 'VERIFY_DEPLOYMENT_DEBUG', 'NODE_OPTIONS'];

export interface SignalPlan {
  signal: NodeJS.Signals;
  /** Sends the signal once this returns true for the output collected so far (checked on every chunk). */
  when: (output: { stdout: string; stderr: string }) => boolean;
  /** Extra wait after `when` first holds, ms. */
  delayMs?: number;
}

export interface CliOptions {
  /** Added to (and overriding) the parent's environment minus INHERITED_NOISE; undefined removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  signal?: SignalPlan;
  /** The child is SIGKILLed after this long (the result then has timedOut: true). Default 30 s. */
  killAfterMs?: number;
  /**
   * The child's stdout: 'pipe' (default, collected), 'closed' (a reader that closes its end at
   * once, like `| head -c 0`: the child's first write fails with EPIPE), 'close-after-first-line'
   * (like `| head -1`), or a file descriptor to write to (e.g. one of /dev/full: ENOSPC).
   */
  stdout?: 'pipe' | 'closed' | 'close-after-first-line' | number;
  /** Called with all of stderr so far on every chunk (a test acting on a line the CLI prints). */
  onStderr?: (stderr: string) => void;
}

export interface CliResult {
  code: number | null;
  /** Set when the process died of a signal instead of exiting. */
  killedBy: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit, ms. */
  wallMs: number;
  /** When the planned signal was sent, ms after spawn (undefined: never sent). */
  signalSentAtMs?: number;
  timedOut: boolean;
}

const live = new Set<ChildProcess>();

/**
 * At most this many CLI processes at once per test file: a burst of node start-ups on a loaded
 * 2-core machine makes every one of them slow (and timing assertions meaningless). Runs queue.
 */
const MAX_PARALLEL = Math.max(1, Number(process.env.VD_CLI_TEST_PARALLEL) || 3);
let active = 0;
const queue: (() => void)[] = [];

async function acquireSlot(): Promise<() => void> {
  if (active >= MAX_PARALLEL) await new Promise<void>((resolve) => queue.push(resolve));
  active += 1;
  return () => {
    active -= 1;
    queue.shift()?.();
  };
}

/** Runs the built CLI with `args`; resolves when it exits (never rejects on a non-zero exit). */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`npm run build\` first (these tests spawn the built CLI)`);
  const release = await acquireSlot();
  try {
    return await spawnCli(args, options);
  } finally {
    release();
  }
}

function spawnCli(args: string[], options: CliOptions): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of INHERITED_NOISE) delete env[name];
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const stdoutMode = options.stdout ?? 'pipe';
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', typeof stdoutMode === 'number' ? stdoutMode : 'pipe', 'pipe'] });
    if (stdoutMode === 'closed') child.stdout!.destroy();
    live.add(child);
    let stdout = '';
    let stderr = '';
    let signalSentAtMs: number | undefined;
    let signalPlanned = false;
    let timedOut = false;
    const killTimer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.killAfterMs ?? 30_000);
    let signalTimer: NodeJS.Timeout | undefined;
    const maybeSignal = () => {
      const plan = options.signal;
      if (!plan || signalPlanned || !plan.when({ stdout, stderr })) return;
      signalPlanned = true;
      signalTimer = setTimeout(() => {
        signalSentAtMs = performance.now() - started;
        child.kill(plan.signal);
      }, plan.delayMs ?? 0);
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdoutMode === 'close-after-first-line' && stdout.includes('\n')) {
        stdout = stdout.slice(0, stdout.indexOf('\n') + 1);
        child.stdout!.destroy();
      }
      maybeSignal();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      options.onStderr?.(stderr);
      maybeSignal();
    });
    child.on('error', (error) => {
      clearTimeout(killTimer);
      clearTimeout(signalTimer);
      live.delete(child);
      reject(error);
    });
    child.on('close', (code, killedBy) => {
      clearTimeout(killTimer);
      clearTimeout(signalTimer);
      live.delete(child);
      resolve({ code, killedBy, stdout, stderr, wallMs: performance.now() - started, signalSentAtMs, timedOut });
    });
  });
}

/** SIGKILLs every CLI process still running (afterAll safety net). */
export function killAllCli(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** A stack trace line as Node prints it. */
export const STACK_LINE = '    at ';

/**
 * The test HTTP server with the routes the CLI fixtures use:
 * /ok → 200 {"status":"ok"}; /fail → 500; /slow?ms=N → 200 after N ms; /hang → never answers;
 * /echo-headers → 500 with the request URL and headers echoed in a JSON body.
 */
export async function startFixtureServer(): Promise<TestHttpServer> {
  const server = await startHttpServer();
  server.route('/ok', respondJson(200, { status: 'ok' }));
  server.route('/fail', respond(500, 'internal error'));
  server.route('/hang', neverRespond);
  server.route('/slow', (req, res, _body, tools) => {
    const ms = Number(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('ms') ?? '1000');
    tools.later(ms, () => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('slow but fine');
    });
  });
  server.route('/echo-headers', (req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'echoing what you sent', url: req.url, headers: req.headers }));
  });
  return server;
}

/** The fixture scenarios of the CLI tests. */
export function fixture(name: string): string {
  return path.join(ROOT, '__tests__/fixtures/cli', name);
}

/** 1-based line of the first line of `file` containing `text` (for file:line assertions). */
export function lineOf(file: string, text: string): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`${text} not in ${file}`);
  return index + 1;
}

/** stdout parsed as JSON, or an error that says what the CLI did instead (exit code, stderr). */
export function parseStdoutJson<T = any>(run: CliResult): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch (error) {
    throw new Error(
      `stdout is not one JSON document (${(error as Error).message}); exit ${run.code}${run.timedOut ? ' (killed: took too long)' : ''}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
    );
  }
}

/**
 * `runCli` with `--reporter json` appended, and its report parsed. Rejects, with the CLI's stderr,
 * when stdout is not a JSON report.
 */
export async function runCliReport<Report>(args: string[], options: CliOptions = {}): Promise<CliResult & { report: Report }> {
  const result = await runCli([...args, '--reporter', 'json'], options);
  try {
    return { ...result, report: JSON.parse(result.stdout) as Report };
  } catch {
    throw new Error(`the CLI exited ${result.code} without a JSON report: ${result.stderr}\n${result.stdout}`);
  }
}
