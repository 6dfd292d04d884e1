/** Where fleet reports go (stdout, --out files, the GitHub step summary), for `run --all-services` and `summarize`. */
import { appendFile } from 'node:fs/promises';
import type { ReporterName } from '../../runner/index.js';
import type { FleetReport } from '../../runner/index.js';
import { fsReason, writeFileAtomic } from './outputs.js';
import type { Streams } from './run-command.js';
import { UsageError } from './usage-error.js';

export interface FleetOutputs {
  stdoutReporters: ReporterName[];
  outs: { reporter: string; path: string }[];
  /** --color / --no-color. */
  color?: boolean;
}

/** The stdout reporters (pretty by default), checked: known names, json/junit alone on stdout. Throws UsageError. */
export function stdoutReportersOf(reporters: readonly string[], outs: readonly { reporter: string }[], known: readonly string[]): ReporterName[] {
  const chosen = reporters.length > 0 ? [...reporters] : ['pretty'];
  for (const name of [...chosen, ...outs.map((o) => o.reporter)]) {
    if (!known.includes(name)) throw new UsageError(`unknown reporter "${name}" (reporters: ${known.join(', ')})`);
  }
  const machine = chosen.filter((r) => r === 'json' || r === 'junit');
  if (machine.length > 0 && chosen.length > 1) throw new UsageError(`--reporter ${machine[0]} must be the only reporter on stdout; write the others with --out NAME=PATH`);
  return chosen as ReporterName[];
}

/**
 * Writes the fleet report: each stdout reporter, each --out file (atomically; `refused` ones were
 * found unwritable before), the step summary to $GITHUB_STEP_SUMMARY. Every output is attempted;
 * returns what could not be written.
 */
export async function writeFleetReports(outputs: FleetOutputs, fleet: FleetReport, refused: ReadonlyMap<string, string>, io: Streams): Promise<string[]> {
  const [lib, fleetLib] = await Promise.all([import('../../runner/index.js'), import('../../runner/index.js').then((lib) => lib.fleet)]);
  const { stdout, env } = io;
  const color = lib.shouldUseColor({ env, isTTY: Boolean(stdout.isTTY), flag: outputs.color });
  let stepSummary: string | undefined;
  for (const name of outputs.stdoutReporters) {
    const output = fleetLib.renderFleet(name, fleet, { color, cwd: process.cwd(), width: stdout.columns });
    stdout.write(output.text);
    stepSummary ??= output.stepSummary;
  }
  const failures: string[] = [];
  for (const out of outputs.outs) {
    const output = fleetLib.renderFleet(out.reporter as ReporterName, fleet, { color: false, cwd: process.cwd() });
    stepSummary ??= output.stepSummary;
    const what = `${out.reporter} report to ${out.path}`;
    const reason = refused.get(out.path);
    if (reason) failures.push(`cannot write ${what}: ${reason}`);
    else await writeFileAtomic(out.path, output.text).catch((error: unknown) => failures.push(`cannot write ${what}: ${fsReason(error)}`));
  }
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (stepSummary && summaryFile) {
    await appendFile(summaryFile, stepSummary).catch((error: unknown) => failures.push(`cannot write the step summary to ${summaryFile}: ${fsReason(error)}`));
  }
  return failures;
}
