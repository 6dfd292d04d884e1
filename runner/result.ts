/** The run result every reporter renders: JSON report version 1 plus extensions. */
import type { AttemptOutcome, Fix, Observation } from '../checks/types.js';

/**
 * How a check ended. `inconclusive`: it ran and the evidence is missing (no datapoints, no traffic,
 * an alarm in INSUFFICIENT_DATA); like `error` it is no evidence either way, and the run does not
 * pass on it unless the caller says so (`--inconclusive pass`).
 */
export type CheckStatus = 'passed' | 'failed' | 'error' | 'skipped' | 'inconclusive';

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * Why a check was skipped, as data (the text form is `skipReason`).
 * - `needs`: a check it needs did not pass; `because` names that check.
 * - `fail-fast`: `--fail-fast` stopped the run; `because` names the check that failed or errored.
 * - `interrupted`: SIGINT/SIGTERM stopped the run.
 * - `deadline`: the run's `--timeout` expired before the check could start.
 * - `not-selected`: left out by `--only`, or by `--from` (then `because` is `"--from"`).
 */
export interface SkipInfo {
  reason: 'needs' | 'fail-fast' | 'interrupted' | 'deadline' | 'not-selected';
  because?: string;
}

export interface CheckReport {
  name: string;
  type: string;
  status: CheckStatus;
  attempts: number;
  durationMs: number;
  message: string;
  observations: Observation[];
  details: Record<string, unknown>;
  /** Passed only after retries: shown, never hidden (JUnit property `flaky`). */
  flaky: boolean;
  /** What the check verifies, from the check type's describe(). */
  description: string;
  location?: SourceLocation;
  fix?: Fix;
  nextSteps?: string[];
  /** Facts the check observed, for root-cause rules (e.g. the port and groups of a missing rule). */
  facts?: Record<string, unknown>;
  /** The last attempt's warnings (configuration smells): never change `status`; absent when none. */
  warnings?: string[];
  /** Why a skipped check was skipped, as text ("needs "x", which failed", "interrupted"): JSON contract. */
  skipReason?: string;
  /** Why a skipped check was skipped, as data: what the root-cause analysis reads. */
  skip?: SkipInfo;
  /**
   * How the last attempt ended, for checks that ran: `fail` is a definitive observation (a STOPPED
   * task), `retry` means the check gave up waiting on a not-ready state. Unset for skipped checks.
   */
  lastOutcome?: AttemptOutcome;
  /**
   * Set when the check stopped retrying because a check that had failed definitively explains its
   * failure (a relation of the cause's type, evaluated on what both observed): the cause's name.
   * The check is `failed` with its last attempt's observations; unset otherwise.
   */
  consequenceOf?: string;
}

/** One failure nothing else explains, with what it explains. */
export interface CauseReport {
  check: string;
  reason: string;
  /** Failed checks this failure explains (they ran), in file order. */
  consequences: string[];
  /**
   * Checks skipped because they needed this failure or one of its consequences: they never ran, so
   * they are not claimed as failed. In file order; unset when there are none.
   */
  skipped?: string[];
  fix?: Fix;
}

export interface RootCause extends CauseReport {
  /** Why each direct consequence follows: "targets healthy: slow /health makes ALB health checks time out". */
  explanations?: string[];
  /** Failures this cause does not explain, each with its own consequences. */
  otherCauses?: CauseReport[];
  /**
   * True when several failures are unrelated (no relation and no needs link them): `check` is then
   * only the first of them, and reporters head them "Independent failures" instead of "Root cause".
   */
  independent?: boolean;
}

export interface RunReport {
  version: 1;
  scenario: string;
  file: string;
  status: 'passed' | 'failed';
  startedAt: string;
  durationMs: number;
  /**
   * Counts per status. Here `inconclusive` is present only when a check ended inconclusive (read
   * it as `?? 0`); the JSON reporter always writes `summary.inconclusive`, 0 when none was.
   */
  summary: { passed: number; failed: number; errored: number; skipped: number; inconclusive?: number };
  checks: CheckReport[];
  /** Set when the run was cut short: "SIGINT", "SIGTERM" or "timeout". */
  interrupted?: 'SIGINT' | 'SIGTERM' | 'timeout';
  /** The cause analysis over `failed` checks (errored and inconclusive ones are not evidence); absent when none failed. */
  rootCause?: RootCause;
}
