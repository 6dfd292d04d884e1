/** `verify-deployment run`: run a scenario's checks (or a discovered service's standard chain) and report. */
import { defineCommand } from '../command.js';
import { keyValue, serviceTarget, varsOf, TARGET_FLAGS, TARGET_HELP, VAR_FLAG, VAR_HELP } from '../flags.js';
import type { RunArgs } from '../run-command.js';
import { UsageError } from '../usage-error.js';

const MAX_CONCURRENCY = 64;

export const run = defineCommand({
  name: 'run',
  summary: "run a scenario's checks and report the verdict (exit 0 passed, 1 failed)",
  usage: [
    {
      lines: [
        'run <scenario.yaml> [--var key=value]... [--reporter NAME]... [--out NAME=PATH]...',
        '[--only NAME[,NAME]] [--from NAME] [--fail-fast] [--timeout DURATION]',
        '[--concurrency N] [--watch [--interval DURATION]] [--inconclusive fail|pass]',
        '[--verbose] [--color | --no-color]',
      ],
    },
    {
      lines: ['run --cluster C --service S [--url BASE] [--region R] [options above]'],
      note: 'discover the service and run the standard chain',
    },
  ],
  flags: {
    ...VAR_FLAG,
    reporter: { type: 'string', multiple: true, short: 'r' },
    out: { type: 'string', multiple: true, short: 'o' },
    only: { type: 'string', multiple: true },
    from: { type: 'string' },
    'fail-fast': { type: 'boolean' },
    timeout: { type: 'string' },
    concurrency: { type: 'string' },
    watch: { type: 'boolean' },
    interval: { type: 'string' },
    inconclusive: { type: 'string' },
    verbose: { type: 'boolean' },
    color: { type: 'boolean' },
    'no-color': { type: 'boolean' },
    ...TARGET_FLAGS,
  },
  flagHelp: {
    ...VAR_HELP,
    reporter: { arg: 'NAME', text: 'write that reporter to stdout: pretty (default), json, junit, github (repeatable)' },
    out: { arg: 'NAME=PATH', text: 'write that reporter to a file (repeatable; directories are created)' },
    only: { arg: 'NAME[,NAME]', text: 'run just these checks; the others are reported skipped, "not selected"' },
    from: { arg: 'NAME', text: 'resume at that check (the ones before it are not run)' },
    'fail-fast': { text: 'stop at the first failure; the remaining checks are skipped' },
    timeout: { arg: 'DURATION', text: 'bound the whole run, e.g. 5m (with --watch: when to give up, default 15m)' },
    concurrency: { arg: 'N', text: `run up to N checks whose needs are met at once (1-${MAX_CONCURRENCY}, default 1)` },
    watch: { text: 're-run what is not passing every --interval until all pass or --timeout expires' },
    interval: { arg: 'DURATION', text: 'pause between --watch rounds (default 5s)' },
    inconclusive: { arg: 'fail|pass', text: 'what a check with no data (no datapoints, an alarm in INSUFFICIENT_DATA) makes of the run: fail (default, exit 1) or pass' },
    verbose: { text: "show the checks' debug lines on stderr" },
    color: { text: 'colour the output even when it is not a terminal' },
    'no-color': { text: 'never colour the output (NO_COLOR is respected too)' },
    ...TARGET_HELP,
  },
  positionals: { min: 0, max: 1, extra: (count) => `takes one scenario file, got ${count}` },
  details: `--watch re-runs what is not passing every --interval (default 5s) until all pass or --timeout
(default 15m) expires: the runbook's "wait for health checks to pass" step. --from NAME resumes
at that check.

Progress goes to stderr (live on a terminal, plain lines in CI); stdout carries only the report.
--reporter json or junit must be the only reporter on stdout.

A check that found no evidence ends "inconclusive": it is counted apart, and the run fails on it
(exit 1) unless --inconclusive pass.

Exit codes: 0 all checks passed; 1 a check failed, errored or was inconclusive, or a report could not be written;
2 invalid scenario or usage; 130/143 interrupted by SIGINT/SIGTERM (summary and --out files are
still written).`,
  interruptible: true,
  parse(values, positionals): RunArgs {
    const target = serviceTarget(values);
    if (target && positionals.length > 0) throw new UsageError('takes a scenario file or --cluster and --service, not both');
    if (!target && positionals.length === 0) throw new UsageError('needs a scenario file (or --cluster and --service to discover one)');
    if (values.from && values.only) throw new UsageError('--from and --only cannot be combined');
    if (values.interval && !values.watch) throw new UsageError('--interval only applies with --watch');
    if (values.inconclusive !== undefined && values.inconclusive !== 'pass' && values.inconclusive !== 'fail') {
      throw new UsageError(`--inconclusive expects fail or pass, got "${values.inconclusive}"`);
    }
    const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new UsageError(`--concurrency expects an integer from 1 to ${MAX_CONCURRENCY}, got "${values.concurrency}"`);
    }
    const only = values.only?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    return {
      command: 'run',
      file: positionals[0],
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
      ...(values.inconclusive ? { inconclusive: values.inconclusive as 'pass' | 'fail' } : {}),
      color: values['no-color'] ? false : values.color,
      verbose: values.verbose ?? false,
    };
  },
  async run(args, context) {
    const { runCommand } = await import('../run-command.js');
    return runCommand(args, { signal: context.signal });
  },
});
