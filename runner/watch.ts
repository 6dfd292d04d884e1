/**
 * Runbook mode: run, then re-run only what is not passing until everything passes or the deadline
 * expires — the incident's "wait for health checks to pass" step, without retyping commands.
 * A check that passed is carried, with its report from the round it passed in, and is NOT re-run:
 * if it breaks later the watch does not notice (run again, or watch with `--only`, to re-check it).
 * The reports' `durationMs` is the whole watch's wall time, from the first round to the last.
 */
import { checkTypesOf, finalizeReport, withInconclusivePolicy, type InconclusivePolicy } from './finalize.js';
import type { RunReport } from './result.js';
import { runScenario, type RunOptions } from './run.js';
import type { Scenario } from './scenario.js';
import { interruptedField, stopFromReason } from './stop.js';

export interface WatchOptions extends RunOptions {
  /** Pause between rounds, ms. */
  intervalMs: number;
  /** When to give up, ms from the start. */
  deadlineMs: number;
  /**
   * `pass`: an inconclusive check counts as done (it is not re-run and does not fail the merged
   * report). Default `fail`: it is re-run like a failed one, since its data may still arrive.
   */
  inconclusive?: InconclusivePolicy;
  /** After each round, with the merged report and the wait before the next round (none after the last). */
  onRound?(round: number, report: RunReport, nextInMs?: number): void;
}

/** The earlier report with the re-run checks replaced by their new results, finalized again. */
export function mergeReports(previous: RunReport, next: RunReport, rerun: ReadonlySet<string>, scenario: Scenario, inconclusive?: InconclusivePolicy): RunReport {
  const checks = previous.checks.map((old) => (rerun.has(old.name) ? next.checks.find((c) => c.name === old.name) ?? old : old));
  return finalizeReport({
    scenario,
    checkTypes: checkTypesOf(scenario),
    startedAt: previous.startedAt,
    durationMs: previous.durationMs + next.durationMs,
    checks,
    interrupted: next.interrupted,
    inconclusive,
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Runs the scenario in rounds (see the module comment); resolves with the last merged report. */
export async function watchScenario(scenario: Scenario, options: WatchOptions): Promise<RunReport> {
  const started = Date.now();
  const remaining = () => options.deadlineMs - (Date.now() - started);
  const first = await runScenario(scenario, { ...options, timeoutMs: Math.max(1, Math.min(options.timeoutMs ?? Infinity, remaining())) });
  // The whole watch's duration, pauses included, not the sum (or the last) of the rounds'.
  const whole = (r: RunReport): RunReport => ({ ...r, durationMs: Math.round(Date.now() - started) });
  let report = whole(withInconclusivePolicy(first, options.inconclusive ?? 'fail'));
  const selected = new Set(options.only ?? scenario.checks.map((c) => c.name));
  for (let round = 1; ; round++) {
    const done = (status: string) => status === 'passed' || (status === 'inconclusive' && options.inconclusive === 'pass');
    const pending = report.checks.filter((c) => selected.has(c.name) && !done(c.status)).map((c) => c.name);
    const finished = pending.length === 0 || report.interrupted === 'SIGINT' || report.interrupted === 'SIGTERM' || options.signal?.aborted;
    const wait = Math.min(options.intervalMs, remaining());
    if (finished || remaining() - wait < 1000) {
      options.onRound?.(round, report);
      return report;
    }
    options.onRound?.(round, report, wait);
    await sleep(wait, options.signal);
    if (options.signal?.aborted) {
      return whole({ ...report, interrupted: interruptedField(stopFromReason(options.signal.reason)) ?? 'SIGINT', status: 'failed' });
    }
    const next = await runScenario(scenario, { ...options, only: pending, timeoutMs: Math.max(1, remaining()) });
    report = whole(mergeReports(report, next, new Set(pending), scenario, options.inconclusive));
  }
}
