/** The CLI contract: commands, flags, usage. Parsing only; no I/O beyond returning errors. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `verify-deployment — is this deployment really working?

Usage:
  verify-deployment run <scenario.yaml> [--var key=value]... [--reporter NAME]... [--out NAME=PATH]...
                        [--only NAME[,NAME]] [--fail-fast] [--timeout DURATION] [--concurrency N]
  verify-deployment validate <scenario.yaml>...   check files only, no network; exit 0 or 2
  verify-deployment schema                        print the scenario JSON Schema
  verify-deployment demo                          run the bundled demo (local, no AWS account)
  verify-deployment --version | --help

Reporters: pretty (default), json, junit, github. --reporter writes to stdout;
--out NAME=PATH writes that reporter to a file (repeatable).

Exit codes: 0 all checks passed; 1 a check failed or errored; 2 invalid scenario or usage;
130/143 interrupted by SIGINT/SIGTERM (summary and --out files are still written).
`;

export interface RunArgs {
  command: 'run';
  file: string;
  vars: Record<string, string>;
  reporters: string[];
  outs: { reporter: string; path: string }[];
  only?: string[];
  failFast: boolean;
  timeout?: string;
  concurrency: number;
  color?: boolean;
}

export type CliArgs =
  | RunArgs
  | { command: 'validate'; files: string[] }
  | { command: 'schema' }
  | { command: 'demo'; keep: boolean }
  | { command: 'version' }
  | { command: 'help' };

function keyValue(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        var: { type: 'string', multiple: true },
        reporter: { type: 'string', multiple: true, short: 'r' },
        out: { type: 'string', multiple: true, short: 'o' },
        only: { type: 'string', multiple: true },
        'fail-fast': { type: 'boolean' },
        timeout: { type: 'string' },
        concurrency: { type: 'string' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        keep: { type: 'boolean' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const [command, ...rest] = positionals;
  switch (command) {
    case undefined:
      return { command: 'help' };
    case 'run': {
      if (rest.length !== 1) throw new UsageError(rest.length === 0 ? 'run needs a scenario file' : `run takes one scenario file, got ${rest.length}`);
      const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        throw new UsageError(`--concurrency expects an integer from 1 to 64, got "${values.concurrency}"`);
      }
      const only = values.only?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
      return {
        command: 'run',
        file: rest[0]!,
        vars: Object.fromEntries((values.var ?? []).map((v) => keyValue('--var', v))),
        reporters: values.reporter ?? [],
        outs: (values.out ?? []).map((v) => {
          const [reporter, path] = keyValue('--out', v);
          return { reporter, path };
        }),
        only: only && only.length > 0 ? only : undefined,
        failFast: values['fail-fast'] ?? false,
        timeout: values.timeout,
        concurrency,
        color: values['no-color'] ? false : values.color,
      };
    }
    case 'validate':
      if (rest.length === 0) throw new UsageError('validate needs at least one scenario file');
      return { command: 'validate', files: rest };
    case 'schema':
      if (rest.length) throw new UsageError('schema takes no arguments');
      return { command: 'schema' };
    case 'demo':
      return { command: 'demo', keep: values.keep ?? false };
    default:
      throw new UsageError(`unknown command "${command}" (commands: run, validate, schema, demo)`);
  }
}
