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
                        [--only NAME[,NAME]] [--from NAME] [--fail-fast] [--timeout DURATION]
                        [--concurrency N] [--watch [--interval DURATION]]
  verify-deployment run --cluster C --service S [--url BASE] [--region R] [options above]
                                                  discover the service and run the standard chain
  verify-deployment init --cluster C --service S [--url BASE] [--region R] > verify.yaml
                                                  write that chain as a scenario to extend
  verify-deployment validate <scenario.yaml>... [--var key=value]...
                                                  check files only, no network; exit 0 or 2
  verify-deployment schema                        print the scenario JSON Schema
  verify-deployment demo                          run the bundled demo (local, no AWS account)
  verify-deployment sandbox up [--state S] | break [sg-rule|secret|both] | fix | status | down
                                                  the demo's local environment, by hand
  verify-deployment --version | --help

--watch re-runs what is not passing every --interval (default 5s) until all pass or --timeout
(default 15m) expires: the runbook's "wait for health checks to pass" step. --from NAME resumes
at that check.

Reporters: pretty (default), json, junit, github. --reporter writes to stdout;
--out NAME=PATH writes that reporter to a file (repeatable).

Exit codes: 0 all checks passed; 1 a check failed or errored; 2 invalid scenario or usage;
130/143 interrupted by SIGINT/SIGTERM (summary and --out files are still written).
`;

export interface ServiceTarget {
  cluster: string;
  service: string;
  url?: string;
  region?: string;
}

export interface RunArgs {
  command: 'run';
  /** The scenario file, or undefined when the chain is discovered from `target`. */
  file?: string;
  target?: ServiceTarget;
  from?: string;
  watch: boolean;
  interval?: string;
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
  | { command: 'validate'; files: string[]; vars: Record<string, string> }
  | { command: 'init'; target: ServiceTarget }
  | { command: 'schema' }
  | { command: 'demo'; keep: boolean }
  | { command: 'sandbox'; action: 'up'; state: string }
  | { command: 'sandbox'; action: 'break'; what: 'sg-rule' | 'secret' | 'both' }
  | { command: 'sandbox'; action: 'fix' | 'status' | 'down' }
  | { command: 'version' }
  | { command: 'help' };

function keyValue(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

function varsOf(values: string[] | undefined): Record<string, string> {
  return Object.fromEntries((values ?? []).map((v) => keyValue('--var', v)));
}

function serviceTarget(values: { cluster?: string; service?: string; url?: string; region?: string }): ServiceTarget | undefined {
  if (!values.cluster && !values.service) {
    if (values.url || values.region) throw new UsageError('--url and --region apply to --cluster/--service discovery');
    return undefined;
  }
  if (!values.cluster || !values.service) throw new UsageError('--cluster and --service go together');
  if (values.url !== undefined) {
    try {
      const url = new URL(values.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    } catch {
      throw new UsageError(`--url expects an http(s) base URL, got "${values.url}"`);
    }
  }
  return { cluster: values.cluster, service: values.service, url: values.url, region: values.region };
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
        from: { type: 'string' },
        state: { type: 'string' },
        watch: { type: 'boolean' },
        interval: { type: 'string' },
        cluster: { type: 'string' },
        service: { type: 'string' },
        url: { type: 'string' },
        region: { type: 'string' },
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
      const target = serviceTarget(values);
      if (target && rest.length > 0) throw new UsageError('run takes a scenario file or --cluster and --service, not both');
      if (!target && rest.length !== 1) {
        throw new UsageError(rest.length === 0 ? 'run needs a scenario file (or --cluster and --service to discover one)' : `run takes one scenario file, got ${rest.length}`);
      }
      if (values.from && values.only) throw new UsageError('--from and --only cannot be combined');
      if (values.interval && !values.watch) throw new UsageError('--interval only applies with --watch');
      const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
        throw new UsageError(`--concurrency expects an integer from 1 to 64, got "${values.concurrency}"`);
      }
      const only = values.only?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
      return {
        command: 'run',
        file: rest[0],
        target,
        from: values.from,
        watch: values.watch ?? false,
        interval: values.interval,
        vars: varsOf(values.var),
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
      return { command: 'validate', files: rest, vars: varsOf(values.var) };
    case 'init': {
      const target = serviceTarget(values);
      if (!target) throw new UsageError('init needs --cluster and --service');
      if (rest.length) throw new UsageError('init takes no file: redirect its output (init ... > verify.yaml)');
      return { command: 'init', target };
    }
    case 'schema':
      if (rest.length) throw new UsageError('schema takes no arguments');
      return { command: 'schema' };
    case 'demo':
      return { command: 'demo', keep: values.keep ?? false };
    case 'sandbox': {
      const [action, what, ...extra] = rest;
      if (extra.length > 0) throw new UsageError(`sandbox ${action}: unexpected "${extra.join(' ')}"`);
      if (values.state && action !== 'up') throw new UsageError('--state only applies to sandbox up');
      switch (action) {
        case 'up':
          if (what) throw new UsageError('sandbox up takes --state, not an argument');
          return { command: 'sandbox', action, state: values.state ?? 'missing-sg-rule' };
        case 'break':
          if (what !== undefined && what !== 'sg-rule' && what !== 'secret' && what !== 'both') {
            throw new UsageError(`sandbox break sg-rule|secret|both, got "${what}"`);
          }
          return { command: 'sandbox', action, what: what ?? 'sg-rule' };
        case 'fix':
        case 'status':
        case 'down':
          if (what) throw new UsageError(`sandbox ${action} takes no argument`);
          return { command: 'sandbox', action };
        default:
          throw new UsageError(`sandbox up|break|fix|status|down, got "${action ?? ''}"`);
      }
    }
    default:
      throw new UsageError(`unknown command "${command}" (commands: run, init, validate, schema, demo, sandbox)`);
  }
}
