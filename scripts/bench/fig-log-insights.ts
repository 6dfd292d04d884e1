/**
 * Figure: the Logs Insights engine vs FilterLogEvents (issue #11 §4). One log group in moto holds
 * 100,000 events (fig-log-scan's putEvents: 1 ms apart, every one holding `request`). logs-absent
 * and logs-present search the same 10-minute window with the same pattern, `engine: insights` vs
 * `engine: filter`, in the worst case (`request`: every event matches) and the usual case
 * (`"Redis connection failed"`: none does). Each run is runScenario in-process through its own
 * counting proxy, which counts the API calls per action and the bytes over the wire (request and
 * response: line, headers and body). REPEATS runs of each, the two engines alternating.
 *
 * The emulator's Logs Insights (`filter`, `stats count(*)`) is this project's moto extension
 * (scripts/moto/ext_logs.py), not CloudWatch's engine; it answers synchronously, so the queries are
 * Complete at their first GetQueryResults. The counts are checked: Insights must count 100,000.
 */
import { checkTypes } from '../../checks/index.js';
import { parseScenario } from '../../runner/load.js';
import { runScenario } from '../../runner/run.js';
import { withAwsEndpoint, type BenchContext } from './context.js';
import { startCountingProxy, trafficByAction, type ActionTraffic } from './counting-proxy.js';
import { putEvents, USUAL_PATTERN, WORST_PATTERN } from './fig-log-scan.js';
import { count, median, min, max, ratio } from './stats.js';

const SIZE = 100_000;
const REPEATS = 3;
const LOG_GROUP = '/bench/insights-100k';
const SINCE = '10m';

export type Engine = 'insights' | 'filter';
export const ENGINES: readonly Engine[] = ['insights', 'filter'];

export interface InsightsCase {
  check: 'logs-absent' | 'logs-present';
  pattern: string;
  /** Events in the window that match the pattern. */
  matching: number;
  /** The status the check must end with. */
  expectedStatus: 'passed' | 'failed';
}

export const INSIGHTS_CASES: readonly InsightsCase[] = [
  { check: 'logs-absent', pattern: WORST_PATTERN, matching: SIZE, expectedStatus: 'failed' },
  { check: 'logs-absent', pattern: USUAL_PATTERN, matching: 0, expectedStatus: 'passed' },
  { check: 'logs-present', pattern: WORST_PATTERN, matching: SIZE, expectedStatus: 'passed' },
  { check: 'logs-present', pattern: USUAL_PATTERN, matching: 0, expectedStatus: 'failed' },
];

export interface InsightsSample {
  wallMs: number;
  status: string;
  /** The report's `details.matches`. */
  matches: number;
  recordsScanned?: number;
  /** Which engine the report says answered. */
  engine?: string;
  traffic: Record<string, ActionTraffic>;
}

export interface InsightsSeries extends InsightsCase {
  engine: Engine;
  samples: InsightsSample[];
}

export interface LogInsightsResult {
  size: number;
  putMs: number;
  series: InsightsSeries[];
}

function scenarioText(c: InsightsCase, engine: Engine): string {
  return [
    `name: bench-insights-${engine}`,
    'checks:',
    '  - name: scan',
    `    type: ${c.check}`,
    `    logGroup: ${LOG_GROUP}`,
    `    pattern: ${JSON.stringify(c.pattern)}`,
    `    since: ${SINCE}`,
    `    engine: ${engine}`,
    '    timeout: 60s',
    '    retry: { attempts: 1 }',
    '',
  ].join('\n');
}

async function runOnce(ctx: BenchContext, c: InsightsCase, engine: Engine): Promise<InsightsSample> {
  const proxy = await startCountingProxy(ctx.moto.endpoint);
  try {
    return await withAwsEndpoint(proxy.endpoint, async () => {
      const scenario = parseScenario(scenarioText(c, engine), { checkTypes, env: {}, displayName: 'insights.yaml', dir: ctx.tmp });
      const started = performance.now();
      const report = await runScenario(scenario);
      const wallMs = performance.now() - started;
      const check = report.checks[0]!;
      const details = (check.details ?? {}) as { matches?: number; recordsScanned?: number; engine?: string };
      return {
        wallMs,
        status: check.status,
        matches: details.matches ?? -1,
        ...(details.recordsScanned !== undefined ? { recordsScanned: details.recordsScanned } : {}),
        ...(details.engine ? { engine: details.engine } : {}),
        traffic: trafficByAction(proxy.calls),
      };
    });
  } finally {
    await proxy.stop();
  }
}

/**
 * Whether a series counted right: the status expected, the engine asked for, and the count exact
 * — except logs-present on FilterLogEvents, which stops at its first matching page by design
 * (it needs one match, not all), so there it must be at least 1.
 */
export function seriesVerified(series: InsightsSeries, size = SIZE): boolean {
  return series.samples.length > 0 && series.samples.every((x) => {
    const countOk = series.engine === 'filter' && series.check === 'logs-present' && series.matching > 0 ? x.matches >= 1 : x.matches === series.matching;
    const scannedOk = series.engine === 'filter' || x.recordsScanned === size;
    return x.status === series.expectedStatus && x.engine === series.engine && countOk && scannedOk;
  });
}

