/**
 * Figure 4: log scan throughput and memory. Two log groups in moto hold 10,000 and 100,000 events
 * (PutLogEvents in batches of 10,000, the API's per-call maximum; ~70 bytes an event keeps a batch
 * under the 1 MiB limit). Every event contains the word `request`, so the pattern `request` is the
 * worst case for logs-absent (every event matches: it counts them all, 10,000 a page) and
 * `"Redis connection failed"` is the usual case (nothing matches: one empty page).
 *
 * Each scan runs in a fresh child (log-scan-child.js) for clean peak memory; the check and the raw
 * SDK pagination loop alternate, REPEATS times each. The AWS CLI (`aws logs filter-log-events`)
 * runs once on the worst case at 100k when installed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { REGION } from './aws-fixture.js';
import { childEnv, runChild } from './children.js';
import { awsEnv, type BenchContext } from './context.js';
import { median } from './stats.js';

const REPEATS = 3;
const BATCH = 10_000;
const SINCE_MS = 10 * 60_000;
export const SIZES = [10_000, 100_000] as const;
export const WORST_PATTERN = 'request';
export const USUAL_PATTERN = '"Redis connection failed"';

export interface ScanSample {
  mode: 'check' | 'raw';
  wallMs: number;
  cpuMs: number;
  pages: number;
  events: number;
  status: string;
  heapBase: number;
  heapPeak: number;
  heapRetained: number;
  rssBase: number;
  rssPeak: number;
  /** Probe runs: the largest post-GC live heap after a page, over the baseline. */
  livePeak?: number;
  livePerPage?: number[];
}

export interface ScanSeries {
  size: number;
  pattern: string;
  check: ScanSample[];
  raw: ScanSample[];
  /** Untimed runs with a forced GC after every page (worst-case series only). */
  probe?: { check: ScanSample; raw: ScanSample };
}

export interface LogScanResult {
  putMs: Record<number, number>;
  series: ScanSeries[];
  awsCli?: { size: number; wallMs: number; events: number; ok: boolean; note?: string };
  awsCliSkipped?: string;
}

const groupFor = (size: number) => `/bench/scan-${size / 1000}k`;

/** Creates `group` with one stream and puts `size` events 1 ms apart, ending a second ago (every event holds `request`). */
export async function putEvents(logs: CloudWatchLogsClient, group: string, size: number): Promise<void> {
  const sdk = await import('@aws-sdk/client-cloudwatch-logs');
  await logs.send(new sdk.CreateLogGroupCommand({ logGroupName: group }));
  await logs.send(new sdk.CreateLogStreamCommand({ logGroupName: group, logStreamName: 'ecs/api/scan' }));
  // 1 ms apart, ending a second ago: all inside the 10-minute window the scans use.
  const first = Date.now() - size - 1000;
  for (let start = 0; start < size; start += BATCH) {
    const logEvents = Array.from({ length: Math.min(BATCH, size - start) }, (_, i) => {
      const n = start + i;
      return { timestamp: first + n, message: `INFO request ${n} GET /api/v1/models/21 200 ${n % 97}ms` };
    });
    await logs.send(new sdk.PutLogEventsCommand({ logGroupName: group, logStreamName: 'ecs/api/scan', logEvents }));
  }
}

async function scan(ctx: BenchContext, mode: 'check' | 'raw', size: number, pattern: string, probe = false): Promise<ScanSample> {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'log-scan-child.js');
  const config = JSON.stringify({ mode, logGroup: groupFor(size), pattern, sinceMs: SINCE_MS, probe });
  const result = await runChild(process.execPath, ['--expose-gc', child, config], { env: childEnv(awsEnv(ctx.moto.endpoint)), killAfterMs: 240_000 });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.code !== 0 || !line.startsWith('{')) throw new Error(`log scan child (${mode}, ${size}) failed: exit ${result.code}: ${result.stderr.slice(-500)}`);
  return JSON.parse(line) as ScanSample;
}

export async function measureLogScan(ctx: BenchContext): Promise<LogScanResult> {
  const putMs: Record<number, number> = {};
  for (const size of SIZES) {
    const started = performance.now();
    await putEvents(ctx.aws.logs, groupFor(size), size);
    putMs[size] = performance.now() - started;
    ctx.log(`  put ${size.toLocaleString('en-US')} events in ${(putMs[size] / 1000).toFixed(1)} s`);
  }

  const series: ScanSeries[] = [];
  const plan: [number, string][] = [
    [10_000, WORST_PATTERN],
    [100_000, WORST_PATTERN],
    [100_000, USUAL_PATTERN],
  ];
  for (const [size, pattern] of plan) {
    const entry: ScanSeries = { size, pattern, check: [], raw: [] };
    for (let i = 0; i < REPEATS; i++) {
      // Alternate which goes first, so neither always gets the warmer emulator.
      const order: ('check' | 'raw')[] = i % 2 === 0 ? ['check', 'raw'] : ['raw', 'check'];
      for (const mode of order) entry[mode].push(await scan(ctx, mode, size, pattern));
    }
    if (pattern === WORST_PATTERN) entry.probe = { check: await scan(ctx, 'check', size, pattern, true), raw: await scan(ctx, 'raw', size, pattern, true) };
    ctx.log(
      `  ${size.toLocaleString('en-US')} events, pattern ${pattern}: check ${(median(entry.check.map((s) => s.wallMs)) / 1000).toFixed(2)} s, raw ${(median(entry.raw.map((s) => s.wallMs)) / 1000).toFixed(2)} s`,
    );
    series.push(entry);
  }

  const result: LogScanResult = { putMs, series };
  if (ctx.awsCli) {
    const size = 100_000;
    const endTime = Date.now();
    const cli = await runChild(
      'aws',
      [
        'logs', 'filter-log-events', '--log-group-name', groupFor(size), '--filter-pattern', WORST_PATTERN,
        '--start-time', String(endTime - SINCE_MS), '--end-time', String(endTime),
        '--query', 'length(events)', '--output', 'text', '--endpoint-url', ctx.moto.endpoint, '--region', REGION,
      ],
      { env: childEnv(awsEnv(ctx.moto.endpoint)), killAfterMs: 180_000 },
    );
    result.awsCli = {
      size,
      wallMs: cli.wallMs,
      // With --output text the CLI prints the query's result once per page: add them up.
      events: cli.stdout.split(/\s+/).filter(Boolean).map(Number).reduce((a, b) => a + b, 0),
      ok: cli.code === 0,
      ...(cli.code === 0 ? {} : { note: cli.timedOut ? 'killed after 180 s' : cli.stderr.slice(-200) }),
    };
    ctx.log(`  aws logs filter-log-events (100k): ${(cli.wallMs / 1000).toFixed(2)} s, ${result.awsCli.events} events`);
  } else {
    result.awsCliSkipped = 'the AWS CLI is not installed';
  }
  return result;
}
