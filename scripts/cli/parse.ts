/**
 * argv → the command to run and its arguments. The command is the first positional argument
 * (flags may come before it); the rest is parsed with that command's own flags only, so a flag
 * the command does not take is a usage error naming the command. The parser's own error text is
 * never shown: problems are diagnosed from its tokens first.
 */
import { parseArgs } from 'node:util';
import type { AnyCommand, CommandContext, FlagsConfig } from './command.js';
import { UsageError } from './usage-error.js';

/** What to run: a command with its parsed arguments, or the global --version/--help. */
export interface Invocation {
  /** The command's name (`help` for the global help, `--version` for the version). */
  name: string;
  /** The command's parsed arguments (its `parse` result). */
  args: unknown;
  /** The command, when `name` is one of the table. */
  command?: AnyCommand;
  run(context: CommandContext): Promise<number>;
}

const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;
const GLOBAL_FLAGS = { ...HELP_FLAG, version: { type: 'boolean', short: 'v' } } as const;

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

function tokensOf(args: string[], options: FlagsConfig): Token[] {
  return parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true }).tokens;
}

/** The command a flag belongs to, for "--watch is an option of run". */
function ownersOf(flag: string, commands: readonly AnyCommand[]): string[] {
  return commands.filter((c) => Object.hasOwn(c.flags, flag)).map((c) => c.name);
}

/** Throws the UsageError for the first token strict parsing would reject. */
function diagnose(tokens: Token[], options: FlagsConfig, commands: readonly AnyCommand[], command?: string): void {
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!option) {
      const owners = token.rawName.startsWith('--') ? ownersOf(token.name, commands).filter((name) => name !== command) : [];
      const where = owners.length > 0 ? ` (--${token.name} is an option of ${owners.join(', ')})` : '';
      throw new UsageError(`unknown option ${token.rawName}${where}`, {
        command,
        unknown: owners.length > 0 ? undefined : { word: token.name, candidates: Object.keys(options), prefix: '--' },
      });
    }
    const flag = `--${token.name}`;
    if (option.type === 'boolean' && token.value !== undefined) throw new UsageError(`${flag} takes no value, got "${flag}=${token.value}"`, { command });
    if (option.type === 'string' && token.value === undefined) throw new UsageError(`${flag} needs a value`, { command });
    if (option.type === 'string' && !token.inlineValue && token.value?.startsWith('-') && token.value !== '-') {
      throw new UsageError(`${flag} needs a value (to pass one that starts with "-", write ${flag}=${token.value})`, { command });
    }
  }
}

/** parseArgs in strict mode, after `diagnose` has turned every problem it finds into our own message. */
function strictParse(args: string[], options: FlagsConfig, commands: readonly AnyCommand[], command?: string) {
  diagnose(tokensOf(args, options), options, commands, command);
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch {
    // diagnose() covers every error parseArgs raises today; a new one must still not leak its text.
    throw new UsageError('cannot read these arguments', { command });
  }
}

function unknownCommand(name: string, commands: readonly AnyCommand[]): UsageError {
  const names = commands.map((c) => c.name);
  return new UsageError(`unknown command "${name}" (commands: ${names.join(', ')})`, { unknown: { word: name, candidates: names, prefix: '' } });
}

/** Where the command name is in argv: the first positional, with every command's flags known. */
function commandIndex(argv: string[], commands: readonly AnyCommand[]): number | undefined {
  const all: FlagsConfig = Object.assign({}, GLOBAL_FLAGS, ...commands.map((c) => c.flags));
  return tokensOf(argv, all).find((t) => t.kind === 'positional')?.index;
}

function parseGlobal(argv: string[], commands: readonly AnyCommand[], version: () => Promise<number>): Invocation {
  const { values } = strictParse(argv, GLOBAL_FLAGS, commands);
  const help = commands.find((c) => c.name === 'help');
  if (values.version && !values.help) return { name: '--version', args: {}, run: version };
  if (!help) throw new UsageError('no command given');
  const args: unknown = help.parse({}, []);
  return { name: 'help', command: help, args, run: (context) => help.run(args, context) };
}

/** `verify-deployment <command> --help`: the command's own help, through the `help` command. */
function commandHelp(command: AnyCommand, commands: readonly AnyCommand[]): Invocation {
  const help = commands.find((c) => c.name === 'help');
  if (!help) throw new UsageError('no help available', { command: command.name });
  const args = help.parse({}, [command.name]);
  return { name: 'help', command: help, args, run: (context) => help.run(args, context) };
}

function checkPositionals(command: AnyCommand, positionals: string[]): void {
  const { min, max, missing, extra } = command.positionals;
  if (positionals.length < min) throw new UsageError(missing ?? `needs ${min} argument${min === 1 ? '' : 's'}`);
  if (positionals.length > max) {
    throw new UsageError(extra?.(positionals.length) ?? (max === 0 ? 'takes no arguments' : `takes at most ${max} arguments, got ${positionals.length}`));
  }
}

/**
 * Parses argv against the command table. Throws UsageError (with `command` set once the command
 * is known) for an unknown command or flag, a missing flag value, or a wrong argument count.
 */
export function parseCliArgs(argv: string[], commands: readonly AnyCommand[], version: () => Promise<number>): Invocation {
  const at = commandIndex(argv, commands);
  if (at === undefined) return parseGlobal(argv, commands, version);
  const name = argv[at]!;
  const command = commands.find((c) => c.name === name);
  if (!command) throw unknownCommand(name, commands);
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
  const options: FlagsConfig = { ...command.flags, ...HELP_FLAG };
  // --help wins over every other problem: whoever asks for it is about to fix them.
  if (tokensOf(rest, options).some((t) => t.kind === 'option' && t.name === 'help')) return commandHelp(command, commands);
  try {
    const { values, positionals } = strictParse(rest, options, commands, command.name);
    checkPositionals(command, positionals);
    const args: unknown = command.parse(values, positionals);
    return { name: command.name, command, args, run: (context) => command.run(args, context) };
  } catch (error) {
    if (error instanceof UsageError) error.command ??= command.name;
    throw error;
  }
}
