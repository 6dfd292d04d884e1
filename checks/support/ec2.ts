/**
 * Security-group rules as the sg-ingress check reads them: fetched per group (all pages), and
 * matched against "protocol P, port N" the way EC2 evaluates them.
 */
import type { SecurityGroupRule } from '@aws-sdk/client-ec2';
import { AttemptResultError, type CheckContext } from '../types.js';
import { awsCall, clientRegion, ec2Client, unexpectedResponseResult, type ResponseShape } from './aws.js';

/** `tcp`, `udp`, `icmp`, or `-1` (all traffic): the spellings EC2 uses in rules. */
export type RuleProtocol = 'tcp' | 'udp' | 'icmp' | '-1';

const PROTOCOL_NUMBERS: Record<string, RuleProtocol> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };

export function normalizeProtocol(protocol: string | number | undefined): string {
  const text = String(protocol ?? '').toLowerCase();
  return PROTOCOL_NUMBERS[text] ?? text;
}

/**
 * What DescribeSecurityGroupRules always returns: `SecurityGroupRules` (an empty list when the
 * filter matches nothing: EC2 sends an empty `securityGroupRuleSet`, which the SDK reads as []),
 * each rule with its id, group, direction and protocol.
 */
export const DESCRIBE_SECURITY_GROUP_RULES_SHAPE: ResponseShape = {
  SecurityGroupRules: 'array',
  'SecurityGroupRules[].SecurityGroupRuleId': 'string',
  'SecurityGroupRules[].GroupId': 'string',
  'SecurityGroupRules[].IsEgress': 'boolean',
  'SecurityGroupRules[].IpProtocol': 'string',
};

/** What DescribeSecurityGroups always returns: `SecurityGroups`, each with its id and (possibly empty) `IpPermissions`. */
export const DESCRIBE_SECURITY_GROUPS_SHAPE: ResponseShape = {
  SecurityGroups: 'array',
  'SecurityGroups[].GroupId': 'string',
  'SecurityGroups[].IpPermissions': 'array',
};

/**
 * Every rule of `groupId` (ingress and egress), all pages (ec2:DescribeSecurityGroupRules). A
 * filter on an unknown group id returns an empty list instead of an error, so an empty answer is
 * double-checked with DescribeSecurityGroups.
 * @throws AttemptResultError: `fail` when the group does not exist; `error` for a response without
 *   the fields EC2 always returns (never read as "no rules").
 */
export async function securityGroupRules(ctx: CheckContext, groupId: string): Promise<SecurityGroupRule[]> {
  const { DescribeSecurityGroupRulesCommand } = await import('@aws-sdk/client-ec2');
  const client = await ctx.clients.get(ec2Client);
  const rules: SecurityGroupRule[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall(
      ctx,
      'ec2:DescribeSecurityGroupRules',
      (abortSignal) =>
        client.send(
          // No `is-egress` filter: moto answers it with HTTP 500, so egress is dropped client-side.
          new DescribeSecurityGroupRulesCommand({
            Filters: [{ Name: 'group-id', Values: [groupId] }],
            MaxResults: 1000,
            NextToken: nextToken,
          }),
          { abortSignal },
        ),
      DESCRIBE_SECURITY_GROUP_RULES_SHAPE,
    ).catch((error: unknown) => rethrowGroupNotFound(ctx, error, groupId));
    rules.push(...(page.SecurityGroupRules ?? []));
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  if (rules.length === 0) await assertGroupExists(ctx, groupId);
  return rules;
}

async function assertGroupExists(ctx: CheckContext, groupId: string): Promise<void> {
  const { DescribeSecurityGroupsCommand } = await import('@aws-sdk/client-ec2');
  const client = await ctx.clients.get(ec2Client);
  const action = 'ec2:DescribeSecurityGroups';
  const out = await awsCall(
    ctx,
    action,
    (abortSignal) => client.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }), { abortSignal }),
    DESCRIBE_SECURITY_GROUPS_SHAPE,
  ).catch((error: unknown) => rethrowGroupNotFound(ctx, error, groupId));
  // EC2 answers an unknown id with InvalidGroup.NotFound, never with an empty list.
  if (!out.SecurityGroups?.some((group) => group.GroupId === groupId)) {
    throw new AttemptResultError(unexpectedResponseResult(action, [`SecurityGroups does not include ${groupId}`]));
  }
}

const NOT_FOUND = new Set(['InvalidGroup.NotFound', 'InvalidGroupId.NotFound', 'InvalidGroupId.Malformed']);

async function rethrowGroupNotFound(ctx: CheckContext, error: unknown, groupId: string): Promise<never> {
  const awsError = error instanceof AttemptResultError ? error.result.details?.awsError : undefined;
  if (typeof awsError === 'string' && NOT_FOUND.has(awsError)) {
    const region = await clientRegion(await ctx.clients.get(ec2Client));
    throw new AttemptResultError({
      outcome: 'fail',
      message: `security group ${groupId} does not exist in region ${region} (${awsError})`,
      observations: [{ what: `security group ${groupId}`, expected: 'exists', actual: awsError, ok: false }],
      nextSteps: [`aws ec2 describe-security-groups --group-ids ${groupId} --region ${region}`],
      facts: { toSecurityGroup: groupId, region },
    });
  }
  throw error;
}

