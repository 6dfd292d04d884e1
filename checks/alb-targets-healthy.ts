/**
 * Are the ALB's targets healthy? The first place a deployment that "runs" but does not serve shows
 * up: in the incident every target was `unhealthy Target.Timeout` while ECS said RUNNING.
 */
import { z } from 'zod';
import type { TargetGroup, TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { defineCheck, type AttemptOutcome, type AttemptResult, type CheckContext, type Observation } from './types.js';
import { describeService } from './support/ecs.js';
import {
  describeTargetGroup,
  describeTargetHealth,
  describeTargetHealthCommand,
  formatHealth,
  formatHealthCheck,
  formatTarget,
  healthCheckSettings,
  targetAddress,
  targetGroupNameFromArn,
  targetVerdict,
  type TargetGroupRef,
} from './support/elbv2.js';

const schema = z
  .strictObject({
    targetGroupArn: z.string().min(1).optional().meta({ description: 'ARN of the target group to check.' }),
    targetGroupName: z.string().min(1).optional().meta({ description: 'Name of the target group to check (instead of targetGroupArn).' }),
    cluster: z.string().min(1).optional().meta({ description: 'ECS cluster of `service`: checks every target group in the service\'s loadBalancers.' }),
    service: z.string().min(1).optional().meta({ description: 'ECS service whose target groups are checked (with `cluster`).' }),
    minHealthy: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Healthy targets needed in each target group. Default: every registered target, and at least one.' }),
  })
  .refine((spec) => (spec.cluster === undefined) === (spec.service === undefined), {
    error: 'cluster and service go together: set both, or use targetGroupArn / targetGroupName',
  })
  .refine((spec) => [spec.targetGroupArn, spec.targetGroupName, spec.service].filter((v) => v !== undefined).length === 1, {
    error: 'set exactly one of targetGroupArn, targetGroupName, or cluster + service',
  });

type Spec = z.output<typeof schema>;

const SEVERITY: Record<AttemptOutcome, number> = { pass: 0, retry: 1, inconclusive: 1, error: 2, fail: 3 };

interface GroupAssessment {
  name: string;
  arn: string;
  outcome: AttemptOutcome;
  /** This group's part of the one-line message. */
  summary: string;
  targets: TargetHealthDescription[];
  healthy: number;
  healthCheckPath?: string;
  observations: Observation[];
  details: Record<string, unknown>;
}

function requirementText(minHealthy: number | undefined): string {
  return minHealthy === undefined ? 'all, at least 1' : `at least ${minHealthy}`;
}

/** The pass/retry/fail/error rules for one target group (documented in docs/checks/alb-targets-healthy.md). */
export function assessTargetGroup(group: TargetGroup, targets: TargetHealthDescription[], minHealthy?: number): GroupAssessment {
  const arn = group.TargetGroupArn ?? '';
  const name = group.TargetGroupName ?? targetGroupNameFromArn(arn);
  const settings = healthCheckSettings(group);
  const verdicts = targets.map((t) => targetVerdict(t.TargetHealth));
  const healthy = verdicts.filter((v) => v === 'healthy').length;
  const broken = verdicts.filter((v) => v === 'broken').length;
  const required = minHealthy ?? Math.max(targets.length, 1);
  const observations: Observation[] = [
    { what: `healthy targets in ${name}`, expected: requirementText(minHealthy), actual: `${healthy} of ${targets.length}`, ok: targets.length > 0 && healthy >= required },
    ...targets.map((t) => ({
      what: `target ${targetAddress(t.Target)} in ${name}`,
      expected: 'healthy',
      actual: formatHealth(t.TargetHealth),
      ok: targetVerdict(t.TargetHealth) === 'healthy',
    })),
  ];
  const details = {
    name,
    arn,
    healthCheck: settings,
    registered: targets.length,
    healthy,
    required,
    targets: targets.map((t) => ({
      id: t.Target?.Id,
      port: t.Target?.Port,
      availabilityZone: t.Target?.AvailabilityZone,
      state: t.TargetHealth?.State,
      reason: t.TargetHealth?.Reason,
      description: t.TargetHealth?.Description,
    })),
  };
  const base = { name, arn, targets, healthy, healthCheckPath: settings.path, observations, details };

  if (targets.length === 0) {
    return { ...base, outcome: 'fail', summary: `target group ${name} has no registered targets (expected ${requirementText(minHealthy)} healthy)` };
  }
  if (healthy >= required) {
    return { ...base, outcome: 'pass', summary: `target group ${name}: ${healthy} of ${targets.length} targets healthy` };
  }
  const notHealthy = targets.filter((t) => targetVerdict(t.TargetHealth) !== 'healthy').map(formatTarget);
  const counted = `target group ${name}: ${healthy} of ${targets.length} targets healthy (need ${requirementText(minHealthy)})`;
  const listed = notHealthy.length ? `${counted}: ${notHealthy.join(', ')}` : counted;
  if (verdicts.includes('unknowable')) {
    return { ...base, outcome: 'error', summary: `${listed}; health checks are disabled on ${name}, so target health cannot be verified` };
  }
  // Only broken targets make the requirement unreachable; fewer targets than minHealthy may still be registering.
  if (broken > 0 && targets.length - broken < required) {
    return { ...base, outcome: 'fail', summary: listed };
  }
  const anyUnhealthy = targets.some((t) => t.TargetHealth?.State?.startsWith('unhealthy'));
  return { ...base, outcome: 'retry', summary: anyUnhealthy ? `${listed} (health check ${formatHealthCheck(settings)})` : listed };
}

async function inspect(ctx: CheckContext, ref: TargetGroupRef, minHealthy?: number): Promise<GroupAssessment> {
  if ('arn' in ref) {
    const [group, targets] = await Promise.all([describeTargetGroup(ctx, ref), describeTargetHealth(ctx, ref.arn)]);
    return assessTargetGroup(group, targets, minHealthy);
  }
  const group = await describeTargetGroup(ctx, ref);
  return assessTargetGroup(group, await describeTargetHealth(ctx, group.TargetGroupArn as string), minHealthy);
}

async function targetGroupRefs(spec: Spec, ctx: CheckContext): Promise<TargetGroupRef[] | AttemptResult> {
  if (spec.targetGroupArn) return [{ arn: spec.targetGroupArn }];
  if (spec.targetGroupName) return [{ name: spec.targetGroupName }];
  const ref = { cluster: spec.cluster as string, service: spec.service as string };
  const service = await describeService(ctx, ref);
  const arns = [...new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((arn): arn is string => !!arn))];
  if (arns.length === 0) {
    return {
      outcome: 'fail',
      message: `ECS service ${ref.service} in cluster ${ref.cluster} has no target group in its loadBalancers`,
      observations: [{ what: `target groups of service ${ref.service}`, expected: 'at least 1', actual: '0', ok: false }],
      nextSteps: [`aws ecs describe-services --cluster ${ref.cluster} --services ${ref.service} --query 'services[0].loadBalancers'`],
    };
  }
  return arns.map((arn) => ({ arn }));
}

