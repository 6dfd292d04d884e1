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
  cidrCovers,
  subnetCidrs,
  formatRule,
  formatTraffic,
  isIngress,
  normalizeProtocol,
  ruleCovers,
  ruleSource,
  securityGroupRules,
  type RuleProtocol,
  type SubnetCidr,
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
    toSecurityGroup: securityGroupId
      .optional()
      .meta({ description: 'The destination security group (e.g. the Redis one) that needs the ingress rule. Use this or `toSecurityGroups`.' }),
    toSecurityGroups: z
      .array(securityGroupId)
      .min(1)
      .optional()
      .meta({ description: 'Destination security groups (e.g. all groups of an RDS instance): traffic counts when any one of them lets it in. Use this or `toSecurityGroup`.' }),
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
  .refine((spec) => (spec.toSecurityGroup === undefined) !== (spec.toSecurityGroups === undefined), {
    error: 'set exactly one of toSecurityGroup or toSecurityGroups',
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
  /** The service's awsvpc subnets (with `from`): a CIDR rule covering all of them lets the tasks in. */
  subnets?: string[];
}

/** The destination groups, in the order given. */
function destinations(spec: Spec): string[] {
  return spec.toSecurityGroups ?? [spec.toSecurityGroup as string];
}

export const sgIngress = defineCheck({
  type: 'sg-ingress',
  summary: 'A security group has an ingress rule letting the source groups (or an ECS service) in on a port.',
  schema,
  evidence: 'state',
  describe: (spec: Spec) =>
    `security group ${orList(destinations(spec))} allows ${traffic(spec)} from ${
      spec.from ? `ECS service ${spec.from.service} in cluster ${spec.from.cluster}` : orList(spec.fromSecurityGroups ?? [])
    }`,
  explains: dependencyUnreachableEffects('the network path is blocked by a missing security-group rule'),
  async run(spec, ctx) {
    try {
      const source = await resolveSource(spec, ctx);
      const failures: AttemptResult[] = [];
      let subnets: Promise<SubnetCidr[]> | undefined;
      for (const group of destinations(spec)) {
        const ingress = (await securityGroupRules(ctx, group)).filter(isIngress);
        // The subnets are read only when a narrower CIDR rule could be what lets the tasks in.
        const needSubnets = source.subnets?.length && !matchByGroupOrOpen(spec, source, ingress) && ingress.some((r) => r.CidrIpv4 && ruleCovers(r, spec.protocol, spec.port));
        const cidrs = needSubnets ? await (subnets ??= subnetCidrs(ctx, source.subnets!)) : undefined;
        const result = evaluate(spec, group, source, ingress, cidrs);
        if (result.outcome === 'pass') return result;
        failures.push(result);
      }
      return combineFailures(spec, failures);
    } catch (error) {
      if (error instanceof AttemptResultError) return error.result;
      throw error;
    }
  },
});

async function resolveSource(spec: Spec, ctx: CheckContext): Promise<Source> {
  if (!spec.from) return { groups: spec.fromSecurityGroups ?? [] };
  const { cluster, service } = spec.from;
  const described = await describeService(ctx, spec.from);
  const groups = serviceSecurityGroups(described);
  const label = `ECS service ${service} in cluster ${cluster}`;
  if (groups.length === 0) {
    throw new AttemptResultError({
      outcome: 'error',
      message: `${label} has no awsvpc security groups (not awsvpc network mode?): list the source groups in fromSecurityGroups`,
      nextSteps: [`aws ecs describe-services --cluster ${cluster} --services ${service} --query 'services[0].networkConfiguration'`],
    });
  }
  return { groups, label, subnets: described.networkConfiguration?.awsvpcConfiguration?.subnets ?? [] };
}

function matchByGroupOrOpen(spec: Spec, source: Source, ingress: SecurityGroupRule[]): SecurityGroupRule | undefined {
  const covering = ingress.filter((rule) => ruleCovers(rule, spec.protocol, spec.port));
  return (
    covering.find((rule) => source.groups.includes(rule.ReferencedGroupInfo?.GroupId ?? '')) ??
    covering.find((rule) => OPEN_CIDRS.has(rule.CidrIpv4 ?? rule.CidrIpv6 ?? ''))
  );
}

interface SubnetCoverage {
  /** The CIDR rules that cover at least one subnet. */
  rules: SecurityGroupRule[];
  covered: SubnetCidr[];
  uncovered: SubnetCidr[];
}

/** Which of the service's subnets the port's IPv4 CIDR rules cover (every task address lies in its subnet). */
function subnetCoverage(spec: Spec, ingress: SecurityGroupRule[], subnets: SubnetCidr[]): SubnetCoverage {
  const cidrRules = ingress.filter((rule) => rule.CidrIpv4 && ruleCovers(rule, spec.protocol, spec.port));
  const ruleFor = (subnet: SubnetCidr) => cidrRules.find((rule) => cidrCovers(rule.CidrIpv4!, subnet.cidr));
  const covered = subnets.filter((s) => ruleFor(s));
  return {
    rules: [...new Set(covered.map((s) => ruleFor(s)!))],
    covered,
    uncovered: subnets.filter((s) => !ruleFor(s)),
  };
}

const subnetList = (subnets: SubnetCidr[]) => subnets.map((s) => `${s.subnetId} ${s.cidr}`).join(', ');

/** One destination group's failure, or all of them joined (traffic needed only one group to let it in). */
function combineFailures(spec: Spec, failures: AttemptResult[]): AttemptResult {
  const first = failures[0] as AttemptResult;
  if (failures.length === 1 || failures.some((f) => f.outcome !== 'fail' || !f.facts?.missingRule)) return failures.find((f) => f.outcome !== 'fail') ?? first;
  return {
    ...first,
    message: failures.map((f) => f.message).join('; '),
    observations: failures.flatMap((f) => f.observations ?? []),
    nextSteps: failures.flatMap((f) => f.nextSteps ?? []),
    facts: { ...first.facts, toSecurityGroups: destinations(spec) },
  };
}

/** The verdict for one destination group. Long: it states the pass and the fail with all their parts. */
function evaluate(spec: Spec, group: string, source: Source, ingress: SecurityGroupRule[], subnets?: SubnetCidr[]): AttemptResult {
  const covering = ingress.filter((rule) => ruleCovers(rule, spec.protocol, spec.port));
  const byGroup = covering.find((rule) => source.groups.includes(rule.ReferencedGroupInfo?.GroupId ?? ''));
  const byOpenCidr = covering.find((rule) => OPEN_CIDRS.has(rule.CidrIpv4 ?? rule.CidrIpv6 ?? ''));
  const coverage = subnets?.length ? subnetCoverage(spec, ingress, subnets) : undefined;
  const bySubnets = coverage && coverage.uncovered.length === 0 ? coverage.rules[0] : undefined;
  const matched = byGroup ?? byOpenCidr ?? bySubnets;
  const wanted = traffic(spec);
  const from = orList(source.groups);
  const present = ingress.length ? ingress.map(formatRule).join(', ') : 'none';
  const facts = {
    toSecurityGroup: group,
    port: spec.port,
    protocol: spec.protocol,
    fromSecurityGroups: source.groups,
    missingRule: !matched,
  };
  const details = {
    toSecurityGroup: group,
    fromSecurityGroups: source.groups,
    ...(source.label ? { source: source.label } : {}),
    ...(subnets ? { subnets } : {}),
    ingressRules: ingress.map((rule) => ({ id: rule.SecurityGroupRuleId, rule: formatRule(rule), description: rule.Description })),
  };
  const expected = `a rule for ${wanted} from ${from} (or 0.0.0.0/0${source.subnets?.length ? ", or CIDRs covering the service's subnets" : ''})`;

  if (matched) {
    const how =
      matched === byGroup
        ? `from ${ruleSource(matched)}`
        : matched === byOpenCidr
          ? `from anywhere (${ruleSource(matched)})`
          : `from ${coverage!.rules.map(ruleSource).join(', ')}, which covers the service's subnets (${subnetList(coverage!.covered)})`;
    const rule = `${matched.SecurityGroupRuleId}: ${formatRule(matched)}`;
    return {
      outcome: 'pass',
      message: `${group} allows ${wanted} ${how} (rule ${rule})`,
      observations: [{ what: `ingress on ${group}`, expected, actual: `rule ${rule}`, ok: true }],
      details: {
        ...details,
        matchedRule: {
          id: matched.SecurityGroupRuleId,
          protocol: normalizeProtocol(matched.IpProtocol),
          range: formatTraffic(matched.IpProtocol ?? '', matched.FromPort, matched.ToPort),
          source: ruleSource(matched),
          description: matched.Description,
        },
        ...(matched === bySubnets ? { coveredSubnets: coverage!.covered } : {}),
      },
      facts,
    };
  }

  const sourceGroup = source.groups[0] as string;
  const partly = coverage?.covered.length
    ? `; CIDR rules cover ${subnetList(coverage.covered)} but not ${subnetList(coverage.uncovered)}`
    : '';
  return {
    outcome: 'fail',
    message: `no ingress rule on ${group} allows ${wanted} from ${from}${source.label ? ` (${source.label})` : ''} (rules present: ${present})${partly}`,
    observations: [{ what: `ingress on ${group}`, expected, actual: `no such rule; present: ${present}`, ok: false }],
    details,
    fix: {
      summary:
        `Add the missing ingress rule on ${group} (${wanted} from ${sourceGroup}): apply the Terraform rule that defines it, ` +
        `or run the command. With Terraform, target just that rule (terraform apply -target=<its aws_security_group_rule address>) ` +
        `so unrelated errors in the same apply cannot block it again; a rule added by hand drifts from Terraform until imported.`,
      command: authorizeCommand(spec, group, sourceGroup),
    },
    nextSteps: source.groups.map(
      (sourceId) =>
        `aws ec2 describe-security-group-rules --filters "Name=group-id,Values=${group}" --query 'SecurityGroupRules[?ReferencedGroupInfo.GroupId==\`${sourceId}\`]'`,
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

function authorizeCommand(spec: Spec, group: string, sourceGroup: string): string {
  // The CLI documents `all` for every protocol (it also takes -1).
  const protocol = spec.protocol === '-1' ? 'all' : spec.protocol;
  const port = spec.protocol === '-1' ? '' : ` --port ${spec.port ?? -1}`;
  return `aws ec2 authorize-security-group-ingress --group-id ${group} --protocol ${protocol}${port} --source-group ${sourceGroup}`;
}
