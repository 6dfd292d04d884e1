/** How every fleet output says a service's verdict and the fleet's: the same words and symbols everywhere. */
import { formatDuration } from '../duration.js';
import type { CheckReport } from '../result.js';
import { oneLine } from '../reporters/text.js';
import type { FleetReport, FleetServiceResult, FleetVerdict } from './types.js';

export const VERDICT_LOOK: { readonly [K in FleetVerdict]: { symbol: string; emoji: string; style: 'green' | 'red' | 'yellow' } } = {
  passed: { symbol: '✓', emoji: '✅', style: 'green' },
  failed: { symbol: '✗', emoji: '❌', style: 'red' },
  errored: { symbol: '!', emoji: '⛔', style: 'red' },
  inconclusive: { symbol: '?', emoji: '❔', style: 'yellow' },
};

const isFailing = (check: CheckReport) => check.status !== 'passed' && check.status !== 'skipped';

/** `4/5` checks passed, or '' when nothing ran. */
export function checksPassed(result: FleetServiceResult): string {
  const checks = result.report?.checks;
  return checks ? `${checks.filter((c) => c.status === 'passed').length}/${checks.length}` : '';
}

/** One line on why a service did not pass: its root cause, else its first failing check, else its error. '' for a pass. */
export function serviceMessage(result: FleetServiceResult): string {
  if (result.error) return oneLine(result.error);
  const report = result.report;
  if (!report || result.verdict === 'passed') {
    const flaky = report?.checks.filter((c) => c.flaky).length ?? 0;
    return flaky ? `${flaky} flaky check${flaky === 1 ? '' : 's'}` : '';
  }
  if (report.rootCause) return oneLine(`root cause: ${report.rootCause.check}: ${report.rootCause.reason}`);
  const first = report.checks.find(isFailing) ?? report.checks.find((c) => c.status !== 'passed');
  if (first) return oneLine(`${first.name}: ${first.message}`);
  return report.interrupted ? `interrupted (${report.interrupted})` : '';
}

/** `✗ FAILED fleet shop: 48 passed, 1 failed, 1 errored, 0 inconclusive of 50 services in 21.3s` */
export function fleetVerdictLine(fleet: FleetReport): string {
  const { services, passed, failed, errored, inconclusive } = fleet.totals;
  const symbol = fleet.status === 'passed' ? '✓ PASSED' : '✗ FAILED';
  const name = fleet.cluster !== undefined ? `fleet ${oneLine(fleet.cluster)}` : 'fleet';
  const counts = `${passed} passed, ${failed} failed, ${errored} errored, ${inconclusive} inconclusive of ${services} service${services === 1 ? '' : 's'}`;
  return `${symbol} ${name}: ${counts} in ${formatDuration(fleet.durationMs)}`;
}
