#!/usr/bin/env node
/**
 * The verify-deployment entry: argv, signals, closed streams, exit code. Commands live in
 * cli/commands/ (one file each, one table); each imports its heavy modules only when it runs.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './cli/commands/index.js';
import { EXIT } from './cli/exit-codes.js';
import { parseCliArgs, type Invocation } from './cli/parse.js';
import { runAsProcess } from './cli/process-entry.js';
import { CommandFailure, formatUsageError, UsageError } from './cli/usage-error.js';
import { printVersion } from './cli/version.js';

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

if (invokedAsEntry()) runAsProcess(main);
