/**
 * `verify-deployment demo`: the incident, reproduced locally. Starts the sandbox in the state the
 * incident was found in (secret fixed, Redis ingress rule never applied, target already
 * `unhealthy (Target.Timeout)`), runs the shipped scenario against it, applies the fix the incident
 * document recommends, waits for the health checks as its runbook says, and runs again.
 *
 * Every exit path stops the sandbox's processes: the end of the demo, Ctrl-C, SIGTERM, a closed
 * terminal (SIGHUP), a closed stdout pipe (`demo | head -3`) and an uncaught error.
 */
import path from 'node:path';
import type { RunReport } from '../runner/result.js';
import { EXIT } from './cli/exit-codes.js';
import { runCommand } from './cli/run-command.js';
import { exitCodeFor, guardExitPaths, type ExitGuard } from './sandbox/exit-guard.js';
import { DEPLOYMENT_ALARM } from './sandbox/alb-metrics.js';
import { HEALTH_CHECK, INCIDENT, startSandbox, type Sandbox } from './sandbox/index.js';
import { incidentScenario } from './sandbox/scenario.js';
import { MissingTool } from './sandbox/services.js';

export interface DemoOptions {
  /** Leave the sandbox running at the end (Ctrl-C stops it). */
  keep?: boolean;
  /**
   * Gate blue/green rollouts paused at a PAUSE hook instead of plain runs: ROLLBACK on the broken
   * state, CONTINUE after the fix (see demo-hook.ts).
   */
  hook?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Shorter health-check interval (tests). */
  healthCheckIntervalSeconds?: number;
}

/**
 * How far back the demo's "no Redis errors" check looks: one health-check interval, so that while
 * Redis is unreachable every window holds a failed health check, and after the fix the window
 * clears soon.
 */
const DEMO_LOG_WINDOW_MS = HEALTH_CHECK.intervalSeconds * 1000;
/** How long the demo's "targets healthy" may wait: the ALB's own time to mark a target healthy. */
const DEMO_ALB_WAIT = `${HEALTH_CHECK.intervalSeconds * HEALTH_CHECK.healthyThreshold}s`;
/**
 * How far back the demo's "alb metrics" check looks: the deployment alarm's period, so that the
 * alarm returning to OK after the fix means the window holds no slow request either.
 */
const DEMO_METRICS_WINDOW = `${DEPLOYMENT_ALARM.periodSeconds}s`;
/** Independent checks run side by side (the order of the report does not change). */
const DEMO_CONCURRENCY = 4;

/** The scenario's path as the user can type it here: relative inside the current directory, else absolute. */
export function scenarioPath(cwd = process.cwd()): string {
  const file = incidentScenario();
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const onAbort = () => (clearTimeout(timer), resolve());
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const guard = guardExitPaths(out, err);
  const stopped = () => exitCodeFor(guard.reason()!);
  try {
    const say = (line = '') => guard.outputOpen() && out.write(`${line}\n`);
    say(`verify-deployment demo${options.hook ? ' --hook' : ''} — the API timeout incident, reproduced on 127.0.0.1 (no AWS account needed)`);
    say('Starting the sandbox: AWS emulator (moto), redis-server, model API, ALB health checker...');
    let lastRedisError = 0;
    let sandbox: Sandbox;
    try {
      sandbox = await startSandbox({
        state: 'missing-sg-rule',
        healthCheckIntervalSeconds: options.healthCheckIntervalSeconds,
        signal: guard.signal,
        onLog: (line) => {
          if (line.includes('Redis connection failed')) lastRedisError = Date.now();
        },
      });
    } catch (error) {
      if (guard.signal.aborted) return stopped();
      if (!(error instanceof MissingTool)) throw error;
      // Checked by starting them, not up front: probing python for moto costs a second.
      for (const hint of error.message.split('\n')) err.write(`verify-deployment demo: ${hint}\n`);
      return EXIT.usage;
    }
    try {
      return await tellTheStory(sandbox, guard, options, () => lastRedisError);
    } finally {
      await sandbox.stop();
    }
  } finally {
    guard.dispose();
  }
}

/**
 * The runbook's "wait for the health checks to pass": until the ALB stand-in marks the target
 * healthy, then until the deployment alarm is back to OK (no slow request in its period), then
 * until the last Redis error is older than the demo's log window. Returns early when the guard aborts,
 * after ending the "Waiting for …… " line it left open with "interrupted" (when stdout still is).
 */
