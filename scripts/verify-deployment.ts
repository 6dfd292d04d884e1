#!/usr/bin/env node
/**
 * The verify-deployment entry: argv, signals, files, exit code. Library code lives in runner/ and
 * checks/; heavy modules are imported only by the commands that need them (cold start matters).
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCliArgs, UsageError, USAGE, type CliArgs, type ServiceTarget } from './cli/args.js';
import { EXIT } from './cli/exit-codes.js';
import { runCommand } from './cli/run-command.js';
import { packageRoot } from './package-root.js';


async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function printProblems(problems: { toString(): string }[] | string[]): void {
  for (const problem of problems) process.stderr.write(`${String(problem)}\n`);
}

async function validate(files: string[], vars: Record<string, string>): Promise<number> {
  const [{ loadScenario }, { ScenarioError, formatProblem }, { checkTypes }] = await Promise.all([
    import('../runner/load.js'),
    import('../runner/problems.js'),
    import('../checks/index.js'),
  ]);
  let ok = true;
  for (const file of files) {
    try {
      const scenario = await loadScenario(file, { checkTypes, vars });
      // The name may interpolate a declared secret: mask it like every other output.
      process.stdout.write(`✓ ${file}: ${scenario.masker.mask(scenario.name)}, ${scenario.checks.length} check${scenario.checks.length === 1 ? '' : 's'}\n`);
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      ok = false;
      printProblems(error.problems.map(formatProblem));
      process.stderr.write(`✗ ${file}: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}\n`);
    }
  }
  return ok ? EXIT.passed : EXIT.usage;
}

async function sandbox(args: Extract<CliArgs, { command: 'sandbox' }>): Promise<number> {
  const control = await import('./sandbox/control.js');
  const { isSandboxState, SANDBOX_STATES } = await import('./sandbox/states.js');
  const { INSTALL_HINTS, motoAvailable, redisAvailable } = await import('./sandbox/services.js');
  try {
    switch (args.action) {
      case 'up': {
        if (!isSandboxState(args.state)) throw new UsageError(`--state expects one of ${SANDBOX_STATES.join(', ')}, got "${args.state}"`);
        const missing = [!motoAvailable() && INSTALL_HINTS.moto, !redisAvailable() && INSTALL_HINTS.redis].filter(Boolean);
        if (missing.length > 0) throw new UsageError(missing.join('; '));
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        await control.sandboxUp(args.state, process.stdout, stop.signal);
        return EXIT.passed;
      }
      case 'break':
        process.stdout.write(`sandbox state: ${await control.sandboxSetState({ break: args.what })}\n`);
        return EXIT.passed;
      case 'fix':
        process.stdout.write(`sandbox state: ${await control.sandboxSetState('healthy')}\n`);
        return EXIT.passed;
      case 'status': {
        const { state, record } = await control.sandboxStatus();
        process.stdout.write(`sandbox state: ${state}\nAWS_ENDPOINT_URL=${record.motoEndpoint}\nmodel API: ${record.apiUrl}\n`);
        return EXIT.passed;
      }
      case 'down':
        await control.sandboxDown();
        process.stdout.write('sandbox stopped\n');
        return EXIT.passed;
    }
  } catch (error) {
    if (error instanceof control.SandboxNotRunning) throw new UsageError(error.message);
    throw error;
  }
}

/** Prints the discovered standard chain as a scenario, after checking that it validates. */
async function init(target: ServiceTarget): Promise<number> {
  const [{ discover, scenarioText, DiscoveryError }, { parseScenario }, { checkTypes }] = await Promise.all([
    import('./discovery.js'),
    import('../runner/load.js'),
    import('../checks/index.js'),
  ]);
  let found;
  try {
    found = await discover(target);
  } catch (error) {
    if (error instanceof DiscoveryError) throw new UsageError(error.message);
    throw error;
  }
  const text = scenarioText(target, found);
  parseScenario(text, { checkTypes, displayName: 'init', dir: process.cwd() });
  process.stdout.write(text);
  return EXIT.passed;
}

async function schema(): Promise<number> {
  const [{ scenarioJsonSchema }, { checkTypes }] = await Promise.all([import('../runner/schema.js'), import('../checks/index.js')]);
  process.stdout.write(`${JSON.stringify(scenarioJsonSchema(checkTypes), null, 2)}\n`);
  return EXIT.passed;
}

/** SIGINT/SIGTERM abort the run (the summary is still printed); a second signal exits at once. */
function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = () => {
      if (controller.signal.aborted) process.exit(EXIT[name]);
      process.stderr.write(`\n${name} received: stopping checks and writing the report (again to quit now)\n`);
      controller.abort(name);
    };
    process.on(name, handler);
    return () => process.off(name, handler);
  });
  return { signal: controller.signal, dispose: () => handlers.forEach((off) => off()) };
}

export async function main(argv: string[]): Promise<number> {
  // Node 20 is supported here; the SDK's per-client warning about it is noise in every report.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    const args = parseCliArgs(argv);
    switch (args.command) {
      case 'help':
        process.stdout.write(USAGE);
        return EXIT.passed;
      case 'version':
        process.stdout.write(`${await version()}\n`);
        return EXIT.passed;
      case 'validate':
        return await validate(args.files, args.vars);
      case 'init':
        return await init(args.target);
      case 'schema':
        return await schema();
      case 'sandbox':
        return await sandbox(args);
      case 'demo': {
        const { runDemo } = await import('./demo.js');
        return await runDemo({ keep: args.keep });
      }
      case 'run': {
        // Until the verdict is known, an unexpected exit must not look like success.
        process.exitCode = EXIT.failed;
        const signals = abortOnSignals();
        try {
          return await runCommand(args, { signal: signals.signal });
        } finally {
          signals.dispose();
        }
      }
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`verify-deployment: ${error.message}\nRun "verify-deployment --help" for usage.\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

function invokedAsEntry(): boolean {
  try {
    // npm's bin link is a symlink: compare real paths.
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]!) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedAsEntry()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`verify-deployment: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      if (process.env.VERIFY_DEPLOYMENT_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