export async function measureLogInsights(ctx: BenchContext): Promise<LogInsightsResult> {
  const put = performance.now();
  await putEvents(ctx.aws.logs, LOG_GROUP, SIZE);
  const putMs = performance.now() - put;
  ctx.log(`  put ${count(SIZE)} events in ${(putMs / 1000).toFixed(1)} s`);
  const series: InsightsSeries[] = [];
  for (const c of INSIGHTS_CASES) {
    const pair = ENGINES.map((engine): InsightsSeries => ({ ...c, engine, samples: [] }));
    for (let i = 0; i < REPEATS; i++) {
      // Alternate which engine goes first, so neither always meets the warmer emulator.
      const order = i % 2 === 0 ? pair : [...pair].reverse();
      for (const entry of order) entry.samples.push(await runOnce(ctx, c, entry.engine));
    }
    for (const entry of pair) {
      ctx.log(`  ${c.check} ${c.pattern} ${entry.engine}: ${(median(entry.samples.map((x) => x.wallMs)) / 1000).toFixed(2)} s, matches ${entry.samples[0]?.matches}, verified ${seriesVerified(entry)}`);
    }
    series.push(...pair);
  }
  return { size: SIZE, putMs, series };
}

/** Per action, the median over the samples of its calls and bytes. */
export function medianTraffic(samples: readonly InsightsSample[]): Record<string, ActionTraffic> {
  const actions = [...new Set(samples.flatMap((x) => Object.keys(x.traffic)))].sort();
  const pick = (action: string, key: keyof ActionTraffic) => median(samples.map((x) => x.traffic[action]?.[key] ?? 0));
  return Object.fromEntries(actions.map((a) => [a, { calls: pick(a, 'calls'), requestBytes: pick(a, 'requestBytes'), responseBytes: pick(a, 'responseBytes') }]));
}

/** `12.3 KiB` / `1.2 MiB` / `812 B`. */
export function bytes(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 1024 * 1024) return `${(value / (1024 * 1024)).toFixed(1)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${Math.round(value)} B`;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const totalOf = (t: Record<string, ActionTraffic>, key: keyof ActionTraffic) => Object.values(t).reduce((sum, x) => sum + x[key], 0);
const sampleBytes = (x: InsightsSample) => totalOf(x.traffic, 'requestBytes') + totalOf(x.traffic, 'responseBytes');

/** The figure's section of BENCHMARKS.md. */
export function renderLogInsights(r: LogInsightsResult): string {
  const rows = r.series.map((x) => {
    const traffic = medianTraffic(x.samples);
    const calls = Object.entries(traffic).map(([action, t]) => `${action} ${Number.isInteger(t.calls) ? t.calls : t.calls.toFixed(1)}`).join(', ') || 'none';
    const walls = x.samples.map((y) => y.wallMs);
    const scanned = x.samples[0]?.recordsScanned;
    return [
      x.check,
      `\`${x.pattern}\` (${count(x.matching)} match)`,
      x.engine,
      [...new Set(x.samples.map((y) => y.status))].join(', '),
      `${[...new Set(x.samples.map((y) => count(y.matches)))].join(', ')}${scanned !== undefined ? ` (${count(scanned)} scanned)` : ''}`,
      `${count(median(x.samples.map((y) => totalOf(y.traffic, 'calls'))))}: ${calls}`,
      `**${s(median(walls))}** (${s(min(walls))}–${s(max(walls))})`,
      `${bytes(median(x.samples.map((y) => totalOf(y.traffic, 'requestBytes'))))} / ${bytes(median(x.samples.map((y) => totalOf(y.traffic, 'responseBytes'))))}`,
      seriesVerified(x, r.size) ? '✅' : '❌',
    ];
  });
  const ratios = INSIGHTS_CASES.map((c) => {
    const [ins, fil] = ENGINES.map((engine) => r.series.find((x) => x.engine === engine && x.check === c.check && x.pattern === c.pattern));
    if (!ins || !fil) return undefined;
    const wall = median(fil.samples.map((y) => y.wallMs)) / median(ins.samples.map((y) => y.wallMs));
    const wire = median(fil.samples.map(sampleBytes)) / median(ins.samples.map(sampleBytes));
    const times = (v: number) => (v >= 100 ? `${count(v)}×` : ratio(v, 2));
    return `${c.check} \`${c.pattern}\`: FilterLogEvents ÷ Insights — wall time ${times(wall)}, bytes ${times(wire)}`;
  }).filter(Boolean);
  return [
    '## 11. Logs Insights vs FilterLogEvents',
    '',
    `${count(r.size)} events in one log group (put in ${s(r.putMs)}), the same \`since: ${SINCE}\` window and pattern for both engines; runScenario in-process, one counting proxy per run; median of ${r.series[0]?.samples.length ?? 0} runs, the engines alternating. ` +
      'Bytes: request / response as they crossed the proxy (start line, headers and body). ' +
      'The emulator\'s Insights engine is this project\'s moto extension (scripts/moto/ext_logs.py), not CloudWatch: it runs each query synchronously in Python, so its times say nothing about CloudWatch Insights latency (seconds in AWS); the calls and bytes are what the check sends and receives.',
    '',
    '| check | pattern | engine | status | matches counted | API calls (median): by action | wall (median, min–max) | bytes sent / received | counts right |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    ratios.map((line) => `- ${line}`).join('\n'),
    '',
    'logs-present on FilterLogEvents stops at its first page with a match (it needs one, not all), so it counts the first page\'s matches, not all of them; every other row must count exactly (Insights: 100,000 scanned, 100,000 or 0 matched). ' +
      'Insights always costs 4 calls here (a count and an evidence query, each Complete at its first poll in the emulator; in AWS a query polls for seconds, each poll a GetQueryResults call) and moves a few KiB whatever matches; FilterLogEvents moves every matching event over the wire, page by page.',
  ].join('\n');
}
