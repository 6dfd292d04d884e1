/** `verify-deployment gate`: verify a rollout paused at a PAUSE lifecycle hook and continue it or roll it back. */
import { defineCommand } from '../command.js';
import { keyValue, publishNamespace, serviceTarget, varsOf, PUBLISH_METRICS_FLAG, PUBLISH_METRICS_HELP, TARGET_FLAGS, TARGET_HELP, VAR_FLAG, VAR_HELP } from '../flags.js';
import type { GateArgs } from '../gate-command.js';
import { UsageError } from '../usage-error.js';

export const gate = defineCommand({
  name: 'gate',
  summary: 'verify a rollout paused at a PAUSE hook, then continue it or roll it back',
  usage: [
    {
      lines: [
        'gate --cluster C --service S [<scenario.yaml>] [--stage STAGE] [--wait DURATION]',
        '[--interval DURATION] [--dry-run] [--var key=value]... [--reporter NAME]...',
        '[--out NAME=PATH]... [--timeout DURATION] [--url BASE] [--region R]',
        '[--publish-metrics NAMESPACE] [--verbose] [--color | --no-color]',
      ],
    },
  ],
  flags: {
    ...TARGET_FLAGS,
    stage: { type: 'string' },
    wait: { type: 'string' },
    interval: { type: 'string' },
    'dry-run': { type: 'boolean' },
    ...VAR_FLAG,
    reporter: { type: 'string', multiple: true, short: 'r' },
    out: { type: 'string', multiple: true, short: 'o' },
    timeout: { type: 'string' },
    ...PUBLISH_METRICS_FLAG,
    verbose: { type: 'boolean' },
    color: { type: 'boolean' },
    'no-color': { type: 'boolean' },
  },
  flagHelp: {
    ...TARGET_HELP,
    stage: { arg: 'STAGE', text: 'only a hook paused at this lifecycle stage, e.g. POST_TEST_TRAFFIC_SHIFT' },
    wait: { arg: 'DURATION', text: 'keep looking this long for a hook awaiting action (default 0: look once)' },
    interval: { arg: 'DURATION', text: 'pause between looks while --wait lasts (default 10s)' },
    'dry-run': { text: 'decide and print, but do not call ContinueServiceDeployment' },
    ...VAR_HELP,
    reporter: { arg: 'NAME', text: 'write that reporter to stdout: pretty (default), json, junit, github (repeatable)' },
    out: { arg: 'NAME=PATH', text: 'write that reporter to a file (repeatable; directories are created)' },
    timeout: { arg: 'DURATION', text: "bound the run (default: until 30s before the hook's timeout)" },
    ...PUBLISH_METRICS_HELP,
    verbose: { text: "show the checks' debug lines on stderr" },
    color: { text: 'colour the output even when it is not a terminal' },
    'no-color': { text: 'never colour the output (NO_COLOR is respected too)' },
  },
  positionals: { min: 0, max: 1, extra: (count) => `takes one scenario file, got ${count}` },
  details: `Finds the service's IN_PROGRESS service deployment with a PAUSE lifecycle hook in AWAITING_ACTION
(ecs:ListServiceDeployments, ecs:DescribeServiceDeployments), runs the scenario — or, without one,
the zero-config chain judged at the hook's stage — with the vars cluster, service, taskDefinition
(the target revision's, ecs:DescribeServiceRevisions) and stage, as the Lambda hook sets them, then
calls ecs:ContinueServiceDeployment: CONTINUE when every check passed, ROLLBACK on anything else
(failed, errored, inconclusive). The decision line follows the report (on stderr when stdout
carries a json or junit report). See docs/gate.md for the checks that belong in a gate scenario.
--publish-metrics (or the scenario's publishMetrics) puts the verdict into CloudWatch after the
run, as run does (cloudwatch:PutMetricData); a failed publish is a warning.

Exit codes: 0 continued; 1 rolled back (or the gate could not look for the hook or act on it:
the hook then keeps waiting until its timeout action); 2 usage or invalid scenario (nothing
called); 3 no hook awaiting action within --wait; 130/143 interrupted (nothing called).
--dry-run exits as the decision would (0 or 1) without calling anything.`,
  interruptible: true,
  parse(values, positionals): GateArgs {
    const target = serviceTarget(values);
    if (!target) throw new UsageError('needs --cluster and --service (the service whose rollout is paused)');
    if (values.interval !== undefined && values.wait === undefined) throw new UsageError('--interval only applies with --wait');
    return {
      command: 'gate',
      target,
      file: positionals[0],
      stage: values.stage,
      wait: values.wait,
      interval: values.interval,
      dryRun: values['dry-run'] ?? false,
      vars: varsOf(values.var),
      reporters: values.reporter ?? [],
      outs: (values.out ?? []).map((v) => {
        const [reporter, path] = keyValue('--out', v);
        return { reporter, path };
      }),
      timeout: values.timeout,
      ...(values['publish-metrics'] !== undefined ? { publishMetrics: publishNamespace(values['publish-metrics']) } : {}),
      color: values['no-color'] ? false : values.color,
      verbose: values.verbose ?? false,
    };
  },
  async run(args, context) {
    const { gateCommand } = await import('../gate-command.js');
    return gateCommand(args, { signal: context.signal });
  },
});
