/** `verify-deployment run`: run a scenario's checks (or a discovered service's standard chain) and report. */
import { defineCommand, type FlagValues } from '../command.js';
import { fleetSelection, SELECTION_FLAGS, SELECTION_HELP } from '../fleet-flags.js';
import { keyValue, publishNamespace, serviceTarget, varsOf, PUBLISH_METRICS_FLAG, PUBLISH_METRICS_HELP, TARGET_FLAGS, TARGET_HELP, VAR_FLAG, VAR_HELP } from '../flags.js';
import type { RunArgs } from '../run-command.js';
import { UsageError } from '../usage-error.js';

const MAX_CONCURRENCY = 64;
/** Services verified at once by default with --all-services (runner/fleet DEFAULT_FLEET_CONCURRENCY). */
const DEFAULT_FLEET_CONCURRENCY = 8;

const RUN_FLAGS = {
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
  ...PUBLISH_METRICS_FLAG,
  verbose: { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  ...TARGET_FLAGS,
  event: { type: 'string' },
  'all-services': { type: 'boolean' },
  ...SELECTION_FLAGS,
} as const;

type RunValues = FlagValues<typeof RUN_FLAGS>;

/** What every form of `run` takes the same way: vars, reporters, --out, --fail-fast, --timeout, --concurrency. */
function commonRunArgs(values: RunValues, defaultConcurrency: number | undefined): Omit<RunArgs, 'watch'> & { watch: false } {
  // Unset for a single run: the scenario's `concurrency:` applies, else the runner's default (4).
  const concurrency = values.concurrency === undefined ? defaultConcurrency : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY)) {
    throw new UsageError(`--concurrency expects an integer from 1 to ${MAX_CONCURRENCY}, got "${values.concurrency}"`);
  }
  return {
    command: 'run',
    watch: false,
    vars: varsOf(values.var),
    reporters: values.reporter ?? [],
    outs: (values.out ?? []).map((v) => {
      const [reporter, path] = keyValue('--out', v);
      if (path.trim() === '') throw new UsageError(`--out expects NAME=PATH with a file path, got "${v}"`);
      return { reporter, path };
    }),
    failFast: values['fail-fast'] ?? false,
    timeout: values.timeout,
    concurrency,
    color: values['no-color'] ? false : values.color,
    verbose: values.verbose ?? false,
  };
}

/** --inconclusive and --publish-metrics, checked: what a single run and a fleet run take alike. Throws UsageError. */
function verdictArgs(values: RunValues): Pick<RunArgs, 'inconclusive' | 'publishMetrics'> {
  if (values.inconclusive !== undefined && values.inconclusive !== 'pass' && values.inconclusive !== 'fail') {
    throw new UsageError(`--inconclusive expects fail or pass, got "${values.inconclusive}"`);
  }
  const namespace = publishNamespace(values['publish-metrics']);
  return {
    ...(values.inconclusive ? { inconclusive: values.inconclusive as 'pass' | 'fail' } : {}),
    ...(namespace !== undefined ? { publishMetrics: namespace } : {}),
  };
}

/** `run [scenario.yaml] --cluster C --all-services ...`. Throws UsageError for flags that do not apply to a fleet. */
function parseFleetRun(values: RunValues, positionals: string[]): RunArgs {
  const misplaced = (['service', 'url', 'from', 'only', 'watch', 'interval'] as const).filter((flag) => values[flag] !== undefined);
  if (misplaced.length > 0) throw new UsageError(`--${misplaced[0]} does not apply with --all-services`);
  return { ...commonRunArgs(values, DEFAULT_FLEET_CONCURRENCY), ...verdictArgs(values), file: positionals[0], fleet: fleetSelection(values, '--all-services') };
}

