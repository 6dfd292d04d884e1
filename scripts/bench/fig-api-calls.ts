/**
 * Figure 3 (first half): AWS API calls per poll round, per check type, counted at a proxy in front
 * of moto. The fixture is left "not ready" so the retrying checks poll three times (3 attempts,
 * 200 ms apart); calls per action ÷ attempts is the calls per round. A Describe action called more
 * than once per round on the single resource each case names is flagged as a duplicate.
 * The comparison with the AWS CLI / SDK waiters per verdict comes from figure 1's proxies.
 */
import { CLUSTER, LOG_GROUP, SERVICE, TARGET_GROUP } from './aws-fixture.js';
import { withAwsEndpoint, type BenchContext } from './context.js';
import { startCountingProxy } from './counting-proxy.js';
import { runTimed, scenarioFromYaml } from './in-process.js';

export interface CallsCase {
  id: string;
  label: string;
  status: string;
  attempts: number;
  calls: Record<string, number>;
  /** calls[action] / attempts. */
  perRound: Record<string, number>;
  /** Describe* actions called more than once per round. */
  duplicates: string[];
}

export interface ApiCallsResult {
  cases: CallsCase[];
}

const RETRY = '{ attempts: 3, interval: 200ms, backoff: 1 }';

export async function measureApiCalls(ctx: BenchContext): Promise<ApiCallsResult> {
  const cases = [
    { id: 'ecs-service-stable', label: 'ecs-service-stable (cluster + service)', spec: `type: ecs-service-stable\n    cluster: ${CLUSTER}\n    service: ${SERVICE}` },
    { id: 'ecs-task-running', label: 'ecs-task-running (cluster + service)', spec: `type: ecs-task-running\n    cluster: ${CLUSTER}\n    service: ${SERVICE}` },
    { id: 'alb-by-arn', label: 'alb-targets-healthy (targetGroupArn)', spec: `type: alb-targets-healthy\n    targetGroupArn: ${ctx.fixture.targetGroupArn}` },
    { id: 'alb-by-name', label: 'alb-targets-healthy (targetGroupName)', spec: `type: alb-targets-healthy\n    targetGroupName: ${TARGET_GROUP}` },
    { id: 'alb-by-service', label: 'alb-targets-healthy (cluster + service)', spec: `type: alb-targets-healthy\n    cluster: ${CLUSTER}\n    service: ${SERVICE}` },
    {
      id: 'logs-absent-group',
      label: 'logs-absent (logGroup, since 5m)',
      spec: `type: logs-absent\n    logGroup: ${LOG_GROUP}\n    pattern: '"Redis connection failed"'\n    since: 5m`,
    },
    {
      id: 'logs-absent-service',
      label: 'logs-absent (cluster + service, sinceDeployment)',
      spec: `type: logs-absent\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    pattern: '"Redis connection failed"'\n    sinceDeployment: true`,
    },
    {
      id: 'logs-present-service',
      label: 'logs-present (cluster + service, since 5m)',
      spec: `type: logs-present\n    cluster: ${CLUSTER}\n    service: ${SERVICE}\n    pattern: '"Model loaded"'\n    since: 5m`,
    },
  ];

  await ctx.fixture.setUnhealthy();
  const results: CallsCase[] = [];
  for (const c of cases) {
    const yaml = `name: bench-calls-${c.id}\ndefaults:\n  timeout: 10s\n  retry: ${RETRY}\nchecks:\n  - name: ${c.id}\n    ${c.spec}\n`;
    const scenario = scenarioFromYaml(yaml, c.id, ctx.tmp);
    const proxy = await startCountingProxy(ctx.moto.endpoint);
    try {
      const run = await withAwsEndpoint(proxy.endpoint, () => runTimed(scenario, { timeoutMs: 60_000 }));
      const check = run.report.checks[0]!;
      const calls = proxy.counts();
      const attempts = Math.max(1, check.attempts);
      const perRound = Object.fromEntries(Object.entries(calls).map(([action, n]) => [action, n / attempts]));
      const duplicates = Object.entries(perRound)
        .filter(([action, n]) => action.startsWith('Describe') && n > 1)
        .map(([action, n]) => `${action} ×${n}`);
      results.push({ id: c.id, label: c.label, status: check.status, attempts: check.attempts, calls, perRound, duplicates });
      ctx.log(`  ${c.id}: ${check.status} after ${check.attempts} attempt(s); ${JSON.stringify(calls)}`);
    } finally {
      await proxy.stop();
    }
  }
  return { cases: results };
}
