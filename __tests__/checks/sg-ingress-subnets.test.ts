/**
 * sg-ingress, issue #10 additions: a CIDR rule that covers every subnet of the source service lets
 * its tasks in (DescribeSubnets is read only when such a rule could decide), and several
 * destination groups (toSecurityGroups) pass when any one of them lets the traffic in.
 */
import { describe, it, expect, beforeEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeSecurityGroupRulesCommand, DescribeSubnetsCommand, EC2Client, type SecurityGroupRule } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { sgIngress } from '../../checks/sg-ingress.js';
import { useClientPool } from '../support/clients.js';
import { fakeContext } from '../support/context.js';

const REDIS_SG = 'sg-0454e74e2924a7754';
const OTHER_SG = 'sg-0aaaaaaaaaaaaaaaa';
const API_SG = 'sg-0864e6f6aee2a5cf4';
const SUBNET_A = 'subnet-0aaaaaaaaaaaaaaa1';
const SUBNET_B = 'subnet-0bbbbbbbbbbbbbbb2';

const ec2 = mockClient(EC2Client);
const ecs = mockClient(ECSClient);
const aws = useClientPool();

beforeEach(() => {
  ec2.reset();
  ecs.reset();
});

const cidrRule = (id: string, cidr: string, group = REDIS_SG, port = 6379): SecurityGroupRule => ({
  SecurityGroupRuleId: id,
  GroupId: group,
  IsEgress: false,
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  CidrIpv4: cidr,
});
const groupRule = (id: string, source: string, group = REDIS_SG): SecurityGroupRule => ({
  SecurityGroupRuleId: id,
  GroupId: group,
  IsEgress: false,
  IpProtocol: 'tcp',
  FromPort: 6379,
  ToPort: 6379,
  ReferencedGroupInfo: { GroupId: source },
});

function givenService(subnets: string[]) {
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'api',
        status: 'ACTIVE',
        desiredCount: 1,
        runningCount: 1,
        deployments: [],
        networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [API_SG] } },
      },
    ],
    failures: [],
  });
}
function givenSubnets(subnets: Record<string, string>) {
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: Object.entries(subnets).map(([SubnetId, CidrBlock]) => ({ SubnetId, CidrBlock })) });
}
function givenRules(byGroup: Record<string, SecurityGroupRule[]>) {
  for (const [group, rules] of Object.entries(byGroup)) {
    ec2.on(DescribeSecurityGroupRulesCommand, { Filters: [{ Name: 'group-id', Values: [group] }] }).resolves({ SecurityGroupRules: rules });
  }
}

const run = (spec: Record<string, unknown>) =>
  sgIngress.run(sgIngress.schema.parse({ from: { cluster: 'dev', service: 'api' }, port: 6379, ...spec }), fakeContext({ clients: aws.pool }));

