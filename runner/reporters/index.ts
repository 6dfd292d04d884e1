/**
 * Reporters: pure functions from the (already secret-masked) RunReport to text.
 * Where the text goes (stdout, a file, $GITHUB_STEP_SUMMARY) is the entry script's business.
 */
import type { RunReport } from '../result.js';
import { renderGithub } from './github.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderPretty } from './pretty.js';

export type ReporterName = 'pretty' | 'json' | 'junit' | 'github';

export interface ReporterOptions {
  /** Emit ANSI colours (pretty only). Decide it with shouldUseColor(). */
  color: boolean;
  /** Absolute file paths are shown relative to this directory (GitHub needs repo-relative paths). */
  cwd?: string;
  /** Terminal width in columns the pretty table fits its messages into; default 100. */
  width?: number;
}

export interface ReporterOutput {
  text: string;
  /** github only: markdown to append to $GITHUB_STEP_SUMMARY */
  stepSummary?: string;
}

export type Reporter = (report: RunReport, options: ReporterOptions) => ReporterOutput;

// A mapped type over ReporterName: a name without its reporter does not compile.
const reporters: { readonly [K in ReporterName]: Reporter } = {
  pretty: renderPretty,
  json: renderJson,
  junit: renderJunit,
  github: renderGithub,
};

export const reporterNames = Object.keys(reporters) as readonly ReporterName[];

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(reporters, name);
}

export function render(name: ReporterName, report: RunReport, options: ReporterOptions): ReporterOutput {
  return reporters[name](report, options);
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
