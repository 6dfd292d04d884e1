/**
 * Every way a foreground sandbox process (`sandbox up`, `demo`) can be told to end, turned into one
 * abort signal so that it stops its children in order: Ctrl-C (SIGINT), SIGTERM, a closed terminal
 * (SIGHUP), and a reader that went away (`demo | head -3`: EPIPE on stdout). A second signal exits
 * at once; the children are then killed by the 'exit' hook of processes.ts. An uncaught error ends
 * the process through that same hook.
 */
import { constants } from 'node:os';

/** Why the process is stopping. */
export type StopReason = 'SIGHUP' | 'SIGINT' | 'SIGTERM' | 'output closed';

const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;

/** The exit status a shell shows for each reason (128 + signal number; a closed pipe is SIGPIPE's). */
export function exitCodeFor(reason: StopReason): number {
  return 128 + (reason === 'output closed' ? constants.signals.SIGPIPE : constants.signals[reason]);
}

export interface ExitGuard {
  /** Aborted (with a `StopReason`) on the first signal or when stdout goes away. */
  signal: AbortSignal;
  /** The reason, once aborted. */
  reason(): StopReason | undefined;
  /** Whether stdout can still be written to. */
  outputOpen(): boolean;
  /** Removes the handlers (the process's default signal behaviour returns). */
  dispose(): void;
}

/**
 * Installs the handlers. `stdout` errors (EPIPE, EIO after a hang-up, ENOSPC) mean nobody reads
 * the output any more: stop. `stderr` errors are ignored (there is nowhere left to report them).
 */
export function guardExitPaths(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): ExitGuard {
  const controller = new AbortController();
  let outputOpen = true;
  const stopWith = (reason: StopReason) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onSignal = (name: (typeof SIGNALS)[number]) => {
    if (controller.signal.aborted) process.exit(exitCodeFor(name));
    // Ctrl-C gets an answer; SIGTERM (`sandbox down`, a supervisor) and SIGHUP (no terminal) do not.
    if (name === 'SIGINT') stderr.write(`\n${name} received: stopping the sandbox (again to quit at once)\n`);
    stopWith(name);
  };
  const onStdoutError = () => {
    outputOpen = false;
    stopWith('output closed');
  };
  const onStderrError = () => {};
  const handlers = SIGNALS.map((name) => [name, () => onSignal(name)] as const);
  for (const [name, handler] of handlers) process.on(name, handler);
  stdout.on('error', onStdoutError);
  stderr.on('error', onStderrError);
  return {
    signal: controller.signal,
    reason: () => (controller.signal.aborted ? (controller.signal.reason as StopReason) : undefined),
    outputOpen: () => outputOpen,
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler);
      stdout.off('error', onStdoutError);
      // stderr keeps its no-op listener, and stdout gets one once closed: a late write to a pipe
      // that is already closed must still not crash the process.
      if (!outputOpen) stdout.on('error', () => {});
    },
  };
}
