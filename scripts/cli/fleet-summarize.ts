/** `verify-deployment summarize`: reads the reports, merges them (runner/fleet mergeReports), writes the fleet report. */
import { readFile, stat } from 'node:fs/promises';
import type { fleet } from '../../runner/index.js';

type ReportInput = fleet.ReportInput;
import { EXIT } from './exit-codes.js';
import { stdoutReportersOf, writeFleetReports } from './fleet-outputs.js';
import { fsReason, prepareOutputPath } from './outputs.js';
import type { Streams } from './run-command.js';
import { UsageError } from './usage-error.js';

export interface SummarizeArgs {
  files: string[];
  /** A `discover` output listing the services that must have a report. */
  expect?: string;
  reporters: string[];
  outs: { reporter: string; path: string }[];
  color?: boolean;
}

/** Reports bigger than this are refused (a fleet report of 5,000 services is well under it). */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** One file as a merge input: its JSON, or why it cannot be read (the service then counts as errored). */
async function readInput(file: string): Promise<ReportInput> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return { source: file, error: 'is not a file' };
    if (info.size > MAX_REPORT_BYTES) return { source: file, error: `is ${info.size} bytes; the limit is ${MAX_REPORT_BYTES}` };
    const text = await readFile(file, 'utf8');
    try {
      return { source: file, json: JSON.parse(text) as unknown };
    } catch (error) {
      return { source: file, error: `not JSON: ${(error as Error).message}` };
    }
  } catch (error) {
    return { source: file, error: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read: ${fsReason(error)}` };
  }
}

/** Merges the reports and writes the fleet report; exit 0 only when every service passed. Throws UsageError. */
export async function summarizeCommand(args: SummarizeArgs, io: Partial<Streams> = {}): Promise<number> {
  const streams: Streams = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, env: io.env ?? process.env };
  const [lib, fleetLib] = await Promise.all([import('../../runner/index.js'), import('../../runner/index.js').then((lib) => lib.fleet)]);
  const stdoutReporters = stdoutReportersOf(args.reporters, args.outs, lib.reporterNames);
  let expect;
  if (args.expect !== undefined) {
    const text = await readFile(args.expect, 'utf8').catch((error: unknown) => {
      throw new UsageError(`--expect ${args.expect}: ${fsReason(error)}`);
    });
    try {
      expect = fleetLib.expectedServices(text);
    } catch (error) {
      throw new UsageError(`--expect ${args.expect}: not a discover output (matrix, jsonl or json): ${(error as Error).message}`);
    }
  }
  const inputs = await Promise.all(args.files.map(readInput));
  const fleet = fleetLib.mergeReports(inputs, { expect });
  const refused = new Map<string, string>();
  for (const out of args.outs) await prepareOutputPath(out.path).catch((error: unknown) => refused.set(out.path, fsReason(error)));
  const failures = await writeFleetReports({ stdoutReporters, outs: args.outs, color: args.color }, fleet, refused, streams);
  for (const failure of failures) streams.stderr.write(`verify-deployment: ${failure}\n`);
  return fleet.status === 'passed' && failures.length === 0 ? EXIT.passed : EXIT.failed;
}
