/** What `--watch` shows between rounds: a redrawn table on a terminal, one line per round in CI. */
import { formatDuration, oneLine, render, type RunReport } from '../../runner/index.js';

/**
 * The `onRound` listener of watchScenario, writing to `options.stream`. Check names are shown
 * through oneLine (neutralized); the table is the pretty reporter's, fitted to the stream's width
 * (`columns`, else the stream's own; none or 0: lines are not cut).
 */
export function watchDisplay(options: { stream: NodeJS.WritableStream; tty: boolean; color: boolean; columns?: number }) {
  return (round: number, report: RunReport, nextInMs?: number): void => {
    const failing = report.checks.filter((c) => c.status === 'failed' || c.status === 'error' || c.status === 'inconclusive').map((c) => oneLine(c.name));
    const status = failing.length === 0 ? 'all passing' : `${failing.length} not passing: ${failing.join(', ')}`;
    const next = nextInMs === undefined ? 'done' : `next round in ${formatDuration(nextInMs)}`;
    if (options.tty) {
      const width = options.columns ?? (options.stream as { columns?: number }).columns;
      const table = render('pretty', report, { color: options.color, width }).text.split('\n\n')[0] ?? '';
      options.stream.write(`\x1b[2J\x1b[H--watch round ${round}: ${status}; ${next}\n\n${table}\n`);
    } else {
      options.stream.write(`--watch round ${round}: ${status}; ${next}\n`);
    }
  };
}
