/**
 * `verify-deployment demo`: the incident, reproduced locally. Starts the sandbox in the incident's
 * state (secret fixed, Redis ingress rule never applied), runs the shipped scenario against it,
 * applies the fix the incident document recommends, waits as its runbook says, and runs again.
 */
import path from 'node:path';
import type { RunReport } from '../runner/result.js';
import { EXIT } from './cli/exit-codes.js';
import { runCommand } from './cli/run-command.js';
import { packageRoot } from './package-root.js';
import { INCIDENT, startSandbox, type Sandbox } from './sandbox/index.js';
import { INSTALL_HINTS, motoAvailable, redisAvailable } from './sandbox/services.js';

export interface DemoOptions {
  /** Leave the sandbox running at the end (Ctrl-C stops it). */
  keep?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Shorter health-check interval (tests). */
  healthCheckIntervalSeconds?: number;
}

/** How far back the demo's "no Redis errors" check looks; short, so the fixed run is not held up. */
const DEMO_LOG_WINDOW_MS = 8_000;

export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const out = options.stdout ?? process.stdout;
  const say = (line = '') => out.write(`${line}\n`);
  const missing = [!motoAvailable() && INSTALL_HINTS.moto, !redisAvailable() && INSTALL_HINTS.redis].filter(Boolean);
  if (missing.length > 0) {
    for (const hint of missing) (options.stderr ?? process.stderr).write(`verify-deployment demo: ${hint}\n`);
    return EXIT.usage;
  }

  say('verify-deployment demo — the API timeout incident, reproduced on 127.0.0.1 (no AWS account needed)');
  say('Starting the sandbox: AWS emulator (moto), redis-server, model API, ALB health checker...');
  let lastRedisError = 0;
  const sandbox: Sandbox = await startSandbox({
    state: 'missing-sg-rule',
    healthCheckIntervalSeconds: options.healthCheckIntervalSeconds,
    onLog: (line) => {
      if (line.includes('Redis connection failed')) lastRedisError = Date.now();
    },
  });
  const savedEnv = { ...process.env };
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => interrupt.abort(signal);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // The SDK reads AWS_ENDPOINT_URL from the environment: point this process at the sandbox.
    Object.assign(process.env, sandbox.env);
    say(`  AWS emulator ${sandbox.motoEndpoint}   model API ${sandbox.apiUrl}`);
    say(`State: HUGGINGFACE_API_KEY deployed; Redis (${INCIDENT.redisSecurityGroup}) allows 6379 only from ${INCIDENT.originalEcsSecurityGroup},`);
    say(`       but the API now runs with ${INCIDENT.apiSecurityGroup}: the Terraform rule was never applied.`);
    out.write('Waiting for the ALB health checks to mark the target unhealthy, as the team found it... ');
    await sandbox.waitForTarget('unhealthy', 60_000);
    say('unhealthy');

    const scenarioFile = path.relative(process.cwd(), path.join(packageRoot(), 'scenarios', 'hokusai-api-development.yaml'));
    const vars = { ...sandbox.vars, logWindow: `${DEMO_LOG_WINDOW_MS / 1000}s`, albWait: '20s' };
    const run = async (title: string): Promise<{ code: number; report?: RunReport }> => {
      say();
      say(`━━ ${title}: verify-deployment run ${scenarioFile} ━━`);
      let report: RunReport | undefined;
      const code = await runCommand(
        { command: 'run', file: scenarioFile, vars, reporters: ['pretty'], outs: [], failFast: false, concurrency: 1, watch: false },
        { signal: interrupt.signal, stdout: out, stderr: options.stderr, env: process.env, onReport: (r) => (report = r) },
      );
      return { code, report };
    };

    const broken = await run('Run 1, the incident');
    if (interrupt.signal.aborted) return EXIT[interrupt.signal.reason as 'SIGINT' | 'SIGTERM'] ?? EXIT.SIGINT;
    say();
    const fix = broken.report?.rootCause?.fix?.command;
    say('Applying the fix the incident document recommends (the missing ingress rule):');
    say(`  ${fix ?? `aws ec2 authorize-security-group-ingress --group-id ${INCIDENT.redisSecurityGroup} --protocol tcp --port 6379 --source-group ${INCIDENT.apiSecurityGroup}`}`);
    await sandbox.setState('healthy');
    out.write('Waiting for health checks to pass... ');
    await sandbox.waitForTarget('healthy', 60_000);
    say('healthy');
    const quietFor = DEMO_LOG_WINDOW_MS + 1000 - (Date.now() - lastRedisError);
    if (quietFor > 0) {
      say(`Waiting ${Math.ceil(quietFor / 1000)}s for the last Redis error to leave the ${DEMO_LOG_WINDOW_MS / 1000}s log window...`);
      await new Promise((resolve) => setTimeout(resolve, quietFor));
    }
    const fixed = await run('Run 2, after the fix');
    if (interrupt.signal.aborted) return EXIT[interrupt.signal.reason as 'SIGINT' | 'SIGTERM'] ?? EXIT.SIGINT;
    say();
    const asExpected = broken.code === EXIT.failed && fixed.code === EXIT.passed;
    say(
      asExpected
        ? 'Demo complete: the first run failed and named the missing rule as the root cause; after the fix every check passed.'
        : `Demo did not go as expected: run 1 exited ${broken.code} (expected 1), run 2 exited ${fixed.code} (expected 0).`,
    );
    if (options.keep) {
      say(`Sandbox left running (AWS_ENDPOINT_URL=${sandbox.motoEndpoint}); press Ctrl-C to stop it.`);
      await new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    return asExpected ? EXIT.passed : EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const key of Object.keys(sandbox.env)) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
    await sandbox.stop();
  }
}
