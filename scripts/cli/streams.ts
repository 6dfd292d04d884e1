/**
 * stdout and stderr that can go away: a reader that stops early (`| head -1`) closes the pipe
 * (EPIPE), a full disk refuses the write (ENOSPC). Neither may crash the CLI with a stack trace:
 * output ends quietly and the run goes on to write its --out files and exit with its verdict.
 */

export interface StreamGuard {
  /** The first stdout error other than EPIPE (output was lost, not declined), if any. */
  lostStdout(): NodeJS.ErrnoException | undefined;
}

/**
 * Listens for errors on `stdout` and `stderr` (without a listener Node throws them as uncaught
 * exceptions). EPIPE means the reader is done: nothing to report. On stderr nothing can be reported.
 */
export function guardStreams(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr): StreamGuard {
  let lost: NodeJS.ErrnoException | undefined;
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') lost ??= error;
  });
  stderr.on('error', () => undefined);
  return { lostStdout: () => lost };
}
