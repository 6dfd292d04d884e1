/**
 * ELBv2 look-ups (target groups, target health) and how to read a target's health state:
 * which states mean "not yet", which mean "broken", which make health impossible to judge.
 */
import type { TargetGroup, TargetHealth, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AttemptResultError, type CheckContext } from '../types.js';
import { awsCall, clientRegion, elbv2Client, unexpectedResponseResult, type ResponseShape } from './aws.js';

export type TargetGroupRef = { arn: string } | { name: string };

/**
 * - `healthy`: serving.
 * - `pending`: not serving yet, may still become healthy (initial, draining, unhealthy: an ALB target
 *   recovers after `healthyThreshold` good checks; unused because not (yet) registered or stopped).
 * - `broken`: not serving because of the load balancer's configuration; waiting cannot help.
 * - `unknowable`: health checks are disabled, so health cannot be verified at all.
 */
export type TargetVerdict = 'healthy' | 'pending' | 'broken' | 'unknowable';

/** unused reasons that come from configuration (target group not attached, AZ not enabled, reserved IP). */
const BROKEN_UNUSED_REASONS = new Set(['Target.NotInUse', 'Target.IpUnusable']);

export function targetVerdict(health: TargetHealth | undefined): TargetVerdict {
  switch (health?.State) {
    case 'healthy':
      return 'healthy';
    case 'unused':
      return BROKEN_UNUSED_REASONS.has(health.Reason ?? '') ? 'broken' : 'pending';
    case 'unavailable':
      return health.Reason === 'Target.HealthCheckDisabled' ? 'unknowable' : 'pending';
    default:
      return 'pending';
  }
}

/** `10.0.1.23:8000` (port omitted when the target has none). */
export function targetAddress(target: TargetHealthDescription['Target']): string {
  return `${target?.Id ?? '?'}${target?.Port !== undefined ? `:${target.Port}` : ''}`;
}

/** `unhealthy Target.Timeout "Request timed out"`. */
export function formatHealth(health: TargetHealth | undefined): string {
  const text = health?.Description ? JSON.stringify(health.Description) : undefined;
  return [health?.State ?? 'unknown', health?.Reason, text].filter(Boolean).join(' ');
}

/** `10.0.1.23:8000 unhealthy Target.Timeout "Request timed out"`. */
export function formatTarget(description: TargetHealthDescription): string {
  return `${targetAddress(description.Target)} ${formatHealth(description.TargetHealth)}`;
}

export interface HealthCheckSettings {
  enabled?: boolean;
  protocol?: string;
  port?: string;
  path?: string;
  timeoutSeconds?: number;
  intervalSeconds?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
  matcher?: string;
}

export function healthCheckSettings(group: TargetGroup): HealthCheckSettings {
  return {
    enabled: group.HealthCheckEnabled,
    protocol: group.HealthCheckProtocol,
    port: group.HealthCheckPort,
    path: group.HealthCheckPath,
    timeoutSeconds: group.HealthCheckTimeoutSeconds,
    intervalSeconds: group.HealthCheckIntervalSeconds,
    healthyThreshold: group.HealthyThresholdCount,
    unhealthyThreshold: group.UnhealthyThresholdCount,
    matcher: group.Matcher?.HttpCode ?? group.Matcher?.GrpcCode,
  };
}

/** `HTTP /health timeout 5s every 30s` — enough to compare with how long the endpoint takes. */
export function formatHealthCheck(settings: HealthCheckSettings): string {
  const parts = [settings.protocol, settings.path];
  if (settings.timeoutSeconds !== undefined) parts.push(`timeout ${settings.timeoutSeconds}s`);
  if (settings.intervalSeconds !== undefined) parts.push(`every ${settings.intervalSeconds}s`);
  return parts.filter(Boolean).join(' ');
}

/** `arn:aws:elasticloadbalancing:…:targetgroup/api/6d0ecf831eec9f09` → `api`. */
export function targetGroupNameFromArn(arn: string): string {
  return /:targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn;
}

function isTargetGroupNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'TargetGroupNotFoundException' || name === 'TargetGroupNotFound';
}

