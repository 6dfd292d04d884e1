/** `verify-deployment summarize`: merge per-service JSON reports (a matrix's, a Distributed Map's) into the fleet's verdict. */
import { defineCommand } from '../command.js';
import { keyValue } from '../flags.js';
import { UsageError } from '../usage-error.js';

export const summarize = defineCommand({
  name: 'summarize',
  summary: 'merge JSON reports of many services into one fleet summary and exit code',
  usage: [
    {
      lines: ['summarize REPORT... [--expect FILE] [--reporter NAME]... [--out NAME=PATH]...', '[--color | --no-color]'],
      note: 'one verdict from per-service JSON reports',
    },
  ],
  flags: {
    reporter: { type: 'string', multiple: true, short: 'r' },
    out: { type: 'string', multiple: true, short: 'o' },
    expect: { type: 'string' },
    color: { type: 'boolean' },
    'no-color': { type: 'boolean' },
  },
  flagHelp: {
    reporter: { arg: 'NAME', text: 'write that reporter to stdout: pretty (default), json, junit, github (repeatable)' },
    out: { arg: 'NAME=PATH', text: 'write that reporter to a file (repeatable; directories are created)' },
    expect: { arg: 'FILE', text: 'discover output (matrix, jsonl or json): a listed service without a report is errored' },
    color: { text: 'colour the output even when it is not a terminal' },
    'no-color': { text: 'never colour the output (NO_COLOR is respected too)' },
  },
  positionals: { min: 1, max: Infinity, missing: 'needs at least one JSON report' },
  details: `Each REPORT is a file holding a run --reporter json report (the service is read from a
discovered scenario's "discovered:CLUSTER/SERVICE", else the scenario name), a fleet report (run
--all-services --reporter json, or a previous summarize), an array of Lambda handler answers
{cluster, service, verdict, report}, or a Step Functions ResultWriter results file. Verdicts are
recomputed from each report's status and counts. A file that cannot be read or is not a report
counts as an errored service, never as a pass.

Exit codes: 0 every service passed; 1 one did not (or was missing, with --expect), or a report
could not be written; 2 usage.`,
  parse(values, positionals) {
    const outs = (values.out ?? []).map((v) => {
      const [reporter, path] = keyValue('--out', v);
      return { reporter, path };
    });
    if (positionals.some((p) => p === '')) throw new UsageError('an empty REPORT path');
    return { files: positionals, expect: values.expect, reporters: values.reporter ?? [], outs, color: values['no-color'] ? false : values.color };
  },
  async run(args) {
    const { summarizeCommand } = await import('../fleet-summarize.js');
    return summarizeCommand(args);
  },
});
