/**
 * Security-group rules as the sg-ingress check reads them: fetched per group (all pages), and
 * matched against "protocol P, port N" the way EC2 evaluates them.
 */
import type { SecurityGroupRule } from '@aws-sdk/client-ec2';
import { AttemptResultError, type CheckContext } from '../types.js';
import { awsCall, ec2Client } from './aws.js';

/** `tcp`, `udp`, `icmp`, or `-1` (all traffic): the spellings EC2 uses in rules. */
export type RuleProtocol = 'tcp' | 'udp' | 'icmp' | '-1';

const PROTOCOL_NUMBERS: Record<string, RuleProtocol> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };

export function normalizeProtocol(protocol: string | number | undefined): string {
  const text = String(protocol ?? '').toLowerCase();
  return PROTOCOL_NUMBERS[text] ?? text;
}

/**
 * Every rule of `groupId` (ingress and egress). A filter on an unknown group id returns an empty
 * list instead of an error, so an empty answer is double-checked with DescribeSecurityGroups.
 */
export async function securityGroupRules(ctx: CheckContext, groupId: string): Promise<SecurityGroupRule[]> {
  const { DescribeSecurityGroupRulesCommand } = await import('@aws-sdk/client-ec2');
  const client = await ctx.clients.get(ec2Client);
  const rules: SecurityGroupRule[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall(ctx, 'ec2:DescribeSecurityGroupRules', (abortSignal) =>
      client.send(
        // No `is-egress` filter: moto answers it with HTTP 500, so egress is dropped client-side.
        new DescribeSecurityGroupRulesCommand({
          Filters: [{ Name: 'group-id', Values: [groupId] }],
          MaxResults: 1000,
          NextToken: nextToken,
        }),
        { abortSignal },
      ),
    ).catch((error: unknown) => rethrowGroupNotFound(error, groupId));
    rules.push(...(page.SecurityGroupRules ?? []));
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  if (rules.length === 0) await assertGroupExists(ctx, groupId);
  return rules;
}

async function assertGroupExists(ctx: CheckContext, groupId: string): Promise<void> {
  const { DescribeSecurityGroupsCommand } = await import('@aws-sdk/client-ec2');
  const client = await ctx.clients.get(ec2Client);
  await awsCall(ctx, 'ec2:DescribeSecurityGroups', (abortSignal) =>
    client.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }), { abortSignal }),
  ).catch((error: unknown) => rethrowGroupNotFound(error, groupId));
}

const NOT_FOUND = new Set(['InvalidGroup.NotFound', 'InvalidGroupId.NotFound', 'InvalidGroupId.Malformed']);

function rethrowGroupNotFound(error: unknown, groupId: string): never {
  const awsError = error instanceof AttemptResultError ? error.result.details?.awsError : undefined;
  if (typeof awsError === 'string' && NOT_FOUND.has(awsError)) {
    throw new AttemptResultError({
      outcome: 'fail',
      message: `security group ${groupId} does not exist (${awsError})`,
      observations: [{ what: `security group ${groupId}`, expected: 'exists', actual: awsError, ok: false }],
      nextSteps: [`aws ec2 describe-security-groups --group-ids ${groupId}`],
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
