/**
 * The AWS look-ups of discovery, through the same ECS and ELBv2 helpers the check types use:
 * DescribeServices, DescribeTaskDefinition, DescribeTargetGroups, DescribeLoadBalancers.
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ecsClient } from '../../checks/support/aws.js';
import { describeService, findTaskDefinition, primaryDeployment, runningTaskDefinitionArn, serviceSecurityGroups } from '../../checks/support/ecs.js';
import { describeTargetGroup, healthCheckSettings } from '../../checks/support/elbv2.js';
import { AttemptResultError, type CheckContext } from '../../checks/types.js';
import { ClientPool } from '../clients.js';
import { discoverDependencies } from './dependencies.js';
import { describeLoadBalancers, discoverEntryPoint } from './entry-point.js';
import { DiscoveryError, type Discovered, type DiscoveredContainer, type DiscoveredTargetGroup, type DiscoveryInput } from './types.js';
import { callContext } from '../call-context.js';
import { abortPromise, timeoutSignal } from '../../checks/support/abort.js';

export interface DiscoverOptions {
  /** Ends discovery early (Ctrl-C). */
  signal?: AbortSignal;
  /** Bound on all of discovery's AWS calls together, ms (default 30 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const NO_ENTRY_POINT: Awaited<ReturnType<typeof discoverEntryPoint>> = {};

function label(arn: string | undefined): string | undefined {
  return arn?.split('/').pop();
}

/** A check context for look-ups made outside a check: one "attempt" bounded by `signal`. */
function lookupContext(pool: ClientPool, signal: AbortSignal, timeoutMs: number): CheckContext {
  return callContext(pool, signal, timeoutMs);
}

/**
 * Turns what the shared look-ups throw (an abort, or an AttemptResultError from awsCall) into a
 * DiscoveryError that says what to do; anything else is a bug and is returned as it is.
 */
function discoveryError(input: DiscoveryInput, error: unknown, signal: AbortSignal, timeoutMs: number): unknown {
  if (signal.aborted) {
    const timedOut = (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';
    return new DiscoveryError(`cannot discover ${input.service}: ${timedOut ? `AWS did not answer within ${timeoutMs / 1000}s` : 'interrupted'}`);
  }
  if (!(error instanceof AttemptResultError)) return error;
  const { outcome, message, nextSteps } = error.result;
  // A `fail` is a verdict about the names given (no such service); anything else is about reaching AWS.
  if (outcome === 'fail') return new DiscoveryError(`${message}; check the names and the region${nextSteps?.[0] ? ` (${nextSteps[0]})` : ''}`, true);
  return new DiscoveryError(`cannot discover ${input.service}: ${message}`);
}

function containersOf(definition: TaskDefinition | undefined): DiscoveredContainer[] {
  return (definition?.containerDefinitions ?? []).map((c) => ({
    name: c.name ?? '?',
    secrets: (c.secrets ?? []).map((s) => s.name).filter((n): n is string => Boolean(n)),
    environment: (c.environment ?? []).map((e) => e.name).filter((n): n is string => Boolean(n)),
    logGroup: c.logConfiguration?.options?.['awslogs-group'],
  }));
}

async function targetGroupsOf(ctx: CheckContext, service: Service): Promise<DiscoveredTargetGroup[]> {
  const arns = [...new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((a): a is string => Boolean(a)))];
  const groups = await Promise.all(arns.map((arn) => describeTargetGroup(ctx, { arn })));
  return groups.map((g) => ({
    name: g.TargetGroupName ?? label(g.TargetGroupArn) ?? '?',
    arn: g.TargetGroupArn ?? '',
    healthCheckPath: g.HealthCheckPath,
    healthCheck: healthCheckSettings(g),
    loadBalancerArns: g.LoadBalancerArns ?? [],
  }));
}

interface LoadBalancerFacts {
  groups: DiscoveredTargetGroup[];
  /** The load balancers read, for the entry point; absent when there were none or the read failed. */
  loadBalancers?: LoadBalancer[];
  notes: string[];
}

/**
 * Adds each target group's load balancer types (one DescribeLoadBalancers for all of them): only a
 * target group behind an application load balancer gets `alb-metrics`. A refused read is a note and
 * leaves the types unknown (so no `alb-metrics`), never a failed discovery.
 */
