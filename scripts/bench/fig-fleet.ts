/**
 * Fleet figure: one process verifying every service of a cluster (`run --all-services`, through
 * runFleet), 10 and 50 healthy services in moto, with the AWS clients shared (the default) and with
 * a client pool per service (as separate processes would). Measured: wall time and services per
 * second, and at a proxy in front of moto, every Describe call with the resources it names, so
 * "Describe calls per resource per round" is counted, not inferred. A healthy fleet passes every
 * check at its first attempt: the whole run is one round (checked from the reports' attempts).
 *
 * Also runs on its own: `node dist/scripts/bench/fig-fleet.js` (starts its own moto, prints markdown).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClientPool } from '../../runner/clients.js';
import { runFleet } from '../../runner/fleet/run-fleet.js';
import { SharedClients, type SharingStats } from '../../runner/fleet/shared-clients.js';
import type { FleetTotals } from '../../runner/fleet/types.js';
import { createFleet } from '../fixtures/fleet.js';
import type { AwsClients } from './aws-fixture.js';
import { withAwsEndpoint } from './context.js';
import { startAwsProxy } from './counting-proxy.js';

export const FLEET_SIZES = [10, 50] as const;
/** Services in flight (the CLI's default --concurrency with --all-services). */
const CONCURRENCY = 8;

export interface ResourceCount {
  /** Distinct resources the action named. */
  resources: number;
  /** Calls naming the resource named most often, per round. */
  max: number;
  /** Mean calls per resource per round. */
  mean: number;
}

export interface FleetCase {
  services: number;
  clients: 'shared' | 'per service';
  wallMs: number;
  servicesPerSecond: number;
  totals: FleetTotals;
  /** The most attempts any check took (1: the run was one round). */
  rounds: number;
  /** API calls per action at the proxy. */
  calls: Record<string, number>;
  /** Describe* actions: how many calls named each resource, per round. */
  perResource: Record<string, ResourceCount>;
  sharing?: SharingStats;
}

export interface FleetFigure {
  concurrency: number;
  cases: FleetCase[];
}

function queryValues(body: string, pattern: RegExp): string[] {
  const params = new URLSearchParams(body);
  return [...params.entries()].filter(([key]) => pattern.test(key)).map(([, value]) => value);
}

/**
 * The resources one AWS request names, as `kind:id` (`service:shop/api`, `targetgroup:ARN`, …),
 * read from its body the way each protocol carries it; [] for actions that name none we count.
 */
