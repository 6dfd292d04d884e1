/** What `--watch` shows between rounds: a table redrawn in place on a terminal, one line per round in CI. */
import { formatDuration, oneLine, render, type RunReport } from '../../runner/index.js';

/** Moves the cursor up `lines` lines to their start and erases from there down (no scrollback left). */
function eraseAbove(lines: number): string {
  return lines > 0 ? `\x1b[${lines}F\x1b[J` : '';
}

/**
 * The `onRound` listener of watchScenario, writing to `options.stream`. Check names are shown
 * through oneLine (neutralized); the table is the pretty reporter's, fitted to the stream's width
 * (`columns`, else the stream's own; none or 0: lines are not cut).
 * - Without a terminal: one line per round. The last says "done", or "gave up" when checks are still
 *   failing and the watch's --timeout leaves no time for another round.
 * - On a terminal: the round's line and table replace the previous round's in place (the cursor
 *   moves back over them; the screen is not cleared, so no copy goes to the scrollback). The last
 *   round shows its line only: the final table is the report's, written once after it.
 * Nothing else may write to the stream between two rounds (the progress display is quiet then).
 */
export function watchDisplay(options: { stream: NodeJS.WritableStream; tty: boolean; color: boolean; columns?: number }) {
  let shown = 0;
  return (round: number, report: RunReport, nextInMs?: number): void => {
    const failing = report.checks.filter((c) => c.status === 'failed' || c.status === 'error' || c.status === 'inconclusive').map((c) => oneLine(c.name));
    const status = failing.length === 0 ? 'all passing' : `${failing.length} not passing: ${failing.join(', ')}`;
    const gaveUp = nextInMs === undefined && failing.length > 0 && !report.interrupted;
    const next =
      nextInMs !== undefined
        ? `next round in ${formatDuration(nextInMs)}`
        : gaveUp
          ? `gave up after ${formatDuration(report.durationMs)}: --timeout leaves no time for another round`
          : `done after ${formatDuration(report.durationMs)}`;
    const line = `--watch round ${round}: ${status}; ${next}\n`;
    if (!options.tty) {
      options.stream.write(line);
      return;
    }
    const erase = eraseAbove(shown);
    if (nextInMs === undefined) {
      shown = 0;
      options.stream.write(`${erase}${line}`);
      return;
    }
    const width = options.columns ?? (options.stream as { columns?: number }).columns;
    const table = render('pretty', report, { color: options.color, width }).text.split('\n\n')[0] ?? '';
    const block = `${line}\n${table}\n`;
    shown = block.split('\n').length - 1;
    options.stream.write(`${erase}${block}`);
  };
}
