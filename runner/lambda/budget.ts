/** How long a scenario may take as a whole: the budget a hook spreads over its invocations. */
import { retryDelay } from '../retry.js';
import type { PlannedCheck, Scenario } from '../scenario.js';

/**
 * Worst-case time of one check, ms: its `retry.within` deadline when it has one, else every
 * attempt at its full timeout plus the waits between attempts (as the runner computes them).
 */
export function checkBudgetMs(check: PlannedCheck): number {
  if (check.retry.withinMs !== undefined) return check.retry.withinMs;
  const attempts = check.retry.attempts ?? 1;
  let total = attempts * check.timeoutMs;
  for (let retry = 0; retry < attempts - 1; retry++) total += retryDelay(check.retry, retry);
  return total;
}

/**
 * The scenario's budget, ms: the sum of its checks' budgets. Scenarios have no run-timeout key, and
 * the runner runs one check at a time by default, so the sum is the longest a run can take; a
 * gate given that long from its first invocation has seen every retry the scenario asks for.
 */
export function scenarioBudgetMs(scenario: Pick<Scenario, 'checks'>): number {
  return scenario.checks.reduce((sum, check) => sum + checkBudgetMs(check), 0);
}
