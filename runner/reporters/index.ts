/**
 * Reporters: pure functions from the (already secret-masked) RunReport to text, one per file,
 * registered here. Where the text goes (stdout, a file, $GITHUB_STEP_SUMMARY) is the CLI's business.
 */
import type { RunReport } from '../result.js';
import { renderGithub } from './github.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderPretty } from './pretty.js';
import type { Reporter, ReporterOptions, ReporterOutput } from './types.js';

export type { Reporter, ReporterOptions, ReporterOutput, RenderFunction } from './types.js';

export type ReporterName = 'pretty' | 'json' | 'junit' | 'github';

// A mapped type over ReporterName: a name without its reporter does not compile.
const reporters: { readonly [K in ReporterName]: Reporter } = {
  pretty: { render: renderPretty, machine: false },
  json: { render: renderJson, machine: true },
  junit: { render: renderJunit, machine: true },
  github: { render: renderGithub, machine: false },
};

export const reporterNames = Object.keys(reporters) as readonly ReporterName[];

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(reporters, name);
}

/** Whether a reporter writes machine-readable output (json, junit): it must be alone on stdout. */
export function isMachineReporter(name: string): boolean {
  return isReporterName(name) && reporters[name].machine;
}

export function render(name: ReporterName, report: RunReport, options: ReporterOptions): ReporterOutput {
  return reporters[name].render(report, options);
}

/**
 * Whether to colour output: an explicit --color/--no-color wins, then NO_COLOR (any non-empty
 * value, see no-color.org), then FORCE_COLOR, then whether the stream is a terminal.
 */
export function shouldUseColor(options: {
  env: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
  flag?: boolean;
}): boolean {
  if (options.flag !== undefined) return options.flag;
  if (options.env.NO_COLOR) return false;
  const force = options.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return options.isTTY;
}