export function isIngress(rule: SecurityGroupRule): boolean {
  return rule.IsEgress !== true;
}

/** Whether `rule` lets `protocol` traffic to `port` through (port undefined: any port/ICMP type). */
export function ruleCovers(rule: SecurityGroupRule, protocol: RuleProtocol, port: number | undefined): boolean {
  const ruleProtocol = normalizeProtocol(rule.IpProtocol);
  if (ruleProtocol === '-1') return true;
  if (ruleProtocol !== protocol) return false;
  if (port === undefined || protocol === '-1') return true;
  const from = rule.FromPort ?? -1;
  const to = rule.ToPort ?? -1;
  // For ICMP, FromPort is the ICMP type and -1 means every type.
  if (protocol === 'icmp') return from === -1 || from === port;
  if (from === -1 && to === -1) return true;
  return from <= port && port <= to;
}

export const OPEN_CIDRS = new Set(['0.0.0.0/0', '::/0']);

/** Where a rule lets traffic in from: a group id, a CIDR, or a prefix list. */
export function ruleSource(rule: SecurityGroupRule): string {
  return rule.ReferencedGroupInfo?.GroupId ?? rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? 'unknown source';
}

/** `tcp/6379`, `tcp/6000-7000`, `icmp/8`, `all traffic` — the traffic part of a rule. */
export function formatTraffic(protocol: string, from?: number, to?: number): string {
  const name = normalizeProtocol(protocol);
  if (name === '-1') return 'all traffic';
  if (from === undefined || from === -1) return `${name}/all`;
  if (to === undefined || to === from || (name === 'icmp' && to === -1)) return `${name}/${from}`;
  return `${name}/${from}-${to}`;
}

/** `tcp/6379 from sg-0e61190afc2502b10`. */
export function formatRule(rule: SecurityGroupRule): string {
  return `${formatTraffic(rule.IpProtocol ?? '', rule.FromPort, rule.ToPort)} from ${ruleSource(rule)}`;
}

/** What DescribeSubnets always returns: `Subnets`, each with its id and IPv4 CIDR block. */
export const DESCRIBE_SUBNETS_SHAPE: ResponseShape = {
  Subnets: 'array',
  'Subnets[].SubnetId': 'string',
  'Subnets[].CidrBlock': 'string',
};

export interface SubnetCidr {
  subnetId: string;
  /** The subnet's IPv4 CIDR block, e.g. `10.0.1.0/24`. */
  cidr: string;
}

/**
 * The IPv4 CIDR block of each subnet (ec2:DescribeSubnets), in the order asked.
 * @throws AttemptResultError: `error` for an AWS error (an unknown subnet id is InvalidSubnetID.NotFound)
 *   or an answer that lacks a subnet asked for.
 */
export async function subnetCidrs(ctx: CheckContext, subnetIds: readonly string[]): Promise<SubnetCidr[]> {
  if (subnetIds.length === 0) return [];
  const { DescribeSubnetsCommand } = await import('@aws-sdk/client-ec2');
  const client = await ctx.clients.get(ec2Client);
  const action = 'ec2:DescribeSubnets';
  const out = await awsCall(ctx, action, (abortSignal) => client.send(new DescribeSubnetsCommand({ SubnetIds: [...subnetIds] }), { abortSignal }), DESCRIBE_SUBNETS_SHAPE);
  const byId = new Map((out.Subnets ?? []).map((s) => [s.SubnetId!, s.CidrBlock!]));
  const missing = subnetIds.filter((id) => !byId.has(id));
  if (missing.length) throw new AttemptResultError(unexpectedResponseResult(action, [`Subnets does not include ${missing.join(', ')}`]));
  return subnetIds.map((subnetId) => ({ subnetId, cidr: byId.get(subnetId)! }));
}

/** `10.0.1.0/24` → [network as uint32, prefix length]; undefined for anything that is not an IPv4 CIDR. */
export function parseIpv4Cidr(cidr: string): [number, number] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((sum, o) => sum * 256 + o, 0);
  return [address, prefix];
}

/** Whether every address of `inner` lies in `outer` (both IPv4 CIDRs): `10.0.0.0/16` covers `10.0.1.0/24`. Pure. */
export function cidrCovers(outer: string, inner: string): boolean {
  const a = parseIpv4Cidr(outer);
  const b = parseIpv4Cidr(inner);
  if (!a || !b || a[1] > b[1]) return false;
  const size = 2 ** (32 - a[1]);
  return Math.floor(a[0] / size) === Math.floor(b[0] / size);
}
