/**
 * What a CLI command is: its own flags (a node:util parseArgs options object), the help for each
 * flag, its positional arguments, its usage lines, and its handler. Commands are registered in
 * one table (commands/index.ts); parsing, --help and the README's usage block all come from it.
 */
import type { parseArgs, ParseArgsConfig } from 'node:util';

/** A parseArgs `options` object. */
export type FlagsConfig = NonNullable<ParseArgsConfig['options']>;

/** The parsed values of `O`, typed as parseArgs types them in strict mode. */
export type FlagValues<O extends FlagsConfig> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values'];

/** How one flag is shown in `<command> --help`: its value placeholder (string flags) and what it does. */
export interface FlagHelp {
  /** e.g. `NAME=PATH`; omitted for boolean flags. */
  arg?: string;
  text: string;
}

/** How many positional arguments a command takes, and what to say when the count is wrong. */
export interface PositionalSpec {
  min: number;
  /** Infinity for "one or more". */
  max: number;
  /** Usage error when fewer than `min` were given. */
  missing?: string;
  /** Usage error when more than `max` were given. */
  extra?: (count: number) => string;
}

/** One usage entry: the synopsis (continuation lines are indented under the first) and a note. */
export interface UsageLine {
  /** Without the leading `verify-deployment `. */
  lines: readonly string[];
  note?: string;
}

/** What the entry hands a command's handler. */
export interface CommandContext {
  /** Aborted on the first SIGINT/SIGTERM (interruptible commands only; the reason is the signal name). */
  signal?: AbortSignal;
  /** The command table (for `help`). */
  commands: readonly AnyCommand[];
}

export interface Command<O extends FlagsConfig, A> {
  name: string;
  /** One line: what the command does (global help, and the title of its own help). */
  summary: string;
  usage: readonly UsageLine[];
  flags: O;
  /** Every flag's help; a flag without one does not compile. */
  flagHelp: { readonly [K in keyof O]: FlagHelp };
  positionals: PositionalSpec;
  /** Paragraphs shown after the flags in `<command> --help`. */
  details?: string;
  /**
   * The entry turns the first SIGINT/SIGTERM into `context.signal` (a second one exits at once).
   * Commands without it handle signals themselves or keep Node's default.
   */
  interruptible?: boolean;
  /** Flags and positionals → the handler's arguments. Throws UsageError. */
  parse(values: FlagValues<O>, positionals: string[]): A;
  /** Runs the command; resolves to the exit code. Throws UsageError for usage mistakes. */
  run(args: A, context: CommandContext): Promise<number>;
}

// The table holds commands of different argument types; each is checked where it is defined.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any, any>;

/** Declares a command with its flag types inferred from `flags`. */
export function defineCommand<const O extends FlagsConfig, A>(command: Command<O, A>): Command<O, A> {
  return command;
}