export function resourcesOf(action: string, body: string): string[] {
  const json = (): Record<string, unknown> => {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  switch (action) {
    case 'DescribeServices': {
      const input = json();
      const cluster = String(input.cluster ?? 'default').split('/').pop();
      return ((input.services as string[] | undefined) ?? []).map((s) => `service:${cluster}/${s.split('/').pop()}`);
    }
    case 'DescribeTaskDefinition':
      return [`taskdefinition:${String(json().taskDefinition).split('/').pop()}`];
    case 'DescribeTasks':
      return ((json().tasks as string[] | undefined) ?? []).map((t) => `task:${t.split('/').pop()}`);
    case 'DescribeTargetHealth':
      return queryValues(body, /^TargetGroupArn$/).map((arn) => `targetgroup:${arn}`);
    case 'DescribeTargetGroups':
      return [...queryValues(body, /^TargetGroupArns\.member\.\d+$/), ...queryValues(body, /^Names\.member\.\d+$/)].map((id) => `targetgroup:${id}`);
    default:
      return [];
  }
}

/** A proxy in front of `upstream` that records every call's action and the resources it names. */
export async function startResourceCounter(upstream: string) {
  const named: { action: string; resources: string[] }[] = [];
  const proxy = await startAwsProxy(upstream, {
    intercept: (call, _req, _res, body) => {
      named.push({ action: call.action, resources: resourcesOf(call.action, body) });
      return false;
    },
  });
  return {
    endpoint: proxy.endpoint,
    calls: proxy.calls,
    /** Per Describe action: distinct resources, and calls per resource (max, mean), divided by `rounds`. */
    perResource(rounds = 1): Record<string, ResourceCount> {
      const byAction = new Map<string, Map<string, number>>();
      for (const { action, resources } of named) {
        if (!action.startsWith('Describe')) continue;
        const counts = byAction.get(action) ?? new Map<string, number>();
        for (const resource of new Set(resources)) counts.set(resource, (counts.get(resource) ?? 0) + 1);
        byAction.set(action, counts);
      }
      return Object.fromEntries(
        [...byAction].map(([action, counts]) => {
          const values = [...counts.values()];
          const total = values.reduce((a, b) => a + b, 0);
          return [action, { resources: counts.size, max: Math.max(...values) / rounds, mean: total / counts.size / rounds }];
        }),
      );
    },
    counts(): Record<string, number> {
      const counts: Record<string, number> = {};
      for (const call of proxy.calls) counts[call.action] = (counts[call.action] ?? 0) + 1;
      return counts;
    },
    clear() {
      named.length = 0;
      proxy.calls.length = 0;
    },
    stop: () => proxy.stop(),
  };
}

async function measureCase(upstream: string, cluster: string, services: string[], shared: boolean): Promise<FleetCase> {
  const counter = await startResourceCounter(upstream);
  try {
    return await withAwsEndpoint(counter.endpoint, async () => {
      const clients = shared ? new SharedClients(new ClientPool()) : undefined;
      const started = performance.now();
      const fleet = await runFleet({ cluster, services, concurrency: CONCURRENCY, ...(clients ? { clients } : { sharing: false }) });
      const wallMs = performance.now() - started;
      await clients?.destroy();
      const rounds = Math.max(1, ...fleet.services.flatMap((s) => s.report?.checks.map((c) => c.attempts) ?? []));
      return {
        services: services.length,
        clients: shared ? 'shared' : 'per service',
        wallMs,
        servicesPerSecond: services.length / (wallMs / 1000),
        totals: fleet.totals,
        rounds,
        calls: counter.counts(),
        perResource: counter.perResource(rounds),
        ...(clients ? { sharing: { ...clients.stats } } : {}),
      };
    });
  } finally {
    await counter.stop();
  }
}

/** Builds a cluster of `size` healthy services per size and verifies it both ways. */
export async function measureFleet(ctx: { moto: { endpoint: string }; aws: AwsClients; log(line: string): void }): Promise<FleetFigure> {
  const cases: FleetCase[] = [];
  for (const size of FLEET_SIZES) {
    const cluster = `bench-fleet-${size}`;
    const services = Array.from({ length: size }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const built = performance.now();
    await createFleet(ctx.aws, { cluster, services: services.map((name) => ({ name })) });
    ctx.log(`bench: fleet of ${size} built in ${((performance.now() - built) / 1000).toFixed(1)} s`);
    for (const shared of [true, false]) {
      const result = await measureCase(ctx.moto.endpoint, cluster, services, shared);
      ctx.log(`bench: fleet ${size} (${result.clients} clients): ${(result.wallMs / 1000).toFixed(1)} s, ${result.totals.passed}/${size} passed`);
      cases.push(result);
    }
  }
  return { concurrency: CONCURRENCY, cases };
}

const DESCRIBES = ['DescribeServices', 'DescribeTaskDefinition', 'DescribeTargetGroups', 'DescribeTargetHealth', 'DescribeTasks'];

/** The figure as a markdown section. */
export function renderFleetFigure(figure: FleetFigure): string {
  const head = ['services', 'AWS clients', 'wall', 'services/s', 'passed', 'rounds', ...DESCRIBES.map((d) => `${d} per resource (max / mean)`), 'API calls'];
  const rows = figure.cases.map((c) => [
    String(c.services),
    c.clients,
    `${(c.wallMs / 1000).toFixed(2)} s`,
    c.servicesPerSecond.toFixed(1),
    `${c.totals.passed}/${c.totals.services}`,
    String(c.rounds),
    ...DESCRIBES.map((d) => (c.perResource[d] ? `${c.perResource[d]!.max} / ${c.perResource[d]!.mean.toFixed(2)}` : '–')),
    String(Object.values(c.calls).reduce((a, b) => a + b, 0)),
  ]);
  return [
    `## 7. Fleet: one process, ${FLEET_SIZES.join(' and ')} services`,
    '',
    `\`run --cluster C --all-services\` (runFleet, ${figure.concurrency} services at a time) over healthy services in moto, each with its`,
    'discovered chain (service stable, tasks running, targets healthy, no error logs). "Per resource" counts the calls that named',
    'each service, task definition, target group or task at a proxy in front of moto, per round (every check passed at its',
    'first attempt: one round), discovery included. moto ignores ListTasks\' serviceName, so every service\'s DescribeTasks',
    'names every task of the cluster: with clients per service that column grows with the fleet, which real ECS would not do.',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [{ startMotoServer, pinEcsTaskStates }, { awsClients }] = await Promise.all([import('../sandbox/services.js'), import('./aws-fixture.js')]);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const moto = await startMotoServer();
  const aws = await awsClients(moto.endpoint);
  try {
    await pinEcsTaskStates(moto.endpoint);
    const figure = await measureFleet({ moto, aws, log: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${renderFleetFigure(figure)}\n`);
    if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(figure, null, 2)}\n`);
  } finally {
    aws.destroy();
    await moto.stop();
  }
}
