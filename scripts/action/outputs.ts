/**
 * The GitHub Action's last step: reads the run's JSON report and writes the step outputs
 * (`verdict`, `report`, `root-cause`) to $GITHUB_OUTPUT, then says how the step ends.
 *
 *   node dist/scripts/action/outputs.js REPORT_PATH CLI_EXIT_CODE
 *
 * The verdict comes from the report's fields (status and summary counts, runner/fleet verdictOf),
 * never from the CLI's text. Exit code: 0 when the verdict is passed (or inconclusive with
 * INPUT_FAIL_ON_INCONCLUSIVE=false); the CLI's own code when it wrote no report (2: usage); else 1.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneLine } from '../../runner/index.js';
import { runReportFromJson } from '../../runner/fleet/summarize.js';
import type { FleetVerdict } from '../../runner/fleet/types.js';
import { verdictOf } from '../../runner/fleet/verdict.js';

export interface ActionOutputs {
  verdict: FleetVerdict;
  /** The report's path, or '' when the CLI wrote none. */
  report: string;
  /** `check: reason` of the report's root cause, or ''. */
  rootCause: string;
  /** How the step ends. */
  exitCode: number;
  /** Why, when there is no usable report. */
  problem?: string;
}

/** `true` unless the input says false/no/0 (a gate does not open on no evidence by default). */
export function failsOnInconclusive(input: string | undefined): boolean {
  return !/^(false|no|0|off)$/i.test((input ?? '').trim());
}

/** The outputs for the report at `file` and the CLI's exit code. Never throws. */
export function actionOutputs(file: string, cliExitCode: number, failOnInconclusive: boolean): ActionOutputs {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    const code = Number.isInteger(cliExitCode) && cliExitCode !== 0 ? cliExitCode : 1;
    return { verdict: 'errored', report: '', rootCause: '', exitCode: code, problem: `no report was written (verify-deployment exited ${cliExitCode}): see the log above` };
  }
  let report: ReturnType<typeof runReportFromJson>;
  try {
    report = runReportFromJson(JSON.parse(text));
  } catch (error) {
    report = `not JSON: ${(error as Error).message}`;
  }
  if (typeof report === 'string') return { verdict: 'errored', report: file, rootCause: '', exitCode: 1, problem: `the report at ${file} is unreadable: ${report}` };
  const verdict = verdictOf(report);
  const cause = report.rootCause;
  const rootCause = cause ? oneLine(`${cause.check}: ${cause.reason}`) : '';
  const passes = verdict === 'passed' || (verdict === 'inconclusive' && !failOnInconclusive);
  return { verdict, report: file, rootCause, exitCode: passes ? 0 : 1 };
}

/** `name<<DELIMITER\nvalue\nDELIMITER\n` lines for $GITHUB_OUTPUT, with a delimiter no value contains. */
export function githubOutputText(values: Record<string, string>): string {
  let delimiter: string;
  do delimiter = `ghadelimiter_${randomBytes(12).toString('hex')}`;
  while (Object.values(values).some((value) => value.includes(delimiter)));
  return Object.entries(values)
    .map(([name, value]) => `${name}<<${delimiter}\n${value}\n${delimiter}\n`)
    .join('');
}

function main(argv: string[], env: NodeJS.ProcessEnv): number {
  const [file = '', code = '1'] = argv;
  const outputs = actionOutputs(file, Number(code), failsOnInconclusive(env.INPUT_FAIL_ON_INCONCLUSIVE));
  const text = githubOutputText({ verdict: outputs.verdict, report: outputs.report, 'root-cause': outputs.rootCause });
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, text);
  else process.stdout.write(text);
  if (outputs.problem) {
    process.stderr.write(`verify-deployment: ${outputs.problem}\n`);
    if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `### ⛔ verify-deployment: ${outputs.problem}\n`);
  }
  process.stderr.write(`verify-deployment: verdict ${outputs.verdict}\n`);
  return outputs.exitCode;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
