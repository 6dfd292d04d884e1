/** The run result every reporter renders: JSON report version 1 plus extensions. */
import type { Fix, Observation } from '../checks/types.js';

export type CheckStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
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
  /** Why a skipped check was skipped ("needs: x failed", "interrupted", "fail-fast"). */
  skipReason?: string;
}

export interface RootCause {
  check: string;
  reason: string;
  consequences: string[];
  /** Why each direct consequence follows: "targets healthy: slow /health makes ALB health checks time out". */
  explanations?: string[];
  fix?: Fix;
  /** Failures this cause does not explain, each with its own consequences. */
  otherCauses?: Omit<RootCause, 'otherCauses' | 'explanations'>[];
}

export interface RunReport {
  version: 1;
  scenario: string;
  file: string;
  status: 'passed' | 'failed';
  startedAt: string;
  durationMs: number;
  summary: { passed: number; failed: number; errored: number; skipped: number };
  checks: CheckReport[];
  /** Set when the run was cut short: "SIGINT", "SIGTERM" or "timeout". */
  interrupted?: 'SIGINT' | 'SIGTERM' | 'timeout';
  rootCause?: RootCause;
}
