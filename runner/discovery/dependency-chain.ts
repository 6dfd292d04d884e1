/**
 * The part of the discovered chain that follows the service to what it needs (issue #10): the task
 * definition (its secrets exist, its endpoints are written correctly), each data store's health and
 * the network path to it, and the HTTP entry point. Pure: maps discovered facts to checks.
 *
 * The dependency checks run first and gate the rest (`needs`): they are quick and definitive, so a
 * broken path ends the run in seconds, named as the root cause, instead of after the targets' budget.
 */
import { storeServiceOf } from '../../checks/support/dependencies-aws.js';
import { neutralize } from '../../checks/support/untrusted.js';
import type { ConnectionExpectation } from '../../checks/support/dependencies-match.js';
import { DEPENDENCY_HEALTH_BUDGET, HTTP_BUDGET, NETWORK_PATH_BUDGET, TASK_DEFINITION_BUDGET, httpBudget } from './budgets.js';
import type { Chain, ChainCheck, LeftOut } from './chain.js';
import type { Discovered, DiscoveredDependency, DiscoveryInput } from './types.js';

const SERVICE_REF = { cluster: '${vars.cluster}', service: '${vars.service}' };

/** One data store with every variable that points at it, on one port. */
interface StoreTarget {
  dependency: DiscoveredDependency;
  variables: string[];
}

function storeTargets(dependencies: readonly DiscoveredDependency[]): StoreTarget[] {
  const byStore = new Map<string, StoreTarget>();
  for (const d of dependencies) {
    const key = `${d.store.kind}|${d.store.id}|${d.port}`;
    const seen = byStore.get(key);
    if (seen) seen.variables.push(d.variable);
    else byStore.set(key, { dependency: d, variables: [d.variable] });
  }
  return [...byStore.values()];
}

function healthCheck(target: StoreTarget): ChainCheck | LeftOut {
  const { store } = target.dependency;
  const name = `${store.id} available`;
  switch (store.kind) {
    case 'elasticache-replication-group':
      return { name, type: 'elasticache-available', spec: { replicationGroupId: store.id }, budget: DEPENDENCY_HEALTH_BUDGET };
    case 'rds-instance':
      return { name, type: 'rds-available', spec: { dbInstanceIdentifier: store.id }, budget: DEPENDENCY_HEALTH_BUDGET };
    case 'rds-cluster':
      return { name, type: 'rds-available', spec: { dbClusterIdentifier: store.id }, budget: DEPENDENCY_HEALTH_BUDGET };
    default:
      return { name, why: `no check type reads the status of a ${store.label.replace(` ${store.id}`, '')} yet (its network path is checked)` };
  }
}

function networkCheck(target: StoreTarget): ChainCheck | LeftOut {
  const { store, port } = target.dependency;
  const name = `${store.id} reachable on ${port}`;
  if (store.securityGroups.length === 0) return { name, why: `${store.label} reports no VPC security groups` };
  const to = store.securityGroups.length === 1 ? { toSecurityGroup: store.securityGroups[0] } : { toSecurityGroups: store.securityGroups };
  return { name, type: 'sg-ingress', spec: { from: SERVICE_REF, ...to, port }, budget: NETWORK_PATH_BUDGET };
}

const isCheck = (item: ChainCheck | LeftOut): item is ChainCheck => 'type' in item;

/** The `connections` of the task-definition check: every matched variable, and every `*_URL` without a scheme. */
function connections(found: Discovered): (ConnectionExpectation & { variable: string })[] {
  const seen = new Set<string>();
  const entries: (ConnectionExpectation & { variable: string })[] = [];
  for (const d of found.dependencies ?? []) {
    if (seen.has(d.variable)) continue;
    seen.add(d.variable);
    entries.push({ variable: d.variable, ...d.expectation });
  }
  for (const u of found.unmatched ?? []) {
    if (!u.noScheme || seen.has(u.variable)) continue;
    seen.add(u.variable);
    entries.push({ variable: u.variable });
  }
  return entries;
}

/**
 * The dependency checks: the task definition (when it has secrets or endpoints to judge), then per
 * data store its health and the network path from the service's security groups on its port.
 * A check that could not pass (no check type, no security groups) is left out, with why.
 */
export function dependencyChecks(found: Discovered): Chain {
  const checks: ChainCheck[] = [];
  const leftOut: LeftOut[] = [];
  const wanted = connections(found);
  if ((found.secretReferences ?? 0) > 0 || wanted.length > 0) {
    const spec = { ...SERVICE_REF, ...((found.secretReferences ?? 0) > 0 ? { secretsExist: true } : {}), ...(wanted.length ? { connections: wanted } : {}) };
    checks.push({ name: 'task definition', type: 'ecs-task-definition', spec, budget: TASK_DEFINITION_BUDGET });
  }
  for (const target of storeTargets(found.dependencies ?? [])) {
    for (const item of [healthCheck(target), ...(found.securityGroups.length ? [networkCheck(target)] : [])]) {
      if (isCheck(item)) checks.push(item);
      else leftOut.push(item);
    }
  }
  return { checks, leftOut };
}