describe('sg-ingress: a CIDR rule covering the service subnets', () => {
  it('passes and says which rule covers which subnets', async () => {
    givenService([SUBNET_A, SUBNET_B]);
    givenSubnets({ [SUBNET_A]: '10.0.1.0/24', [SUBNET_B]: '10.0.2.0/24' });
    givenRules({ [REDIS_SG]: [cidrRule('sgr-vpc', '10.0.0.0/16')] });
    const result = await run({ toSecurityGroup: REDIS_SG });
    expect(result.outcome).toBe('pass');
    expect(result.message).toBe(
      `${REDIS_SG} allows tcp/6379 from 10.0.0.0/16, which covers the service's subnets (${SUBNET_A} 10.0.1.0/24, ${SUBNET_B} 10.0.2.0/24) (rule sgr-vpc: tcp/6379 from 10.0.0.0/16)`,
    );
    expect(result.details).toMatchObject({ matchedRule: { id: 'sgr-vpc', source: '10.0.0.0/16' }, coveredSubnets: [{ subnetId: SUBNET_A }, { subnetId: SUBNET_B }] });
    expect(ec2.commandCalls(DescribeSubnetsCommand)[0]?.args[0].input).toEqual({ SubnetIds: [SUBNET_A, SUBNET_B] });
  });

  it('passes when two rules together cover the subnets', async () => {
    givenService([SUBNET_A, SUBNET_B]);
    givenSubnets({ [SUBNET_A]: '10.0.1.0/24', [SUBNET_B]: '10.0.2.0/24' });
    givenRules({ [REDIS_SG]: [cidrRule('sgr-a', '10.0.1.0/24'), cidrRule('sgr-b', '10.0.2.0/24')] });
    const result = await run({ toSecurityGroup: REDIS_SG });
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain('from 10.0.1.0/24, 10.0.2.0/24, which covers');
  });

  it('fails when one subnet is left out, naming it', async () => {
    givenService([SUBNET_A, SUBNET_B]);
    givenSubnets({ [SUBNET_A]: '10.0.1.0/24', [SUBNET_B]: '10.0.2.0/24' });
    givenRules({ [REDIS_SG]: [cidrRule('sgr-a', '10.0.1.0/24')] });
    const result = await run({ toSecurityGroup: REDIS_SG });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`; CIDR rules cover ${SUBNET_A} 10.0.1.0/24 but not ${SUBNET_B} 10.0.2.0/24`);
    expect(result.fix?.command).toBe(`aws ec2 authorize-security-group-ingress --group-id ${REDIS_SG} --protocol tcp --port 6379 --source-group ${API_SG}`);
  });

  it.each([
    ['another port', [cidrRule('sgr-5432', '10.0.0.0/16', REDIS_SG, 5432)]],
    ['another range', [cidrRule('sgr-far', '172.16.0.0/12')]],
  ])('fails for a CIDR rule on %s', async (_, rules) => {
    givenService([SUBNET_A]);
    givenSubnets({ [SUBNET_A]: '10.0.1.0/24' });
    givenRules({ [REDIS_SG]: rules });
    expect((await run({ toSecurityGroup: REDIS_SG })).outcome).toBe('fail');
  });

  it('does not read the subnets when a group rule already decides', async () => {
    givenService([SUBNET_A]);
    givenRules({ [REDIS_SG]: [groupRule('sgr-ref', API_SG), cidrRule('sgr-vpc', '10.0.0.0/16')] });
    const result = await run({ toSecurityGroup: REDIS_SG });
    expect(result.details?.matchedRule).toMatchObject({ id: 'sgr-ref' });
    expect(ec2.commandCalls(DescribeSubnetsCommand)).toHaveLength(0);
  });

  it('with fromSecurityGroups (no subnets known), a CIDR rule still does not count', async () => {
    givenRules({ [REDIS_SG]: [cidrRule('sgr-vpc', '10.0.0.0/16')] });
    const result = await sgIngress.run(sgIngress.schema.parse({ fromSecurityGroups: [API_SG], toSecurityGroup: REDIS_SG, port: 6379 }), fakeContext({ clients: aws.pool }));
    expect(result.outcome).toBe('fail');
  });

  it('an unreadable subnet answer is an error, never a verdict', async () => {
    givenService([SUBNET_A]);
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    givenRules({ [REDIS_SG]: [cidrRule('sgr-vpc', '10.0.0.0/16')] });
    const result = await run({ toSecurityGroup: REDIS_SG });
    expect(result.outcome).toBe('error');
    expect(result.message).toContain(`unexpected response from ec2:DescribeSubnets: Subnets does not include ${SUBNET_A}`);
  });
});

describe('sg-ingress: several destination groups', () => {
  it('passes when the second group lets the service in', async () => {
    givenService([SUBNET_A]);
    givenRules({ [OTHER_SG]: [groupRule('sgr-x', 'sg-0ccccccccccccccc0', OTHER_SG)], [REDIS_SG]: [groupRule('sgr-ref', API_SG)] });
    const result = await run({ toSecurityGroups: [OTHER_SG, REDIS_SG] });
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain(`${REDIS_SG} allows tcp/6379 from ${API_SG}`);
  });

  it('fails naming every group when none does', async () => {
    givenService([SUBNET_A]);
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [groupRule('sgr-old', 'sg-0ddddddddddddddd0')] });
    const result = await run({ toSecurityGroups: [OTHER_SG, REDIS_SG] });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`no ingress rule on ${OTHER_SG} allows tcp/6379`);
    expect(result.message).toContain(`; no ingress rule on ${REDIS_SG} allows tcp/6379`);
    expect(result.facts).toMatchObject({ toSecurityGroups: [OTHER_SG, REDIS_SG], missingRule: true });
  });

  it.each([
    [{ toSecurityGroup: REDIS_SG, toSecurityGroups: [REDIS_SG] }],
    [{}],
  ])('needs exactly one of toSecurityGroup or toSecurityGroups: %j', (spec) => {
    const parsed = sgIngress.schema.safeParse({ fromSecurityGroups: [API_SG], port: 6379, ...spec });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('set exactly one of toSecurityGroup or toSecurityGroups');
  });

  it('describes both groups', () => {
    expect(sgIngress.describe(sgIngress.schema.parse({ fromSecurityGroups: [API_SG], toSecurityGroups: [OTHER_SG, REDIS_SG], port: 6379 }))).toBe(
      `security group ${OTHER_SG} or ${REDIS_SG} allows tcp/6379 from ${API_SG}`,
    );
  });
});