async function withLoadBalancerTypes(ctx: CheckContext, groups: DiscoveredTargetGroup[]): Promise<LoadBalancerFacts> {
  const arns = [...new Set(groups.flatMap((g) => g.loadBalancerArns ?? []))];
  if (arns.length === 0) return { groups, notes: [] };
  try {
    const loadBalancers = await describeLoadBalancers(ctx, arns);
    const typeOf = new Map(loadBalancers.map((lb) => [lb.LoadBalancerArn, lb.Type ?? 'unknown']));
    return { groups: groups.map((g) => ({ ...g, loadBalancerTypes: (g.loadBalancerArns ?? []).map((arn) => typeOf.get(arn) ?? 'unknown') })), loadBalancers, notes: [] };
  } catch (error) {
    if (!(error instanceof AttemptResultError)) throw error;
    return { groups, notes: [`the load balancers could not be read (${error.result.message}): no ALB metrics are checked`] };
  }
}

/** `deploymentConfiguration.alarms.alarmNames` when ECS watches them (`enable: true`), else undefined. */
function deploymentAlarmsOf(service: Service): string[] | undefined {
  const alarms = service.deploymentConfiguration?.alarms;
  const names = (alarms?.alarmNames ?? []).filter((n) => n.length > 0);
  return alarms?.enable === true && names.length > 0 ? names : undefined;
}

/**
 * Reads an ECS service as it runs now: its PRIMARY deployment's task definition (containers, secret
 * names, awslogs groups), target groups with their health-check settings, awsvpc security groups,
 * the type of the load balancers in front of them, rollout state, health-check grace period and the
 * deployment alarms ECS watches; the data stores its configuration points at
 * (dependencies.ts) and, without --url, the load balancer listener in front of it (entry-point.ts).
 * AWS APIs: ecs:DescribeServices, ecs:DescribeTaskDefinition, elasticloadbalancing:DescribeTargetGroups,
 * elasticloadbalancing:DescribeLoadBalancers (when a target group has a load balancer), plus those of discoverDependencies and discoverEntryPoint.
 * @throws DiscoveryError when the service does not exist or is not ACTIVE, when AWS refuses or fails
 *   a call, or when AWS does not answer within `timeoutMs`.
 */
export async function discover(input: DiscoveryInput, options: DiscoverOptions = {}): Promise<Discovered> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = timeoutSignal(timeoutMs, options.signal);
  const pool = new ClientPool({ region: input.region });
  const ctx = lookupContext(pool, signal, timeoutMs);
  // The SDK honours the signal only once a request is on the wire (credentials, endpoint and client
  // loading before it are not abortable): the race keeps the timeout a real bound.
  const aborted = abortPromise(signal);
  try {
    return await Promise.race([discoverWith(ctx, pool, input), aborted.promise]);
  } catch (error) {
    throw discoveryError(input, error, signal, timeoutMs);
  } finally {
    aborted.dispose();
    await pool.destroy();
  }
}

async function discoverWith(ctx: CheckContext, pool: ClientPool, input: DiscoveryInput): Promise<Discovered> {
  const service = await describeService(ctx, input);
  const primary = primaryDeployment(service);
  const taskDefinitionArn = runningTaskDefinitionArn(service);
  const [definition, balanced] = await Promise.all([
    taskDefinitionArn ? findTaskDefinition(ctx, taskDefinitionArn) : undefined,
    targetGroupsOf(ctx, service).then((groups) => withLoadBalancerTypes(ctx, groups)),
  ]);
  const targetGroups = balanced.groups;
  const [dependencies, entry, ecs] = await Promise.all([
    discoverDependencies(ctx, definition),
    // With --url the entry point is given; without a target group there is none to find.
    input.url || targetGroups.length === 0 ? NO_ENTRY_POINT : discoverEntryPoint(ctx, targetGroups, balanced.loadBalancers),
    pool.get(ecsClient),
  ]);
  const deploymentAlarms = deploymentAlarmsOf(service);
  const notes = [...(dependencies.notes ?? []), ...balanced.notes];
  return {
    taskDefinition: definition ? `${definition.family}:${definition.revision}` : label(taskDefinitionArn),
    containers: containersOf(definition),
    targetGroups,
    securityGroups: serviceSecurityGroups(service),
    deploymentStartedAt: primary?.createdAt?.toISOString(),
    rolloutState: primary?.rolloutState,
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
    ...(deploymentAlarms ? { deploymentAlarms } : {}),
    region: input.region ?? (await ecs.config.region().catch(() => undefined)),
    subnets: service.networkConfiguration?.awsvpcConfiguration?.subnets ?? [],
    ...dependencies,
    notes,
    ...(entry.entryPoint ? { entryPoint: entry.entryPoint } : {}),
    ...(entry.missing ? { entryPointMissing: entry.missing } : {}),
  };
}
