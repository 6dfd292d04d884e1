/**
 * sg-ingress: does the destination security group let the source in on this port? A missing rule
 * is `fail` at once: rules do not appear by waiting (the Redis incident lost an afternoon to this).
 */
import { z } from 'zod';
import type { SecurityGroupRule } from '@aws-sdk/client-ec2';
import { AttemptResultError, defineCheck, type AttemptResult, type CheckContext } from './types.js';
import { describeService, serviceSecurityGroups } from './support/ecs.js';
import {
  OPEN_CIDRS,
  formatRule,
  formatTraffic,
  isIngress,
  normalizeProtocol,
  ruleCovers,
  ruleSource,
  securityGroupRules,
  type RuleProtocol,
} from './support/ec2.js';
import { dependencyUnreachableEffects } from './support/relations.js';

const securityGroupId = z
  .string()
  .regex(/^sg-[0-9a-f]+$/, { error: (issue) => `expected a security group id like "sg-0454e74e2924a7754", got ${JSON.stringify(issue.input)}` });

const protocolSchema = z
  .union([z.enum(['tcp', 'udp', 'icmp', '-1', 'all']), z.literal(-1)])
  .default('tcp')
  // YAML reads `protocol: -1` as a number; "all" and -1 both mean every protocol.
  .transform((value): RuleProtocol => normalizeProtocol(value) as RuleProtocol)
  .meta({ description: 'tcp (default), udp, icmp, or -1 / all (all traffic).' });

const schema = z
  .strictObject({
    fromSecurityGroups: z
      .array(securityGroupId)
      .min(1)
      .optional()
      .meta({ description: 'Source security groups; traffic from any one of them counts. Use this or `from`.' }),
    from: z
      .strictObject({
        cluster: z.string().min(1).meta({ description: 'ECS cluster name or ARN.' }),
        service: z.string().min(1).meta({ description: 'ECS service name or ARN.' }),
      })
      .optional()
      .meta({ description: "An ECS service whose awsvpc security groups are the source. Use this or `fromSecurityGroups`." }),
    toSecurityGroup: securityGroupId.meta({ description: 'The destination security group (e.g. the Redis one) that needs the ingress rule.' }),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .optional()
      .meta({ description: 'Destination port (for icmp: the ICMP type). Required for tcp and udp.' }),
    protocol: protocolSchema,
  })
  .refine((spec) => (spec.fromSecurityGroups === undefined) !== (spec.from === undefined), {
    error: 'set exactly one of fromSecurityGroups or from: { cluster, service }',
  })
  .refine((spec) => spec.port !== undefined || !['tcp', 'udp'].includes(spec.protocol), {
    error: 'port is required for tcp and udp',
    path: ['port'],
  });

type Spec = z.output<typeof schema>;

interface Source {
  groups: string[];
  /** `ECS service api in cluster dev` when the groups came from a service. */
  label?: string;
}

export const sgIngress = defineCheck({
  type: 'sg-ingress',
  summary: 'A security group has an ingress rule letting the source groups (or an ECS service) in on a port.',
  schema,
  describe: (spec: Spec) =>
    `security group ${spec.toSecurityGroup} allows ${traffic(spec)} from ${
      spec.from ? `ECS service ${spec.from.service} in cluster ${spec.from.cluster}` : orList(spec.fromSecurityGroups ?? [])
    }`,
  explains: dependencyUnreachableEffects('the network path is blocked by a missing security-group rule'),
  async run(spec, ctx) {
    try {
      const source = await resolveSource(spec, ctx);
      const ingress = (await securityGroupRules(ctx, spec.toSecurityGroup)).filter(isIngress);
      return evaluate(spec, source, ingress);
    } catch (error) {
      if (error instanceof AttemptResultError) return error.result;
      throw error;
    }
  },
});

async function resolveSource(spec: Spec, ctx: CheckContext): Promise<Source> {
  if (!spec.from) return { groups: spec.fromSecurityGroups ?? [] };
  const { cluster, service } = spec.from;
  const groups = serviceSecurityGroups(await describeService(ctx, spec.from));
  const label = `ECS service ${service} in cluster ${cluster}`;
  if (groups.length === 0) {
    throw new AttemptResultError({
      outcome: 'error',
      message: `${label} has no awsvpc security groups (not awsvpc network mode?): list the source groups in fromSecurityGroups`,
      nextSteps: [`aws ecs describe-services --cluster ${cluster} --services ${service} --query 'services[0].networkConfiguration'`],
    });
  }
  return { groups, label };
}

