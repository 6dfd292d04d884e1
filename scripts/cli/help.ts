/**
 * Help text, rendered from the command table: the usage block (global --help and the README's
 * "Usage" section, which a test compares with it) and each command's own help.
 */
import type { AnyCommand, FlagHelp, FlagsConfig } from './command.js';

const PROGRAM = 'verify-deployment';
/** Column where a usage note starts (when the synopsis leaves room for it). */
const NOTE_COLUMN = 48;

function usageEntry(lines: readonly string[], note: string | undefined): string[] {
  const first = `${PROGRAM} ${lines[0] ?? ''}`;
  // Continuation lines line up under the first argument: `verify-deployment run <here>`.
  const indent = ' '.repeat(PROGRAM.length + 1 + (lines[0] ?? '').indexOf(' ') + 1);
  const out = [first, ...lines.slice(1).map((line) => `${indent}${line}`)];
  if (!note) return out;
  const last = out[out.length - 1]!;
  if (last.length + 2 <= NOTE_COLUMN) out[out.length - 1] = `${last.padEnd(NOTE_COLUMN)}${note}`;
  else out.push(`${' '.repeat(NOTE_COLUMN)}${note}`);
  return out;
}

/** Every command's usage lines, in table order, then `--version | --help`; no trailing newline. */
export function renderUsageBlock(commands: readonly AnyCommand[]): string {
  const lines = commands.flatMap((command) => command.usage.flatMap((entry) => usageEntry(entry.lines, entry.note)));
  lines.push(`${PROGRAM} --version | --help`);
  return lines.join('\n');
}

/** `verify-deployment --help`. */
export function renderGlobalHelp(commands: readonly AnyCommand[]): string {
  const usage = renderUsageBlock(commands)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `${PROGRAM} — is this deployment really working?

Usage:
${usage}

Reporters: pretty (default), json, junit, github. --reporter writes to stdout;
--out NAME=PATH writes that reporter to a file (repeatable).

Exit codes: 0 all checks passed; 1 a check failed, errored or was inconclusive (unless --inconclusive pass); 2 invalid scenario or usage;
130/143 interrupted by SIGINT/SIGTERM (summary and --out files are still written).

Run "${PROGRAM} help COMMAND" (or "${PROGRAM} COMMAND --help") for a command's options.
`;
}

function flagLabel(name: string, flag: FlagsConfig[string], help: FlagHelp): string {
  const short = flag.short ? `-${flag.short}, ` : '    ';
  return `${short}--${name}${help.arg ? ` ${help.arg}` : ''}`;
}

/** `verify-deployment COMMAND --help`: usage, every flag with its help, then the details. */
export function renderCommandHelp(command: AnyCommand): string {
  const usage = command.usage.flatMap((entry) => usageEntry(entry.lines, undefined)).map((line) => `  ${line}`);
  const rows: [string, string][] = Object.entries(command.flags as FlagsConfig).map(([name, flag]) => [
    flagLabel(name, flag, (command.flagHelp as Record<string, FlagHelp>)[name]!),
    (command.flagHelp as Record<string, FlagHelp>)[name]!.text,
  ]);
  rows.push(['-h, --help', 'print this help']);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const flags = rows.map(([label, text]) => `  ${label.padEnd(width)}${text}`);
  const details = command.details ? `\n${command.details.trimEnd()}\n` : '';
  return `${PROGRAM} ${command.name} — ${command.summary}

Usage:
${usage.join('\n')}

Options:
${flags.join('\n')}
${details}`;
}
