/**
 * ELBv2 look-ups (target groups, target health) and how to read a target's health state:
 * which states mean "not yet", which mean "broken", which make health impossible to judge.
 */
import type { TargetGroup, TargetHealth, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AttemptResultError, type CheckContext } from '../types.js';
import { awsCall, elbv2Client } from './aws.js';

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

function targetGroupNotFound(label: string): AttemptResultError {
  return new AttemptResultError({
    outcome: 'fail',
    message: `target group ${label} not found`,
    observations: [{ what: `target group ${label}`, expected: 'exists', actual: 'not found', ok: false }],
    nextSteps: [`aws elbv2 describe-target-groups --query 'TargetGroups[*].[TargetGroupName,TargetGroupArn]' --output text`],
  });
}

export async function describeTargetGroup(ctx: CheckContext, ref: TargetGroupRef): Promise<TargetGroup> {
  const { DescribeTargetGroupsCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const client = await ctx.clients.get(elbv2Client);
  const input = 'arn' in ref ? { TargetGroupArns: [ref.arn] } : { Names: [ref.name] };
  const out = await awsCall(ctx, 'elasticloadbalancing:DescribeTargetGroups', (abortSignal) =>
    unlessTargetGroupNotFound(abortSignal, () => client.send(new DescribeTargetGroupsCommand(input), { abortSignal })),
  );
  const group = out?.TargetGroups?.[0];
  if (!group?.TargetGroupArn) throw targetGroupNotFound('arn' in ref ? ref.arn : ref.name);
  return group;
}

export async function describeTargetHealth(ctx: CheckContext, targetGroupArn: string): Promise<TargetHealthDescription[]> {
  const { DescribeTargetHealthCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const client = await ctx.clients.get(elbv2Client);
  const out = await awsCall(ctx, 'elasticloadbalancing:DescribeTargetHealth', (abortSignal) =>
    unlessTargetGroupNotFound(abortSignal, () => client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }), { abortSignal })),
  );
  if (!out) throw targetGroupNotFound(targetGroupArn);
  return out.TargetHealthDescriptions ?? [];
}

/** The command an engineer runs next to see every target's state and reason. */
export function describeTargetHealthCommand(targetGroupArn: string): string {
  return (
    `aws elbv2 describe-target-health --target-group-arn ${targetGroupArn} ` +
    `--query 'TargetHealthDescriptions[*].{id:Target.Id,port:Target.Port,state:TargetHealth.State,reason:TargetHealth.Reason}'`
  );
}
