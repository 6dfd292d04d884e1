import { EXIT } from './exit-codes.js';
import { guardStreams } from './streams.js';

/**
 * Runs `main` as the process: with process.argv's arguments, closed stdout/stderr guarded, the
 * exit code set from what `main` resolves to (a failed exit when the report on stdout was lost),
 * and an unexpected rejection printed as an internal error (its stack with VERIFY_DEPLOYMENT_DEBUG).
 */
export function runAsProcess(main: (argv: string[]) => Promise<number>): void {
  const streams = guardStreams();
  main(process.argv.slice(2)).then(
    (code) => {
      // A failed write reports its error on a later tick: look once those have run.
      setImmediate(() => {
        const lost = streams.lostStdout();
        // A passing gate whose report was lost has not done its job (like an --out that failed).
        process.exitCode = lost && code === EXIT.passed ? EXIT.failed : code;
        if (lost) {
          void import('./outputs.js').then(({ fsReason }) => process.stderr.write(`verify-deployment: the output on stdout was lost: ${fsReason(lost)}\n`));
        }
      });
    },
    async (error: unknown) => {
      process.exitCode = EXIT.failed;
      // The message may quote outside text (a response, a file): no control characters reach the terminal.
      const { neutralize } = await import('../../runner/index.js');
      process.stderr.write(`verify-deployment: internal error: ${neutralize(error instanceof Error ? error.message : String(error))}\n`);
      if (process.env.VERIFY_DEPLOYMENT_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    },
  );
}
