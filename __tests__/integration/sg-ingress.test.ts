/**
 * sg-ingress against moto: the Redis incident replayed — the rule is missing, the check's own fix
 * command is applied, and the check passes.
 */
import { it, expect, beforeAll, afterAll } from '@jest/globals';
import { AuthorizeSecurityGroupIngressCommand, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { sgIngress } from '../../checks/sg-ingress.js';
import { fakeContext } from '../support/context.js';
import { useClientPool } from '../support/clients.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';
import { authorizeIngress, createEcsService, createNetwork, createSecurityGroup, registerTaskDefinition } from '../../scripts/fixtures/index.js';

const suite = requireTool('moto', 'sg-ingress integration tests');

const REDIS_SG = 'sg-0454e74e2924a7754';
const API_SG = 'sg-0864e6f6aee2a5cf4';
const OLD_SG = 'sg-0e61190afc2502b10';

suite('sg-ingress against moto', () => {
  useMoto({ resetBetweenTests: true });
  const aws = useClientPool();
  let ec2: EC2Client;
  let ecs: ECSClient;

  beforeAll(() => {
    ec2 = new EC2Client({});
    ecs = new ECSClient({});
  });
  afterAll(async () => {
    ec2?.destroy();
    ecs?.destroy();
  });

  /**
   * The incident's layout with its real ids (scripts/moto/ext_ec2.py honours a `moto:id` tag):
   * Redis allows the old ECS tasks group; the API now runs with a new one.
   */
  async function incident() {
    const { vpcId: vpc, subnetIds } = await createNetwork(ec2);
    const group = (name: string, id: string) => createSecurityGroup(ec2, { vpcId: vpc, name, id });
    const redis = await group('hokusai-redis', REDIS_SG);
    const oldTasks = await group('hokusai-ecs-tasks', OLD_SG);
    const api = await group('hokusai-data-pipeline-ecs-tasks', API_SG);
    await authorizeIngress(ec2, { groupId: redis, port: 6379, sourceGroup: oldTasks });
    return { vpc, subnet: subnetIds[0]!, redis, oldTasks, api };
  }

  function check(input: Record<string, unknown>) {
    return sgIngress.run(sgIngress.schema.parse(input), fakeContext({ clients: aws.pool }));
  }

  /** Runs the check's fix command (`aws ec2 authorize-security-group-ingress ...`) through the SDK. */
  async function applyFix(command: string) {
    const flag = (name: string) => new RegExp(`--${name} (\\S+)`).exec(command)?.[1];
    expect(command.startsWith('aws ec2 authorize-security-group-ingress ')).toBe(true);
    const port = Number(flag('port'));
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: flag('group-id'),
        IpPermissions: [{ IpProtocol: flag('protocol'), FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: flag('source-group') }] }],
      }),
    );
  }

  it('fails on the missing rule, and passes once its own fix command is applied', async () => {
    const { redis, api } = await incident();
    expect([redis, api]).toEqual([REDIS_SG, API_SG]);
    const spec = { fromSecurityGroups: [api], toSecurityGroup: redis, port: 6379 };

    const before = await check(spec);
    expect(before.outcome).toBe('fail');
    expect(before.message).toBe(
      'no ingress rule on sg-0454e74e2924a7754 allows tcp/6379 from sg-0864e6f6aee2a5cf4 (rules present: tcp/6379 from sg-0e61190afc2502b10)',
    );
    expect(before.fix?.command).toBe(
      'aws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754 --protocol tcp --port 6379 --source-group sg-0864e6f6aee2a5cf4',
    );

    await applyFix(before.fix?.command ?? '');
    const after = await check(spec);
    expect(after.outcome).toBe('pass');
    expect(after.message).toMatch(new RegExp(`^${redis} allows tcp/6379 from ${api} \\(rule sgr-[0-9a-f]+: tcp/6379 from ${api}\\)$`));
  });

  it('passes on a 0.0.0.0/0 rule and says so', async () => {
    const { redis, api } = await incident();
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: redis,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6000, ToPort: 7000, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    const result = await check({ fromSecurityGroups: [api], toSecurityGroup: redis, port: 6379 });
    expect(result.outcome).toBe('pass');
    expect(result.message).toContain('from anywhere (0.0.0.0/0)');
    expect(result.details?.matchedRule).toMatchObject({ range: 'tcp/6000-7000', source: '0.0.0.0/0' });
  });

  it('ignores the default egress rule (all traffic to 0.0.0.0/0)', async () => {
    const { redis, api } = await incident();
    const result = await check({ fromSecurityGroups: [api], toSecurityGroup: redis, protocol: 'all' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`allows all traffic from ${api}`);
  });

  it('resolves the source from an ECS service with awsvpc networking', async () => {
    const { subnet, redis, oldTasks, api } = await incident();
    const taskDefinition = await registerTaskDefinition(ecs, 'hokusai-api', [{ name: 'api', image: 'api:latest', memory: 512 }]);
    await createEcsService(ecs, { cluster: 'hokusai-development', service: 'hokusai-api-development', taskDefinition, subnets: [subnet], securityGroups: [api] });
    const result = await check({ from: { cluster: 'hokusai-development', service: 'hokusai-api-development' }, toSecurityGroup: redis, port: 6379 });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`from ${api} (ECS service hokusai-api-development in cluster hokusai-development)`);
    expect(result.message).toContain(`rules present: tcp/6379 from ${oldTasks}`);
    expect(result.facts).toMatchObject({ fromSecurityGroups: [api], missingRule: true });
  });

  it('a group with no rules at all (empty securityGroupRuleSet, the group exists) fails with "rules present: none"', async () => {
    const { redis, api } = await incident();
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: redis, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, UserIdGroupPairs: [{ GroupId: OLD_SG }] }] }));
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: redis, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const result = await check({ fromSecurityGroups: [api], toSecurityGroup: redis, port: 6379 });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('(rules present: none)');
  });

  it('fails naming a destination group that does not exist', async () => {
    const { api } = await incident();
    const result = await check({ fromSecurityGroups: [api], toSecurityGroup: 'sg-0123456789abcdef0', port: 6379 });
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('security group sg-0123456789abcdef0 does not exist in region us-east-1 (InvalidGroup.NotFound)');
  });
});