/** The call's result, or undefined when the target group does not exist (reported as a `fail`). */
async function unlessTargetGroupNotFound<Out>(abortSignal: AbortSignal, call: () => Promise<Out>): Promise<Out | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isTargetGroupNotFound(error) && !abortSignal.aborted) return undefined;
    throw error;
  }
}

async function targetGroupNotFound(ctx: CheckContext, label: string): Promise<AttemptResultError> {
  const region = await clientRegion(await ctx.clients.get(elbv2Client));
  return new AttemptResultError({
    outcome: 'fail',
    message: `target group ${label} not found in region ${region}`,
    observations: [{ what: `target group ${label}`, expected: 'exists', actual: 'not found', ok: false }],
    nextSteps: [`aws elbv2 describe-target-groups --region ${region} --query 'TargetGroups[*].[TargetGroupName,TargetGroupArn]' --output text`],
    facts: { targetGroup: label, region },
  });
}

/** What DescribeTargetGroups always returns (`TargetGroups`, each with its ARN and name). */
export const DESCRIBE_TARGET_GROUPS_SHAPE: ResponseShape = {
  TargetGroups: 'array',
  'TargetGroups[].TargetGroupArn': 'string',
  'TargetGroups[].TargetGroupName': 'string',
};

/**
 * What DescribeTargetHealth always returns: `TargetHealthDescriptions` (an empty list when no
 * target is registered: the SDK reads the empty element as []), each with the target's id and its
 * health state.
 */
export const DESCRIBE_TARGET_HEALTH_SHAPE: ResponseShape = {
  TargetHealthDescriptions: 'array',
  'TargetHealthDescriptions[].Target.Id': 'string',
  'TargetHealthDescriptions[].TargetHealth.State': 'string',
};

/**
 * DescribeTargetGroups for one group. `TargetGroupNotFound` is a `fail` naming the region; an
 * answer without the group asked for (AWS raises TargetGroupNotFound instead) is an `error`.
 */
export async function describeTargetGroup(ctx: CheckContext, ref: TargetGroupRef): Promise<TargetGroup> {
  const { DescribeTargetGroupsCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const client = await ctx.clients.get(elbv2Client);
  const input = 'arn' in ref ? { TargetGroupArns: [ref.arn] } : { Names: [ref.name] };
  const action = 'elasticloadbalancing:DescribeTargetGroups';
  const out = await awsCall(
    ctx,
    action,
    (abortSignal) => unlessTargetGroupNotFound(abortSignal, () => client.send(new DescribeTargetGroupsCommand(input), { abortSignal })),
    DESCRIBE_TARGET_GROUPS_SHAPE,
  );
  if (!out) throw await targetGroupNotFound(ctx, 'arn' in ref ? ref.arn : ref.name);
  const group = out.TargetGroups?.find((g) => ('arn' in ref ? g.TargetGroupArn === ref.arn : g.TargetGroupName === ref.name));
  if (!group) throw new AttemptResultError(unexpectedResponseResult(action, ['TargetGroups does not include the target group asked for']));
  return group;
}

/**
 * Every registered target of the group with its health (DescribeTargetHealth without Targets).
 * An empty list means no target is registered.
 */
export async function describeTargetHealth(ctx: CheckContext, targetGroupArn: string): Promise<TargetHealthDescription[]> {
  const { DescribeTargetHealthCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const client = await ctx.clients.get(elbv2Client);
  const out = await awsCall(
    ctx,
    'elasticloadbalancing:DescribeTargetHealth',
    (abortSignal) =>
      unlessTargetGroupNotFound(abortSignal, () => client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }), { abortSignal })),
    DESCRIBE_TARGET_HEALTH_SHAPE,
  );
  if (!out) throw await targetGroupNotFound(ctx, targetGroupArn);
  return out.TargetHealthDescriptions ?? [];
}

/** The command an engineer runs next to see every target's state and reason. */
export function describeTargetHealthCommand(targetGroupArn: string): string {
  return (
    `aws elbv2 describe-target-health --target-group-arn ${targetGroupArn} ` +
    `--query 'TargetHealthDescriptions[*].{id:Target.Id,port:Target.Port,state:TargetHealth.State,reason:TargetHealth.Reason}'`
  );
}