function evaluate(spec: Spec, source: Source, ingress: SecurityGroupRule[]): AttemptResult {
  const covering = ingress.filter((rule) => ruleCovers(rule, spec.protocol, spec.port));
  const byGroup = covering.find((rule) => source.groups.includes(rule.ReferencedGroupInfo?.GroupId ?? ''));
  const byOpenCidr = covering.find((rule) => OPEN_CIDRS.has(rule.CidrIpv4 ?? rule.CidrIpv6 ?? ''));
  const matched = byGroup ?? byOpenCidr;
  const wanted = traffic(spec);
  const from = orList(source.groups);
  const present = ingress.length ? ingress.map(formatRule).join(', ') : 'none';
  const facts = {
    toSecurityGroup: spec.toSecurityGroup,
    port: spec.port,
    protocol: spec.protocol,
    fromSecurityGroups: source.groups,
    missingRule: !matched,
  };
  const details = {
    toSecurityGroup: spec.toSecurityGroup,
    fromSecurityGroups: source.groups,
    ...(source.label ? { source: source.label } : {}),
    ingressRules: ingress.map((rule) => ({ id: rule.SecurityGroupRuleId, rule: formatRule(rule), description: rule.Description })),
  };
  const expected = `a rule for ${wanted} from ${from} (or 0.0.0.0/0)`;

  if (matched) {
    const how = matched === byGroup ? `from ${ruleSource(matched)}` : `from anywhere (${ruleSource(matched)})`;
    const rule = `${matched.SecurityGroupRuleId}: ${formatRule(matched)}`;
    return {
      outcome: 'pass',
      message: `${spec.toSecurityGroup} allows ${wanted} ${how} (rule ${rule})`,
      observations: [{ what: `ingress on ${spec.toSecurityGroup}`, expected, actual: `rule ${rule}`, ok: true }],
      details: {
        ...details,
        matchedRule: {
          id: matched.SecurityGroupRuleId,
          protocol: normalizeProtocol(matched.IpProtocol),
          range: formatTraffic(matched.IpProtocol ?? '', matched.FromPort, matched.ToPort),
          source: ruleSource(matched),
          description: matched.Description,
        },
      },
      facts,
    };
  }

  const sourceGroup = source.groups[0] as string;
  return {
    outcome: 'fail',
    message: `no ingress rule on ${spec.toSecurityGroup} allows ${wanted} from ${from}${source.label ? ` (${source.label})` : ''} (rules present: ${present})`,
    observations: [{ what: `ingress on ${spec.toSecurityGroup}`, expected, actual: `no such rule; present: ${present}`, ok: false }],
    details,
    fix: {
      summary:
        `Add the missing ingress rule on ${spec.toSecurityGroup} (${wanted} from ${sourceGroup}): apply the Terraform rule that defines it, ` +
        `or run the command. With Terraform, target just that rule (terraform apply -target=<its aws_security_group_rule address>) ` +
        `so unrelated errors in the same apply cannot block it again; a rule added by hand drifts from Terraform until imported.`,
      command: authorizeCommand(spec, sourceGroup),
    },
    nextSteps: source.groups.map(
      (group) =>
        `aws ec2 describe-security-group-rules --filters "Name=group-id,Values=${spec.toSecurityGroup}" --query 'SecurityGroupRules[?ReferencedGroupInfo.GroupId==\`${group}\`]'`,
    ),
    facts,
  };
}

function traffic(spec: Pick<Spec, 'protocol' | 'port'>): string {
  return formatTraffic(spec.protocol, spec.port, spec.port);
}

function orList(groups: string[]): string {
  return groups.join(' or ');
}

function authorizeCommand(spec: Spec, sourceGroup: string): string {
  // The CLI documents `all` for every protocol (it also takes -1).
  const protocol = spec.protocol === '-1' ? 'all' : spec.protocol;
  const port = spec.protocol === '-1' ? '' : ` --port ${spec.port ?? -1}`;
  return `aws ec2 authorize-security-group-ingress --group-id ${spec.toSecurityGroup} --protocol ${protocol}${port} --source-group ${sourceGroup}`;
}
