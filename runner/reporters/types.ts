/** The shapes every reporter shares (kept apart from the registry so reporters never import it). */
import type { RunReport } from '../result.js';

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

/** Turns the (already secret-masked) report into text; never writes anywhere. */
export type RenderFunction = (report: RunReport, options: ReporterOptions) => ReporterOutput;

export interface Reporter {
  render: RenderFunction;
  /**
   * Machine-readable output (json, junit): it must be the only reporter on stdout, so a parser
   * reading stdout gets exactly one document.
   */
  machine: boolean;
}