export const run = defineCommand({
  name: 'run',
  summary: "run a scenario's checks and report the verdict (exit 0 passed, 1 failed)",
  usage: [
    {
      lines: [
        'run <scenario.yaml> [--var key=value]... [--reporter NAME]... [--out NAME=PATH]...',
        '[--only NAME[,NAME]] [--from NAME] [--fail-fast] [--timeout DURATION]',
        '[--concurrency N] [--watch [--interval DURATION]] [--inconclusive fail|pass]',
        '[--publish-metrics NAMESPACE] [--verbose] [--color | --no-color]',
      ],
    },
    {
      lines: ['run --cluster C --service S [--url BASE] [--region R] [options above]'],
      note: 'discover the service and run the standard chain',
    },
    {
      lines: ['run --event FILE|- [<scenario.yaml>] [options above]'],
      note: 'verify the rollout a deployment event names',
    },
    {
      lines: [
        'run [scenario.yaml] --cluster C --all-services [--service-prefix P]',
        '[--exclude NAME]... [--concurrency N] [options above]',
      ],
      note: 'every service of the cluster, N at a time',
    },
  ],
  flags: RUN_FLAGS,

  flagHelp: {
    ...VAR_HELP,
    reporter: { arg: 'NAME', text: 'write that reporter to stdout: pretty (default), json, junit, github (repeatable)' },
    out: { arg: 'NAME=PATH', text: 'write that reporter to a file (repeatable; directories are created)' },
    only: { arg: 'NAME[,NAME]', text: 'run just these checks; the others are reported skipped, "not selected"' },
    from: { arg: 'NAME', text: 'resume at that check (the ones before it are not run)' },
    'fail-fast': { text: 'stop at the first failure; the remaining checks are skipped' },
    timeout: { arg: 'DURATION', text: 'bound the whole run, e.g. 5m (with --watch: when to give up, default 15m)' },
    concurrency: {
      arg: 'N',
      text: `run up to N checks whose needs are met at once (1-${MAX_CONCURRENCY}; default: the scenario's concurrency, else 4; 1 = one after the other); with --all-services, N services at once (default ${DEFAULT_FLEET_CONCURRENCY})`,
    },
    watch: { text: 're-run what is not passing every --interval until all pass or --timeout expires' },
    interval: { arg: 'DURATION', text: 'pause between --watch rounds (default 5s)' },
    inconclusive: { arg: 'fail|pass', text: 'what a check with no data (no datapoints, an alarm in INSUFFICIENT_DATA) makes of the run: fail (default, exit 1) or pass' },
    ...PUBLISH_METRICS_HELP,
    verbose: { text: "show the checks' debug lines on stderr" },
    color: { text: 'colour the output even when it is not a terminal' },
    'no-color': { text: 'never colour the output (NO_COLOR is respected too)' },
    ...TARGET_HELP,
    event: { arg: 'FILE|-', text: 'an ECS lifecycle hook, CodeDeploy hook, EventBridge ECS event or {cluster, service} (--event - reads stdin)' },
    'all-services': { text: "verify every service of --cluster: each one's discovered chain, or the scenario file with ${vars.service} set" },
    ...SELECTION_HELP,
  },
  positionals: { min: 0, max: 1, extra: (count) => `takes one scenario file, got ${count}` },
  details: `--watch re-runs what is not passing every --interval (default 5s) until all pass or --timeout
(default 15m) expires: the runbook's "wait for health checks to pass" step. A check that passed
is not re-run: if it breaks later, the watch does not notice (run again to re-check everything).
The first round shows its progress; then one line per round (a table redrawn in place on a
terminal). The report's durationMs is the whole watch's. --from NAME resumes at that check: the
checks before it are reported skipped, not evaluated because of --from.

--event reads a deployment event (the JSON an ECS lifecycle hook, a CodeDeploy hook or EventBridge
gives) and sets the vars cluster, service, taskDefinition (the target revision's, from
ecs:DescribeServiceRevisions) and stage, as the Lambda hook does; with no scenario file it runs the
zero-config chain for that service, judged at that stage. It only verifies: nothing is reported back.

Progress goes to stderr (live on a terminal, plain lines in CI); stdout carries only the report.
--reporter json or junit must be the only reporter on stdout.

--all-services verifies every service of --cluster in one process (discovery per service, the
AWS clients shared so each Describe call covers a resource once a round): a line per service, the
failing ones in full, and the fleet's totals. JSON: {version, cluster, status, totals, services:
[{service, verdict, report}]}; JUnit: one <testsuite> per service. See docs/scale.md.

--publish-metrics (or the scenario's publishMetrics: {namespace}) puts the verdict into CloudWatch
after the run (cloudwatch:PutMetricData), for a deployment alarm on ScenarioPassed < 1. A failed
publish is a warning on stderr: the exit code stays the checks' verdict. With --all-services, each
service's verdict is put with the dimension Scenario set to the service's name (one that could not
be verified puts ScenarioPassed 0).

A check that found no evidence ends "inconclusive": it is counted apart, and the run fails on it
(exit 1) unless --inconclusive pass.

Exit codes: 0 all checks passed; 1 a check failed, errored or was inconclusive, or a report could not be written;
2 invalid scenario, usage or a malformed --event; 130/143 interrupted by SIGINT/SIGTERM (summary and --out files are
still written).`,
  interruptible: true,
  parse(values, positionals): RunArgs {
    if (values['all-services']) return parseFleetRun(values, positionals);
    if (values['service-prefix'] !== undefined || values.exclude) throw new UsageError('--service-prefix and --exclude apply with --all-services');
    const target = serviceTarget(values);
    if (target && positionals.length > 0) throw new UsageError('takes a scenario file or --cluster and --service, not both');
    if (target && values.event !== undefined) throw new UsageError('--event names the service itself: drop --cluster and --service');
    if (!target && positionals.length === 0 && values.event === undefined) throw new UsageError('needs a scenario file (or --cluster and --service to discover one)');
    if (values.from && values.only) throw new UsageError('--from and --only cannot be combined');
    if (values.interval && !values.watch) throw new UsageError('--interval only applies with --watch');
    const only = values.only?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    return {
      ...commonRunArgs(values, undefined),
      file: positionals[0],
      target,
      from: values.from,
      watch: values.watch ?? false,
      interval: values.interval,
      only: only && only.length > 0 ? only : undefined,
      ...(values.event !== undefined ? { event: values.event } : {}),
      ...verdictArgs(values),
    };
  },
  async run(args, context) {
    const { runCommand } = await import('../run-command.js');
    return runCommand(args, { signal: context.signal });
  },
});