async function waitForHealth(sandbox: Sandbox, guard: ExitGuard, out: NodeJS.WritableStream, lastRedisError: () => number): Promise<void> {
  const say = (line: string, end = '\n') => guard.outputOpen() && out.write(`${line}${end}`);
  const { intervalMs, healthyThreshold } = sandbox.resources.healthCheck;
  say(`Waiting for the ALB health checks to pass (${healthyThreshold} in a row, every ${intervalMs / 1000}s)... `, '');
  const fixedAt = Date.now();
  try {
    await sandbox.waitForTarget('healthy', 60_000, guard.signal);
  } catch (error) {
    if (guard.signal.aborted) return void say('interrupted');
    throw error;
  }
  say(`healthy after ${seconds(Date.now() - fixedAt)}`);
  if (sandbox.alarmState() !== 'OK') {
    say(`Waiting for the deployment alarm to return to OK (p95 response time over its ${DEPLOYMENT_ALARM.periodSeconds}s period)... `, '');
    try {
      await sandbox.waitForAlarm('OK', 60_000, guard.signal);
    } catch (error) {
      if (guard.signal.aborted) return void say('interrupted');
      throw error;
    }
    say(`OK after ${seconds(Date.now() - fixedAt)}`);
  }
  const quietFor = DEMO_LOG_WINDOW_MS + 500 - (Date.now() - lastRedisError());
  if (quietFor > 0) {
    say(`Waiting ${seconds(quietFor)} for the last Redis error to leave the ${DEMO_LOG_WINDOW_MS / 1000}s log window...`);
    await pause(quietFor, guard.signal);
  }
}

/** The demo proper, on a started sandbox. Returns the exit code. */
async function tellTheStory(sandbox: Sandbox, guard: ExitGuard, options: DemoOptions, lastRedisError: () => number): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const say = (line = '') => guard.outputOpen() && out.write(`${line}\n`);
  const stopped = () => exitCodeFor(guard.reason()!);
  const savedEnv = { ...process.env };
  try {
    // The SDK reads AWS_ENDPOINT_URL from the environment: point this process at the sandbox.
    Object.assign(process.env, sandbox.env);
    say(`  AWS emulator ${sandbox.motoEndpoint}   model API ${sandbox.apiUrl}`);
    say(`State: HUGGINGFACE_API_KEY deployed; Redis (${INCIDENT.redisSecurityGroup}) allows 6379 only from ${INCIDENT.originalEcsSecurityGroup},`);
    say(`       but the API now runs with ${INCIDENT.apiSecurityGroup}: the Terraform rule was never applied.`);
    say(`       The ALB marks target ${INCIDENT.targetIp}:${INCIDENT.containerPort} ${sandbox.targetState()} (Target.Timeout), as the team found it.`);

    const scenarioFile = scenarioPath();
    const vars = { ...sandbox.vars, logWindow: `${DEMO_LOG_WINDOW_MS / 1000}s`, albWait: DEMO_ALB_WAIT, metricsWindow: DEMO_METRICS_WINDOW };
    const run = async (title: string): Promise<{ code: number; report?: RunReport }> => {
      say();
      say(`━━ ${title}: verify-deployment run ${scenarioFile} ━━`);
      // A closed stdout is reported after the write: let it arrive before starting a run for nobody.
      await new Promise((resolve) => setImmediate(resolve));
      if (guard.signal.aborted) return { code: stopped() };
      let report: RunReport | undefined;
      const code = await runCommand(
        { command: 'run', file: scenarioFile, vars, reporters: ['pretty'], outs: [], failFast: false, concurrency: DEMO_CONCURRENCY, watch: false },
        { signal: guard.signal, stdout: out, stderr: options.stderr, env: process.env, onReport: (r) => (report = r) },
      );
      return { code, report };
    };

    const keepIfAsked = async (code: number) => {
      if (options.keep) {
        say(`Sandbox left running (AWS_ENDPOINT_URL=${sandbox.motoEndpoint}); press Ctrl-C to stop it.`);
        if (!guard.signal.aborted) await new Promise((resolve) => guard.signal.addEventListener('abort', resolve, { once: true }));
      }
      return code;
    };
    if (options.hook) {
      const { gateTheRollouts } = await import('./demo-hook.js');
      const waitForFix = () => waitForHealth(sandbox, guard, out, lastRedisError);
      return await keepIfAsked(await gateTheRollouts(sandbox, guard, { stdout: out, stderr: options.stderr, scenarioFile, vars, waitForHealth: waitForFix }));
    }

    const broken = await run('Run 1, the incident');
    if (guard.signal.aborted) return stopped();
    say();
    const fix = broken.report?.rootCause?.fix?.command;
    say('Applying the fix the incident document recommends (the missing ingress rule):');
    say(`  ${fix ?? `aws ec2 authorize-security-group-ingress --group-id ${INCIDENT.redisSecurityGroup} --protocol tcp --port 6379 --source-group ${INCIDENT.apiSecurityGroup}`}`);
    await sandbox.setState('healthy');
    await waitForHealth(sandbox, guard, out, lastRedisError);
    if (guard.signal.aborted) return stopped();
    const fixed = await run('Run 2, after the fix');
    if (guard.signal.aborted) return stopped();
    say();
    const asExpected = broken.code === EXIT.failed && fixed.code === EXIT.passed;
    say(
      asExpected
        ? 'Demo complete: the first run failed and named the missing rule as the root cause; after the fix every check passed.'
        : `Demo did not go as expected: run 1 exited ${broken.code} (expected 1), run 2 exited ${fixed.code} (expected 0).`,
    );
    return await keepIfAsked(asExpected ? EXIT.passed : EXIT.failed);
  } finally {
    for (const key of Object.keys(sandbox.env)) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
  }
}
