/**
 * One log scan in a fresh process (figure 4), so peak memory belongs to that scan alone.
 * argv[2] is JSON: { mode: 'check' | 'raw', logGroup, pattern, sinceMs, probe? }. The AWS endpoint
 * comes from the environment. Prints one JSON line with wall time, CPU, pages, events and memory.
 *
 * With `probe: true` (a separate, untimed run) a middleware on the logs client forces a full GC
 * after every FilterLogEvents page and records the live heap: what the scan really holds while it
 * runs, independent of when V8 chooses to collect (peak heap/RSS of the timed runs depend on that).
 *
 * - check: a one-check scenario (logs-absent) through runScenario, exactly as the CLI runs it.
 * - raw:   the minimal FilterLogEvents nextToken loop over the same window, counting events.
 * Run with --expose-gc: the baseline is taken after a full GC, with every module already loaded.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { checkTypes } from '../../checks/index.js';
import type { ClientFactory, ClientProvider, ClientSettings } from '../../checks/types.js';
import { ClientPool } from '../../runner/clients.js';
import { parseScenario } from '../../runner/load.js';
import { runScenario } from '../../runner/run.js';

interface Config {
  mode: 'check' | 'raw';
  logGroup: string;
  pattern: string;
  sinceMs: number;
  probe?: boolean;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const yaml = `name: bench-log-scan
checks:
  - name: no matches
    type: logs-absent
    logGroup: ${config.logGroup}
    pattern: ${JSON.stringify(config.pattern)}
    since: ${config.sinceMs}ms
    timeout: 240s
    retry: { attempts: 1 }
`;
const scenario = parseScenario(yaml, { checkTypes, displayName: 'log-scan.yaml', dir: process.cwd(), env: {} });
// Warm the logs check's lazy import so its module code is in the baseline, not in the scan.
await import('../../checks/support/logs.js');

gc();
gc();
const base = process.memoryUsage();
let peakHeap = base.heapUsed;
let peakRss = base.rss;
const sample = () => {
  const now = process.memoryUsage();
  if (now.heapUsed > peakHeap) peakHeap = now.heapUsed;
  if (now.rss > peakRss) peakRss = now.rss;
};
const sampler = setInterval(sample, 2);

/** Post-GC live heap after each page (probe runs only). */
const livePerPage: number[] = [];
const instrumented = new WeakSet<object>();
function instrument(client: CloudWatchLogsClient): CloudWatchLogsClient {
  if (!config.probe || instrumented.has(client)) return client;
  instrumented.add(client);
  client.middlewareStack.add(
    (next) => async (args) => {
      const output = await next(args);
      gc();
      livePerPage.push(process.memoryUsage().heapUsed - base.heapUsed);
      return output;
    },
    { step: 'initialize', name: 'benchLiveHeapProbe' },
  );
  return client;
}
/** The runner's own ClientPool, with the probe added to the logs client it creates. */
const pool = new ClientPool();
const clients: ClientProvider = {
  async get<T>(factory: ClientFactory<T>, overrides?: ClientSettings): Promise<T> {
    const client = await pool.get(factory, overrides);
    return (factory.id === 'logs' ? instrument(client as unknown as CloudWatchLogsClient) : client) as T;
  },
};

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let events = 0;
let pages = 0;
let status = 'ok';
if (config.mode === 'raw') {
  const client = instrument(new CloudWatchLogsClient({}));
  const endTime = Date.now();
  const startTime = endTime - config.sinceMs;
  let nextToken: string | undefined;
  do {
    const page = await client.send(new FilterLogEventsCommand({ logGroupName: config.logGroup, filterPattern: config.pattern, startTime, endTime, nextToken }));
    pages += 1;
    events += page.events?.length ?? 0;
    sample();
    nextToken = page.nextToken;
  } while (nextToken);
  client.destroy();
} else {
  const report = await runScenario(scenario, { clients });
  await pool.destroy();
  const check = report.checks[0]!;
  const details = check.details as { matches?: number; pages?: number; cut?: string };
  events = details.matches ?? 0;
  pages = details.pages ?? 0;
  status = `${check.status}${details.cut ? ` (cut: ${details.cut})` : ''}`;
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
sample();
gc();
const after = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    mode: config.mode,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    pages,
    events,
    status,
    heapBase: base.heapUsed,
    heapPeak: peakHeap,
    heapRetained: after.heapUsed - base.heapUsed,
    rssBase: base.rss,
    rssPeak: Math.max(peakRss, process.resourceUsage().maxRSS * 1024),
    ...(config.probe ? { livePeak: Math.max(0, ...livePerPage), livePerPage } : {}),
  })}\n`,
);