function combine(spec: Spec, groups: GroupAssessment[]): AttemptResult {
  const outcome = groups.map((g) => g.outcome).reduce((worst, o) => (SEVERITY[o] > SEVERITY[worst] ? o : worst), 'pass');
  const failing = groups.filter((g) => g.outcome !== 'pass');
  const allTargets = groups.flatMap((g) => g.targets);
  const reasons = [...new Set(allTargets.filter((t) => t.TargetHealth?.State !== 'healthy').map((t) => t.TargetHealth?.Reason).filter(Boolean))].sort();
  const message = (outcome === 'pass' ? groups : failing).map((g) => g.summary).join('; ');
  const nextSteps = failing.map((g) => describeTargetHealthCommand(g.arn));
  if (spec.service && failing.some((g) => g.targets.length === 0)) {
    nextSteps.push(`aws ecs describe-services --cluster ${spec.cluster} --services ${spec.service} --query 'services[0].events[:5].message'`);
  }
  return {
    outcome,
    message,
    observations: groups.flatMap((g) => g.observations),
    details: { targetGroups: groups.map((g) => g.details) },
    ...(nextSteps.length ? { nextSteps } : {}),
    facts: {
      targetTimeout: reasons.includes('Target.Timeout'),
      targetReasons: reasons,
      healthyTargets: groups.reduce((sum, g) => sum + g.healthy, 0),
      registeredTargets: allTargets.length,
      healthCheckPaths: [...new Set(groups.map((g) => g.healthCheckPath).filter(Boolean))],
    },
  };
}

export const albTargetsHealthy = defineCheck({
  type: 'alb-targets-healthy',
  summary: 'Targets of an ALB target group (or of every target group of an ECS service) are healthy.',
  schema,
  evidence: 'state',
  // An ALB marks a target healthy after healthyThreshold checks (default 5 x 30 s): give it minutes.
  defaults: { timeoutMs: 10_000, retry: { intervalMs: 10_000, backoff: 1, maxIntervalMs: 10_000, withinMs: 300_000 } },
  describe(spec) {
    const need = spec.minHealthy === undefined ? 'all targets' : `at least ${spec.minHealthy} targets`;
    if (spec.targetGroupArn) return `${need} healthy in target group ${targetGroupNameFromArn(spec.targetGroupArn)}`;
    if (spec.targetGroupName) return `${need} healthy in target group ${spec.targetGroupName}`;
    return `${need} healthy in every target group of ECS service ${spec.service} (cluster ${spec.cluster})`;
  },
  async run(spec, ctx) {
    const refs = await targetGroupRefs(spec, ctx);
    if (!Array.isArray(refs)) return refs;
    const groups = await Promise.all(refs.map((ref) => inspect(ctx, ref, spec.minHealthy)));
    return combine(spec, groups);
  },
});
