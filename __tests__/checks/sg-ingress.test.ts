import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { sgIngress } from '../../checks/sg-ingress.js';
import { fakeContext } from '../support/context.js';
import { useClientPool } from '../support/clients.js';

// The incident's groups: Redis, the API service's new group, the old ECS tasks group.
const REDIS_SG = 'sg-0454e74e2924a7754';
const API_SG = 'sg-0864e6f6aee2a5cf4';
const OLD_SG = 'sg-0e61190afc2502b10';

const ec2 = mockClient(EC2Client);
const ecs = mockClient(ECSClient);
const aws = useClientPool();

beforeEach(() => {
  ec2.reset();
  ecs.reset();
});

function fromGroup(id: string, protocol: string, from: number, to: number, source: string, isEgress = false): SecurityGroupRule {
  return { SecurityGroupRuleId: id, GroupId: REDIS_SG, IsEgress: isEgress, IpProtocol: protocol, FromPort: from, ToPort: to, ReferencedGroupInfo: { GroupId: source } };
}
function fromCidr(id: string, protocol: string, from: number, to: number, cidr: string, isEgress = false): SecurityGroupRule {
  const range = cidr.includes(':') ? { CidrIpv6: cidr } : { CidrIpv4: cidr };
  return { SecurityGroupRuleId: id, GroupId: REDIS_SG, IsEgress: isEgress, IpProtocol: protocol, FromPort: from, ToPort: to, ...range };
}
const defaultEgress = fromCidr('sgr-egress', '-1', -1, -1, '0.0.0.0/0', true);

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name}: simulated`), { name, $metadata: { httpStatusCode: status } });
}

function spec(overrides: Record<string, unknown> = {}) {
  return sgIngress.schema.parse({ fromSecurityGroups: [API_SG], toSecurityGroup: REDIS_SG, port: 6379, ...overrides });
}

function run(overrides: Record<string, unknown> = {}, signal?: AbortSignal) {
  return sgIngress.run(spec(overrides), fakeContext({ clients: aws.pool, ...(signal ? { signal } : {}) }));
}

function givenRules(rules: SecurityGroupRule[]) {
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: rules });
}

describe('sg-ingress schema', () => {
  it.each([
    ['protocol defaults to tcp', { port: 6379 }, 'tcp'],
    ['"all" means every protocol', { protocol: 'all' }, '-1'],
    ['-1 read by YAML as a number', { protocol: -1 }, '-1'],
    ['"-1" as a string', { protocol: '-1' }, '-1'],
    ['udp', { protocol: 'udp', port: 53 }, 'udp'],
    ['icmp without a port', { protocol: 'icmp' }, 'icmp'],
  ])('%s', (_label, input, protocol) => {
    const parsed = sgIngress.schema.parse({ fromSecurityGroups: [API_SG], toSecurityGroup: REDIS_SG, ...input });
    expect(parsed.protocol).toBe(protocol);
  });

  it.each([
    ['both sources', { fromSecurityGroups: [API_SG], from: { cluster: 'c', service: 's' }, toSecurityGroup: REDIS_SG, port: 1 }, 'exactly one'],
    ['no source', { toSecurityGroup: REDIS_SG, port: 1 }, 'exactly one'],
    ['tcp without port', { fromSecurityGroups: [API_SG], toSecurityGroup: REDIS_SG }, 'port is required'],
    ['not a group id', { fromSecurityGroups: ['redis'], toSecurityGroup: REDIS_SG, port: 1 }, 'expected a security group id'],
    ['unknown protocol', { fromSecurityGroups: [API_SG], toSecurityGroup: REDIS_SG, port: 1, protocol: 'sctp' }, ''],
    ['port out of range', { fromSecurityGroups: [API_SG], toSecurityGroup: REDIS_SG, port: 70000 }, ''],
    ['unknown key', { fromSecurityGroups: [API_SG], toSecurityGroup: REDIS_SG, port: 1, ports: 2 }, 'ports'],
  ])('rejects %s', (_label, input, text) => {
    const result = sgIngress.schema.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(text);
  });

  it('describes the check with the groups and traffic', () => {
    expect(sgIngress.describe(spec())).toBe(`security group ${REDIS_SG} allows tcp/6379 from ${API_SG}`);
    expect(sgIngress.describe(spec({ fromSecurityGroups: undefined, from: { cluster: 'dev', service: 'api' } }))).toBe(
      `security group ${REDIS_SG} allows tcp/6379 from ECS service api in cluster dev`,
    );
  });
});

describe('sg-ingress matching', () => {
  it.each([
    ['a group reference on the exact port', [fromGroup('sgr-1', 'tcp', 6379, 6379, API_SG)], {}, 'sgr-1', `from ${API_SG}`],
    ['0.0.0.0/0', [fromCidr('sgr-2', 'tcp', 6379, 6379, '0.0.0.0/0')], {}, 'sgr-2', 'from anywhere (0.0.0.0/0)'],
    ['::/0', [fromCidr('sgr-3', 'tcp', 6379, 6379, '::/0')], {}, 'sgr-3', 'from anywhere (::/0)'],
    ['a port range covering the port', [fromGroup('sgr-4', 'tcp', 6000, 7000, API_SG)], {}, 'sgr-4', 'tcp/6000-7000'],
    ['protocol -1 (all traffic)', [fromGroup('sgr-5', '-1', -1, -1, API_SG)], {}, 'sgr-5', 'all traffic'],
    ['protocol number 6 for tcp', [fromGroup('sgr-6', '6', 6379, 6379, API_SG)], {}, 'sgr-6', `from ${API_SG}`],
    ['udp on udp', [fromGroup('sgr-7', 'udp', 53, 53, API_SG)], { protocol: 'udp', port: 53 }, 'sgr-7', 'udp/53'],
    ['icmp: all types', [fromGroup('sgr-8', 'icmp', -1, -1, API_SG)], { protocol: 'icmp', port: 8 }, 'sgr-8', 'icmp/all'],
    ['asking for all traffic, rule allows all', [fromGroup('sgr-9', '-1', -1, -1, API_SG)], { protocol: 'all', port: undefined }, 'sgr-9', 'all traffic'],
  ])('passes on %s and names the rule', async (_label, rules, overrides, ruleId, text) => {
    givenRules([defaultEgress, ...rules]);
    const result = await run(overrides);
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain(`rule ${ruleId}`);
    expect(result.message).toContain(text);
    expect(result.details?.matchedRule).toMatchObject({ id: ruleId });
    expect(result.facts).toMatchObject({ toSecurityGroup: REDIS_SG, missingRule: false });
  });

  it('prefers the group reference when both it and 0.0.0.0/0 match', async () => {
    givenRules([fromCidr('sgr-open', 'tcp', 0, 65535, '0.0.0.0/0'), fromGroup('sgr-ref', 'tcp', 6379, 6379, API_SG)]);
    const result = await run();
    expect(result.details?.matchedRule).toMatchObject({ id: 'sgr-ref', source: API_SG });
  });

  it.each([
    ['the wrong port', [fromGroup('sgr-1', 'tcp', 5432, 5432, API_SG)], {}, `tcp/5432 from ${API_SG}`],
    ['a range that ends below the port', [fromGroup('sgr-1', 'tcp', 6000, 6378, API_SG)], {}, `tcp/6000-6378 from ${API_SG}`],
    ['udp when tcp is needed', [fromGroup('sgr-1', 'udp', 6379, 6379, API_SG)], {}, `udp/6379 from ${API_SG}`],
    ['an egress-only rule', [fromGroup('sgr-1', 'tcp', 6379, 6379, API_SG, true)], {}, 'none'],
    ['a private CIDR (not 0.0.0.0/0)', [fromCidr('sgr-1', 'tcp', 6379, 6379, '10.0.0.0/16')], {}, 'tcp/6379 from 10.0.0.0/16'],
    ['icmp type 0 when type 8 is needed', [fromGroup('sgr-1', 'icmp', 0, -1, API_SG)], { protocol: 'icmp', port: 8 }, `icmp/0 from ${API_SG}`],
  ])('fails on %s and lists what is there', async (_label, rules, overrides, present) => {
    givenRules([defaultEgress, ...rules]);
    const result = await run(overrides);
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`(rules present: ${present})`);
    expect(result.facts).toMatchObject({ missingRule: true });
  });

  it('fails on the incident (rule from the old group only) with the exact fix command', async () => {
    givenRules([defaultEgress, fromGroup('sgr-old', 'tcp', 6379, 6379, OLD_SG)]);
    const result = await run();
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(`no ingress rule on ${REDIS_SG} allows tcp/6379 from ${API_SG} (rules present: tcp/6379 from ${OLD_SG})`);
    expect(result.fix?.command).toBe(
      `aws ec2 authorize-security-group-ingress --group-id ${REDIS_SG} --protocol tcp --port 6379 --source-group ${API_SG}`,
    );
    expect(result.fix?.summary).toContain('apply the Terraform rule that defines it, or run the command');
    expect(result.fix?.summary).toContain('terraform apply -target=');
    expect(result.nextSteps).toEqual([
      `aws ec2 describe-security-group-rules --filters "Name=group-id,Values=${REDIS_SG}" --query 'SecurityGroupRules[?ReferencedGroupInfo.GroupId==\`${API_SG}\`]'`,
    ]);
    expect(result.facts).toEqual({ toSecurityGroup: REDIS_SG, port: 6379, protocol: 'tcp', fromSecurityGroups: [API_SG], missingRule: true });
    expect(result.observations?.[0]).toMatchObject({ ok: false });
  });

  it('omits --port from the fix for all traffic', async () => {
    givenRules([defaultEgress]);
    const result = await run({ protocol: -1, port: undefined });
    expect(result.fix?.command).toBe(`aws ec2 authorize-security-group-ingress --group-id ${REDIS_SG} --protocol all --source-group ${API_SG}`);
  });

  it('reads every page of rules', async () => {
    ec2
      .on(DescribeSecurityGroupRulesCommand)
      .resolvesOnce({ SecurityGroupRules: [defaultEgress, fromGroup('sgr-old', 'tcp', 6379, 6379, OLD_SG)], NextToken: 'page-2' })
      .resolvesOnce({ SecurityGroupRules: [fromGroup('sgr-new', 'tcp', 6379, 6379, API_SG)] });
    const result = await run();
    expect(result.outcome).toBe('pass');
    expect(result.details?.matchedRule).toMatchObject({ id: 'sgr-new' });
    const calls = ec2.commandCalls(DescribeSecurityGroupRulesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input.Filters).toEqual([{ Name: 'group-id', Values: [REDIS_SG] }]);
    expect(calls[1]?.args[0].input.NextToken).toBe('page-2');
  });
});

describe('sg-ingress from an ECS service', () => {
  const service = (securityGroups: string[]) => ({
    serviceName: 'hokusai-api-development',
    status: 'ACTIVE',
    desiredCount: 1,
    runningCount: 1,
    deployments: [],
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-08cb7663096ac0017'], securityGroups } },
  });
  const fromService = { fromSecurityGroups: undefined, from: { cluster: 'hokusai-development', service: 'hokusai-api-development' } };

  it('uses the service awsvpc groups as the source', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service(['sg-0aaaaaaaaaaaaaaaa', API_SG])], failures: [] });
    givenRules([fromGroup('sgr-1', 'tcp', 6379, 6379, API_SG)]);
    const result = await run(fromService);
    expect(result.outcome).toBe('pass');
    expect(result.facts?.fromSecurityGroups).toEqual(['sg-0aaaaaaaaaaaaaaaa', API_SG]);
    expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
      cluster: 'hokusai-development',
      services: ['hokusai-api-development'],
    });
  });

  it('names the service when its groups are not allowed', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service([API_SG])], failures: [] });
    givenRules([fromGroup('sgr-old', 'tcp', 6379, 6379, OLD_SG)]);
    const result = await run(fromService);
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`from ${API_SG} (ECS service hokusai-api-development in cluster hokusai-development)`);
    expect(result.fix?.command).toContain(`--source-group ${API_SG}`);
  });

  it('fails when the service does not exist', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ reason: 'MISSING' }] });
    const result = await run(fromService);
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('hokusai-api-development not found');
    expect(ec2.calls()).toHaveLength(0);
  });

  it('errors when the service has no awsvpc groups', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service([])], failures: [] });
    const result = await run(fromService);
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('fromSecurityGroups');
  });
});

describe('sg-ingress AWS errors', () => {
  it.each(['InvalidGroup.NotFound', 'InvalidGroupId.Malformed'])('fails naming the group on %s', async (name) => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError(name));
    const result = await run();
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(`security group ${REDIS_SG} does not exist in region us-east-1 (${name})`);
  });

  it('fails when the rules filter comes back empty and the group does not exist', async () => {
    givenRules([]);
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('InvalidGroup.NotFound'));
    const result = await run();
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`security group ${REDIS_SG} does not exist`);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input).toEqual({ GroupIds: [REDIS_SG] });
  });

  it('reports "none" when the group exists with no rules at all', async () => {
    givenRules([]);
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: REDIS_SG, IpPermissions: [] }] });
    const result = await run();
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('(rules present: none)');
  });

  it('is an error naming ec2:DescribeSecurityGroupRules on AccessDenied', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('UnauthorizedOperation', 403));
    const result = await run();
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('ec2:DescribeSecurityGroupRules');
  });

  it('retries when throttled', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).rejects(awsError('RequestLimitExceeded', 503));
    const result = await run();
    expect(result.outcome).toBe('retry');
    expect(result.message).toContain('throttled');
  });

  it('lets an abort propagate instead of reporting it', async () => {
    const controller = new AbortController();
    const abortError = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    ec2.on(DescribeSecurityGroupRulesCommand).callsFake(() => {
      controller.abort();
      throw abortError;
    });
    await expect(run({}, controller.signal)).rejects.toBe(abortError);
  });
});
