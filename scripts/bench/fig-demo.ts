/**
 * Figure 7: where `verify-deployment demo` spends its time, end to end through the built CLI. Each
 * line the demo prints is timestamped on arrival; the phases are the gaps between the lines that
 * open and close them (sandbox start, the broken run, the fix and the wait for health, the passing
 * run, the stop). Target (issue #12 §3): under 20 s end to end.
 */
import { spawn } from 'node:child_process';
import { childEnv } from './children.js';
import type { BenchContext } from './context.js';
import { median } from './stats.js';

const RUNS = 2;
const TARGET_MS = 20_000;

interface Phase {
  id: string;
  label: string;
  /** The line (matched at its start) that ends the phase; `exit` is the process's exit. */
  endsAt: RegExp | 'exit';
}

/** In the order they happen; each starts where the previous one ended (the first at spawn). */
export const DEMO_PHASES: readonly Phase[] = [
  { id: 'boot', label: 'process start to its first line', endsAt: /^verify-deployment demo —/ },
  { id: 'sandbox', label: 'sandbox start (moto, redis-server, the incident’s resources, model API, ALB stand-in)', endsAt: /^ {2}AWS emulator / },
  { id: 'unhealthy', label: 'wait for the ALB stand-in to mark the target unhealthy', endsAt: /^━━ Run 1/ },
  { id: 'broken', label: 'run 1 on the broken state, to its report', endsAt: /^Applying the fix/ },
  { id: 'heal', label: 'fix applied, wait for the target to turn healthy', endsAt: /^Waiting for .*healthy/ },
  { id: 'logs', label: 'wait for the last Redis error to leave the log window', endsAt: /^━━ Run 2/ },
  { id: 'passing', label: 'run 2 after the fix, to its report', endsAt: /^Demo complete/ },
  { id: 'stop', label: 'stop the sandbox and exit', endsAt: 'exit' },
];

/**
 * The demo before issue #12 §3 (commit 2c5ea27: services one after the other, the ALB stand-in
 * starting from `initial`, checks one at a time), measured by hand with this figure's method on the
 * same machine, 1-min load ≈ 8. Kept for comparison; not re-measured.
 */
export const DEMO_BEFORE_MS: Record<string, number> = { boot: 1290, sandbox: 3080, unhealthy: 7040, broken: 31510, heal: 6560, logs: 950, passing: 250, stop: 1450 };

export interface DemoRun {
  /** Phase id → ms. */
  phasesMs: Record<string, number>;
  totalMs: number;
  code: number | null;
  /** The broken run's own duration as its summary line states it ("… in 13.23s"), ms. */
  brokenRunReportedMs?: number;
  /** Phases whose closing line never came (the demo failed or changed its wording). */
  missing: string[];
}

export interface DemoPhasesResult {
  runs: DemoRun[];
  targetMs: number;
}

/** Runs the demo once, timestamping every line of its stdout. */
function timedDemo(ctx: BenchContext): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [ctx.cli, 'demo'], { env: childEnv({ NO_COLOR: '1' }), stdio: ['ignore', 'pipe', 'ignore'] });
    // Never outlive the bench (its own cleanup only knows the children it spawned itself).
    const killOnExit = () => child.kill('SIGTERM');
    process.once('exit', killOnExit);
    const timer = setTimeout(() => child.kill('SIGTERM'), 180_000);
    const lines: { at: number; text: string }[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const at = performance.now() - started;
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        lines.push({ at, text: buffer.slice(0, newline) });
        buffer = buffer.slice(newline + 1);
      }
    });
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      process.off('exit', killOnExit);
      const totalMs = performance.now() - started;
      if (buffer) lines.push({ at: totalMs, text: buffer });
      resolve(phasesOf(lines, totalMs, code));
    });
  });
}

/** Splits the timestamped lines into the phases of DEMO_PHASES. */
export function phasesOf(lines: readonly { at: number; text: string }[], totalMs: number, code: number | null): DemoRun {
  const phasesMs: Record<string, number> = {};
  const missing: string[] = [];
  let previous = 0;
  let from = 0;
  for (const phase of DEMO_PHASES) {
    const index = phase.endsAt === 'exit' ? lines.length : lines.findIndex((line, i) => i >= from && (phase.endsAt as RegExp).test(line.text));
    if (index < 0) {
      missing.push(phase.id);
      continue;
    }
    const at = phase.endsAt === 'exit' ? totalMs : lines[index]!.at;
    phasesMs[phase.id] = at - previous;
    previous = at;
    from = index;
  }
  const verdict = lines.find((line) => /^✗ FAILED .* in ([\d.]+)s$/.test(line.text));
  const reported = verdict ? Number(/ in ([\d.]+)s$/.exec(verdict.text)![1]) * 1000 : undefined;
  return { phasesMs, totalMs, code, brokenRunReportedMs: reported, missing };
}

export async function measureDemoPhases(ctx: BenchContext): Promise<DemoPhasesResult> {
  const runs: DemoRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await timedDemo(ctx);
    ctx.log(`bench: demo run ${i + 1}: ${(run.totalMs / 1000).toFixed(1)} s, exit ${run.code}${run.missing.length ? `, phases not seen: ${run.missing.join(', ')}` : ''}`);
    runs.push(run);
  }
  return { runs, targetMs: TARGET_MS };
}

const s = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);

export function renderDemoPhases(result: DemoPhasesResult): string {
  const medianOf = (pick: (run: DemoRun) => number | undefined) => {
    const values = result.runs.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? median(values) : undefined;
  };
  const beforeTotal = Object.values(DEMO_BEFORE_MS).reduce((a, b) => a + b, 0);
  const rows = DEMO_PHASES.map((phase) => [phase.label, s(DEMO_BEFORE_MS[phase.id]), `**${s(medianOf((run) => run.phasesMs[phase.id]))}**`]);
  const total = medianOf((run) => run.totalMs);
  const broken = medianOf((run) => run.phasesMs.broken);
  const codes = result.runs.map((run) => run.code).join(', ');
  return [
    '## 9. The demo, phase by phase',
    '',
    `\`verify-deployment demo\` through the built CLI, ${result.runs.length} runs (exit ${codes}); each stdout line timestamped on arrival, a phase runs from the line that ends the previous one to the line that ends it. Median per phase. “Before” is the demo as it was at commit 2c5ea27, measured once the same way (not re-run). Target: under ${s(result.targetMs)} end to end.`,
    '',
    '| phase | before | now |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    `| **end to end** | ${s(beforeTotal)} | **${s(total)}** ${total !== undefined && total < result.targetMs ? '✓' : '✗'} |`,
    '',
    `The broken run is ${broken !== undefined && total ? `${Math.round((broken / total) * 100)} %` : 'n/a'} of the end-to-end time (its report states ${s(medianOf((run) => run.brokenRunReportedMs))}): the checks explained by the definitive security-group failure stop at their first attempt (issue #12 §1), so the run lasts about as long as its slowest first attempts. A phase near 0 s is a wait the demo no longer has (§3: the ALB stand-in starts from the state the incident was found in). The wait for health is the incident's own health check: 2 successes in a row, every 5 s.`,
  ].join('\n');
}
