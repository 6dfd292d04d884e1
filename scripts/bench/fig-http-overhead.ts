/**
 * Figure 6: what the http check adds to a request. The same /health endpoint (its own process),
 * SAMPLES times each, the four ways interleaved request by request, after WARMUP discarded rounds:
 *
 * - raw undici, fresh connection: a new Agent per request (what the check does on purpose, so every
 *   sample pays and measures its own connect), timed request start → body read;
 * - raw undici, keep-alive: the global dispatcher, one pooled connection (the floor);
 * - runner-measured: the latency the http check reports (details.timing.total) in a one-check
 *   runScenario;
 * - runner wall: runScenario from call to report (retry wrapper, events, verdict, masking, root cause).
 */
import { Agent, request } from 'undici';
import type { BenchContext } from './context.js';
import { runTimed, scenarioFromYaml } from './in-process.js';

const SAMPLES = 200;
const WARMUP = 20;

export interface HttpOverheadResult {
  samples: number;
  rawFreshMs: number[];
  rawKeepAliveMs: number[];
  checkMeasuredMs: number[];
  runnerWallMs: number[];
  failures: number;
}

export async function measureHttpOverhead(ctx: BenchContext): Promise<HttpOverheadResult> {
  const url = `${ctx.health.url}/health`;
  const scenario = scenarioFromYaml(
    `name: bench-http-overhead\nchecks:\n  - name: health\n    type: http\n    url: ${url}\n    expect: { status: 200, json: { "$.status": "ok" } }\n`,
    'http-overhead',
    ctx.tmp,
  );
  const result: HttpOverheadResult = { samples: SAMPLES, rawFreshMs: [], rawKeepAliveMs: [], checkMeasuredMs: [], runnerWallMs: [], failures: 0 };

  const rawFresh = async () => {
    const agent = new Agent();
    const started = performance.now();
    const res = await request(url, { dispatcher: agent });
    await res.body.text();
    const elapsed = performance.now() - started;
    await agent.destroy();
    if (res.statusCode !== 200) result.failures += 1;
    return elapsed;
  };
  const rawKeepAlive = async () => {
    const started = performance.now();
    const res = await request(url);
    await res.body.text();
    if (res.statusCode !== 200) result.failures += 1;
    return performance.now() - started;
  };
  const runner = async () => {
    const run = await runTimed(scenario);
    const check = run.report.checks[0]!;
    if (check.status !== 'passed') result.failures += 1;
    const timing = (check.details as { timing?: { total?: number } }).timing;
    return { measured: timing?.total ?? Number.NaN, wall: run.wallMs };
  };

  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    const keep = i >= WARMUP;
    // Rotate the order so no way is always first after the previous one's garbage.
    const steps = [
      async () => {
        const ms = await rawFresh();
        if (keep) result.rawFreshMs.push(ms);
      },
      async () => {
        const ms = await rawKeepAlive();
        if (keep) result.rawKeepAliveMs.push(ms);
      },
      async () => {
        const { measured, wall } = await runner();
        if (keep) {
          result.checkMeasuredMs.push(measured);
          result.runnerWallMs.push(wall);
        }
      },
    ];
    for (let s = 0; s < steps.length; s++) await steps[(s + i) % steps.length]!();
  }
  return result;
}
