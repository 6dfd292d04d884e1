/**
 * Figure: one budget for the AWS APIs. A scenario of 20 logs-absent checks on the fixture's log
 * group, all at once (concurrency 20), runs in-process through a counting proxy in front of moto;
 * the FilterLogEvents calls that reach the proxy are counted per second (the most in any one-second
 * window, and the mean rate). Three runs: the default budget (5/s, the documented quota), an
 * `aws: { rateLimits: { FilterLogEvents: 10 } }` override, and a budget too large to matter (what
 * the checks would do without one).
 */
import { checkTypes } from '../../checks/index.js';
import { DEFAULT_RATE_LIMITS } from '../../checks/support/rate-limit.js';
import { parseScenario } from '../../runner/load.js';
import { runScenario } from '../../runner/run.js';
import { LOG_GROUP } from './aws-fixture.js';
import { withAwsEndpoint, type BenchContext } from './context.js';
import { startCountingProxy } from './counting-proxy.js';

const CHECKS = 20;

export interface RateLimitCase {
  /** The FilterLogEvents budget (calls per second). */
  limit: number;
  label: string;
  calls: number;
  /** The most calls that arrived within any one second. */
  maxPerSecond: number;
  /** Calls per second from the first call to the last. */
  meanPerSecond: number;
  wallMs: number;
  passed: number;
}

export interface RateLimitFigure {
  checks: number;
  cases: RateLimitCase[];
}

/** The scenario; `limit` undefined leaves out the `aws:` block (the default budget). */
function scenarioText(limit: number | undefined): string {
  const checks = Array.from(
    { length: CHECKS },
    (_, i) => `  - { name: no-errors-${i}, type: logs-absent, logGroup: "${LOG_GROUP}", pattern: '"Redis connection failed"', since: 10m }`,
  );
  const aws = limit === undefined ? [] : [`aws: { rateLimits: { FilterLogEvents: ${limit} } }`];
  return [`name: rate-limit-${limit ?? 'default'}`, ...aws, `concurrency: ${CHECKS}`, 'checks:', ...checks, ''].join('\n');
}

/** The most timestamps (ms) within any window of `windowMs`. */
export function maxInWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

async function measureCase(ctx: BenchContext, limit: number, label: string, explicit: boolean): Promise<RateLimitCase> {
  const proxy = await startCountingProxy(ctx.moto.endpoint);
  try {
    return await withAwsEndpoint(proxy.endpoint, async () => {
      const scenario = parseScenario(scenarioText(explicit ? limit : undefined), { checkTypes, env: {}, displayName: 'rate-limit.yaml', dir: ctx.tmp });
      const started = performance.now();
      const report = await runScenario(scenario);
      const wallMs = performance.now() - started;
      const times = proxy.calls.filter((c) => c.action === 'FilterLogEvents').map((c) => c.at);
      const span = times.length > 1 ? Math.max(...times) - Math.min(...times) : 0;
      return {
        limit,
        label,
        calls: times.length,
        maxPerSecond: maxInWindow(times),
        meanPerSecond: span > 0 ? ((times.length - 1) * 1000) / span : times.length,
        wallMs,
        passed: report.summary.passed,
      };
    });
  } finally {
    await proxy.stop();
  }
}

/** Runs the three cases (default budget, an override, effectively none). */
export async function measureRateLimit(ctx: BenchContext): Promise<RateLimitFigure> {
  const cases: RateLimitCase[] = [];
  for (const [limit, label, explicit] of [
    [DEFAULT_RATE_LIMITS.FilterLogEvents!, 'default: no aws: block (5/s, the documented quota)', false],
    [10, 'rateLimits: { FilterLogEvents: 10 }', true],
    [1000, 'rateLimits: { FilterLogEvents: 1000 } (no effective budget)', true],
  ] as const) {
    const result = await measureCase(ctx, limit, label, explicit);
    ctx.log(`bench: rate limit ${limit}/s: ${result.calls} FilterLogEvents, at most ${result.maxPerSecond} in a second, ${(result.wallMs / 1000).toFixed(1)} s`);
    cases.push(result);
  }
  return { checks: CHECKS, cases };
}

/** The figure as a markdown section. */
export function renderRateLimit(figure: RateLimitFigure): string {
  return [
    '## 10. One budget for the AWS APIs',
    '',
    `${figure.checks} logs-absent checks at once against moto; FilterLogEvents calls counted at the proxy. The limiter lets a fifth of a second's calls through at once and spaces the rest 1/rate apart, so any one-second window holds at most rate + burst (5/s: 6; 10/s: 12).`,
    '',
    '| budget | FilterLogEvents calls | most in any 1 s | mean calls/s | wall time | checks passed |',
    '|---|---:|---:|---:|---:|---:|',
    ...figure.cases.map(
      (c) => `| ${c.label} | ${c.calls} | ${c.maxPerSecond} | ${c.meanPerSecond.toFixed(1)} | ${(c.wallMs / 1000).toFixed(1)} s | ${c.passed}/${figure.checks} |`,
    ),
  ].join('\n');
}
