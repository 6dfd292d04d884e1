/** What `--watch` shows between rounds: a redrawn table on a terminal, one line per round in CI. */
import { formatDuration, render, type RunReport } from '../../runner/index.js';

/** The `onRound` listener of watchScenario, writing to `options.stream`. */
export function watchDisplay(options: { stream: NodeJS.WritableStream; tty: boolean; color: boolean }) {
  return (round: number, report: RunReport, nextInMs?: number): void => {
    const failing = report.checks.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => c.name);
    const status = failing.length === 0 ? 'all passing' : `${failing.length} not passing: ${failing.join(', ')}`;
    const next = nextInMs === undefined ? 'done' : `next round in ${formatDuration(nextInMs)}`;
    if (options.tty) {
      const table = render('pretty', report, { color: options.color, width: 100 }).text.split('\n\n')[0] ?? '';
      options.stream.write(`\x1b[2J\x1b[H--watch round ${round}: ${status}; ${next}\n\n${table}\n`);
    } else {
      options.stream.write(`--watch round ${round}: ${status}; ${next}\n`);
    }
  };
}
