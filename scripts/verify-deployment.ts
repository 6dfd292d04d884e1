#!/usr/bin/env node
/**
 * The verify-deployment entry: argv, signals, closed streams, exit code. Commands live in
 * cli/commands/ (one file each, one table); each imports its heavy modules only when it runs.
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './cli/commands/index.js';
import { EXIT } from './cli/exit-codes.js';
import { fsReason } from './cli/outputs.js';
import { parseCliArgs, type Invocation } from './cli/parse.js';
import { guardStreams } from './cli/streams.js';
import { CommandFailure, formatUsageError, UsageError } from './cli/usage-error.js';
import { packageRoot } from './package-root.js';

async function printVersion(): Promise<number> {
  const pkg = JSON.parse(await readFile(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  process.stdout.write(`${pkg.version}\n`);
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

async function invoke(invocation: Invocation): Promise<number> {
  if (!invocation.command?.interruptible) return invocation.run({ commands: COMMANDS });
  const signals = abortOnSignals();
  try {
    return await invocation.run({ commands: COMMANDS, signal: signals.signal });
  } finally {
    signals.dispose();
  }
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // Node 20 is supported here; the SDK's per-client warning about it is noise in every report.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let invocation: Invocation | undefined;
  try {
    invocation = parseCliArgs(argv, COMMANDS, printVersion);
    // Until the verdict is known, an unexpected exit must not look like success.
    process.exitCode = EXIT.failed;
    return await invoke(invocation);
  } catch (error) {
    if (error instanceof CommandFailure) {
      process.stderr.write(`verify-deployment${invocation ? ` ${invocation.name}` : ''}: ${error.message}\n`);
      return EXIT.failed;
    }
    if (!(error instanceof UsageError)) throw error;
    error.command ??= invocation?.name;
    process.stderr.write(await formatUsageError(error));
    return EXIT.usage;
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
  const streams = guardStreams();
  main(process.argv.slice(2)).then(
    (code) => {
      // A failed write reports its error on a later tick: look once those have run.
      setImmediate(() => {
        const lost = streams.lostStdout();
        if (lost) process.stderr.write(`verify-deployment: the output on stdout was lost: ${fsReason(lost)}\n`);
        // A passing gate whose report was lost has not done its job (like an --out that failed).
        process.exitCode = lost && code === EXIT.passed ? EXIT.failed : code;
      });
    },
    async (error: unknown) => {
      process.exitCode = EXIT.failed;
      // The message may quote outside text (a response, a file): no control characters reach the terminal.
      const { neutralize } = await import('../runner/index.js');
      process.stderr.write(`verify-deployment: internal error: ${neutralize(error instanceof Error ? error.message : String(error))}\n`);
      if (process.env.VERIFY_DEPLOYMENT_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    },
  );
}
