/** Usage errors: exit 2, one line naming the command, never the argument parser's own text. */

/** A mistake in how the CLI was called (exit 2). `command` names the command it was given to. */
export class UsageError extends Error {
  /** The command the mistake was made in (`validate`), or undefined before one was named. */
  command?: string;
  /** A word the user typed and the words it may have been meant as, for a did-you-mean. */
  readonly unknown?: { word: string; candidates: readonly string[]; prefix: string };

  constructor(message: string, options: { command?: string; unknown?: UsageError['unknown'] } = {}) {
    super(message);
    this.name = 'UsageError';
    this.command = options.command;
    this.unknown = options.unknown;
  }
}

/**
 * The command could not do its job for a reason that is not a usage mistake (AWS unreachable,
 * credentials missing): exit 1, the message without a pointer to the help.
 */
export class CommandFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailure';
  }
}

/** UsageError when discovery was given a name that does not exist (exit 2), else CommandFailure (exit 1). */
export function discoveryFailure(error: Error & { notFound?: boolean }): UsageError | CommandFailure {
  return error.notFound ? new UsageError(error.message) : new CommandFailure(error.message);
}

/**
 * The lines printed for a usage error:
 * `verify-deployment validate: unknown option --fail-fats; did you mean --fail-fast?` and a pointer
 * to the help. The did-you-mean reuses the scenario validator's (imported only on this path: a
 * mistyped flag must not slow every start).
 */
export async function formatUsageError(error: UsageError): Promise<string> {
  const who = error.command ? `verify-deployment ${error.command}` : 'verify-deployment';
  let message = error.message;
  if (error.unknown) {
    const { didYouMean } = await import('../../runner/index.js');
    const suggestion = didYouMean(error.unknown.word, error.unknown.candidates);
    if (suggestion) message += `; did you mean ${error.unknown.prefix}${suggestion}?`;
  }
  return `${who}: ${message}\nRun "${who} --help" for usage.\n`;
}
