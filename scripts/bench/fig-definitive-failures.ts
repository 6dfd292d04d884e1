/**
 * Figure 2: time to a definitive failure. Each case is broken in a way retrying cannot fix; the
 * check is given a generous retry budget (within 30 s, a retry every 2 s) and must still answer on
 * its first attempt. A control case (HTTP 503 without the known-bad body: transient) shows that the
 * same measurement does see a check spend its budget when it should.
 *
 * In-process (runner/ via runScenario) against moto directly: the time is runScenario's, from call
 * to report, so CLI start-up (figure 5) is not mixed in.
 */
import { FAILED_CLUSTER, SERVICE, STOPPED_CLUSTER } from './aws-fixture.js';
import { withAwsEndpoint, type BenchContext } from './context.js';
import { runTimed, scenarioFromYaml } from './in-process.js';
import { median } from './stats.js';

const REPEATS = 5;
export const BUDGET_MS = 30_000;
const BUDGET = '{ interval: 2s, backoff: 1, within: 30s }';
export const CONTROL_BUDGET_MS = 3_000;
const CONTROL_BUDGET = '{ interval: 500ms, backoff: 1, within: 3s }';

export interface FailureCase {
  id: string;
  label: string;
  budgetMs: number;
  /** Whether the case must end on its first attempt (false for the transient control). */
  definitive: boolean;
  timesMs: number[];
  attempts: number[];
  statuses: string[];
  message: string;
}

export interface DefinitiveFailuresResult {
  cases: FailureCase[];
}

function scenario(name: string, retry: string, check: string): string {
  return `name: ${name}
defaults:
  timeout: 10s
  retry: ${retry}
checks:
${check}`;
}

export async function measureDefinitiveFailures(ctx: BenchContext): Promise<DefinitiveFailuresResult> {
  const specs = [
    {
      id: 'stopped-task',
      label: 'a STOPPED task of the current deployment (ecs-task-running; EssentialContainerExited, exit 1)',
      definitive: true,
      budget: BUDGET,
      budgetMs: BUDGET_MS,
      check: `  - name: tasks running
    type: ecs-task-running
    cluster: ${STOPPED_CLUSTER}
    service: ${SERVICE}
`,
    },
    {
      id: 'failed-rollout',
      label: 'a FAILED rollout (ecs-service-stable; circuit breaker, via ext_ecs tags)',
      definitive: true,
      budget: BUDGET,
      budgetMs: BUDGET_MS,
      check: `  - name: service stable
    type: ecs-service-stable
    cluster: ${FAILED_CLUSTER}
    service: ${SERVICE}
`,
    },
    {
      id: 'http-500-known-body',
      label: 'HTTP 500 whose body matches bodyNotContains ("HuggingFace token not configured")',
      definitive: true,
      budget: BUDGET,
      budgetMs: BUDGET_MS,
      check: `  - name: predict
    type: http
    method: POST
    url: ${ctx.health.url}/broken
    json: { inputs: { company_size: 1000 } }
    expect: { status: 200, bodyNotContains: "HuggingFace token not configured" }
`,
    },
    {
      id: 'control-http-503',
      label: 'control: HTTP 503 with no known-bad body (transient, must retry until its 3 s budget)',
      definitive: false,
      budget: CONTROL_BUDGET,
      budgetMs: CONTROL_BUDGET_MS,
      check: `  - name: health
    type: http
    url: ${ctx.health.url}/unavailable
    expect: { status: 200 }
`,
    },
  ];

  const cases: FailureCase[] = [];
  await withAwsEndpoint(ctx.moto.endpoint, async () => {
    for (const spec of specs) {
      const planned = scenarioFromYaml(scenario(`bench-${spec.id}`, spec.budget, spec.check), spec.id, ctx.tmp);
      const result: FailureCase = { id: spec.id, label: spec.label, budgetMs: spec.budgetMs, definitive: spec.definitive, timesMs: [], attempts: [], statuses: [], message: '' };
      // The control spends its whole budget by design: once is enough.
      const repeats = spec.definitive ? REPEATS : 1;
      for (let i = 0; i < repeats; i++) {
        const run = await runTimed(planned, { timeoutMs: 60_000 });
        const check = run.report.checks[0]!;
        result.timesMs.push(run.wallMs);
        result.attempts.push(check.attempts);
        result.statuses.push(check.status);
        result.message = check.message;
      }
      ctx.log(`  ${spec.id}: median ${(median(result.timesMs) / 1000).toFixed(2)} s, attempts ${result.attempts.join(',')}`);
      cases.push(result);
    }
  });
  return { cases };
}