/** The chain with the dependency checks first; every check that needed nothing now needs them. */
export function withDependencies(chain: Chain, dependencies: Chain): Chain {
  if (dependencies.checks.length === 0) return { checks: chain.checks, leftOut: [...chain.leftOut, ...dependencies.leftOut] };
  const gate = dependencies.checks.map((c) => c.name);
  return {
    checks: [...dependencies.checks, ...chain.checks.map((c) => (c.needs?.length ? c : { ...c, needs: [...gate] }))],
    leftOut: [...chain.leftOut, ...dependencies.leftOut],
  };
}

/** `"200"`, `"200,204"`, `"200-399"` → the codes; undefined for anything else. Pure. */
export function successCodes(matcher: string | undefined): number[] | undefined {
  if (!matcher) return undefined;
  const codes: number[] = [];
  for (const part of matcher.split(',').map((p) => p.trim())) {
    const range = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!range) return undefined;
    const from = Number(range[1]);
    const to = Number(range[2] ?? range[1]);
    if (from < 100 || to > 599 || from > to) return undefined;
    for (let code = from; code <= to; code++) codes.push(code);
  }
  return [...new Set(codes)].sort((a, b) => a - b);
}

const ANY_2XX = Array.from({ length: 100 }, (_, i) => 200 + i).join(',');

/** `status:` for the http check: omitted for exactly 200-299 (the check's default), else the codes. */
function expectedStatus(codes: number[] | undefined): number | number[] | undefined {
  if (!codes || codes.join(',') === ANY_2XX) return undefined;
  return codes.length === 1 ? codes[0] : codes;
}

/**
 * The http check on the target group's health-check path, against --url or the discovered load
 * balancer: the target group's success codes, a latency under half its health-check timeout (the
 * incident's /health took 2 s against 5 s and still flapped). Without either base URL: left out.
 */
export function entryPointCheck(input: DiscoveryInput, found: Discovered): ChainCheck | LeftOut {
  const baseUrl = input.url ?? found.entryPoint?.baseUrl;
  if (!baseUrl) {
    return { name: 'health', why: `${found.entryPointMissing ?? 'no load balancer in front of the service'}: give --url to check the health endpoint` };
  }
  const group = found.targetGroups.find((g) => g.healthCheckPath && g.healthCheck?.enabled !== false);
  if (!group) {
    return { name: 'health', type: 'http', spec: { url: '${vars.baseUrl}/health', samples: 3, expect: { status: 200, maxLatency: '1s' } }, budget: HTTP_BUDGET };
  }
  const settings = group.healthCheck;
  const halfTimeoutMs = ((settings?.timeoutSeconds ?? 5) * 1000) / 2;
  const status = expectedStatus(successCodes(settings?.matcher));
  // The certificate names the service's domain, not the load balancer's DNS name: with --url it is verified.
  const insecure = !input.url && baseUrl.startsWith('https://');
  return {
    name: 'health',
    type: 'http',
    spec: {
      url: `\${vars.baseUrl}${group.healthCheckPath}`,
      samples: 3,
      ...(insecure ? { insecure: true } : {}),
      expect: { ...(status !== undefined ? { status } : {}), maxLatency: latencyText(halfTimeoutMs) },
    },
    budget: httpBudget(settings),
  };
}

function latencyText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

export function isChainCheck(item: ChainCheck | LeftOut): item is ChainCheck {
  return isCheck(item);
}

/**
 * What discovery found and why, one line each: per dependency `variable → resource → security
 * groups → port`, then what was not followed. For `init`'s header and `run`'s stderr: each line is
 * neutralized (no terminal escapes, no CI commands, no newline). Pure.
 */
export function discoveryLines(found: Discovered): string[] {
  const lines = (found.dependencies ?? []).map(
    (d) =>
      `${d.variable} → ${d.store.label} (${d.endpoint}) → ${d.store.securityGroups.join(', ') || 'no security groups'} → port ${d.port}` +
      (d.warnings.length ? ` [${d.warnings.length} warning${d.warnings.length === 1 ? '' : 's'}]` : ''),
  );
  for (const d of found.dependencies ?? []) for (const w of d.warnings) lines.push(`warning: ${w}`);
  for (const u of found.unmatched ?? []) {
    // An AWS data-store name nothing claims is already in the notes ("which no RDS resource … answers on").
    if (!storeServiceOf(u.endpoint.replace(/:\d+$/, ''))) {
      lines.push(`${u.variable} → ${u.endpoint}: not an AWS resource discovery can see; TCP reachability not checked (the runner is usually outside the VPC)`);
    }
    if (u.noScheme) lines.push(`warning: ${u.variable} (container ${u.container}) has no scheme: "${u.endpoint}"`);
  }
  lines.push(...(found.notes ?? []));
  if (found.entryPoint) lines.push(`entry point: ${found.entryPoint.baseUrl} (load balancer ${found.entryPoint.loadBalancer}, listener ${found.entryPoint.listener} → ${found.entryPoint.targetGroup})`);
  // Variable names come from the task definition: one inert line each, whether it lands in a YAML comment or on stderr.
  return lines.map((line) => neutralize(line).replace(/\n/g, '\\n'));
}
