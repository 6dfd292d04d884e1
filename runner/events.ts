/** What the runner tells a progress display while it works (stderr only; never the report). */
import type { AttemptOutcome } from '../checks/types.js';
import type { CheckReport, RunReport } from './result.js';

export type RunEvent =
  | { kind: 'run-start'; scenario: string; checks: { name: string; type: string }[] }
  | { kind: 'check-start'; name: string; type: string }
  | { kind: 'attempt-start'; name: string; attempt: number; maxAttempts?: number }
  | {
      kind: 'attempt-end';
      name: string;
      attempt: number;
      maxAttempts?: number;
      outcome: AttemptOutcome;
      message: string;
      /** Set when another attempt follows: the wait before it. */
      nextDelayMs?: number;
    }
  | { kind: 'check-end'; report: CheckReport }
  | { kind: 'log'; name: string; message: string }
  | { kind: 'run-end'; report: RunReport };

export type RunEventListener = (event: RunEvent) => void;
