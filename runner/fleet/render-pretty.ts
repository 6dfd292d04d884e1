/**
 * The fleet for people: one line per service (verdict, checks passed, time, why it did not pass),
 * then each service that did not pass as the single-run pretty report shows it, then the fleet's
 * verdict line.
 */
import { formatDuration } from '../duration.js';
import { render, type ReporterOptions, type ReporterOutput } from '../reporters/index.js';
import { createPaint, displayWidth, oneLine, truncate, type Paint } from '../reporters/text.js';
import type { FleetReport, FleetServiceResult } from './types.js';
import { checksPassed, fleetVerdictLine, serviceMessage, VERDICT_LOOK } from './wording.js';

const DEFAULT_WIDTH = 100;
const GAP = '  ';

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

function serviceTable(fleet: FleetReport, width: number, paint: Paint): string[] {
  const rows = fleet.services.map((r) => [`${VERDICT_LOOK[r.verdict].symbol} ${r.verdict}`, oneLine(r.service), checksPassed(r), r.report ? formatDuration(r.durationMs) : '', serviceMessage(r)]);
  const header = ['  verdict', 'service', 'checks', 'time', 'message'];
  const all = [header, ...rows];
  const widths = [0, 1, 2, 3].map((column) => Math.min(Math.max(...all.map((row) => displayWidth(row[column]!))), column === 1 ? Math.floor(width * 0.4) : Infinity));
  const messageWidth = Math.max(16, width - widths.reduce((sum, w) => sum + w + GAP.length, 0));
  return all.map((row, index) => {
    const cells = row.map((cell, column) => (column === 4 ? truncate(cell, messageWidth) : pad(truncate(cell, widths[column]!), widths[column]!)));
    const line = cells.join(GAP).trimEnd();
    if (index === 0) return paint('dim', line);
    return `${paint(VERDICT_LOOK[fleet.services[index - 1]!.verdict].style, cells[0]!)}${GAP}${cells.slice(1).join(GAP)}`.trimEnd();
  });
}

function serviceDetail(result: FleetServiceResult, options: ReporterOptions, paint: Paint): string[] {
  if (result.verdict === 'passed' || !result.report) return [];
  const heading = paint('bold', `── ${oneLine(result.service)} (${result.verdict}) ──`);
  return ['', heading, render('pretty', result.report, options).text.trimEnd()];
}

export function renderFleetPretty(fleet: FleetReport, options: ReporterOptions): ReporterOutput {
  const paint = createPaint(options.color);
  const width = options.width ?? DEFAULT_WIDTH;
  const lines = [
    ...serviceTable(fleet, width, paint),
    ...fleet.services.flatMap((result) => serviceDetail(result, options, paint)),
    '',
    paint('bold', paint(fleet.status === 'passed' ? 'green' : 'red', fleetVerdictLine(fleet))),
  ];
  return { text: `${lines.join('\n')}\n` };
}
