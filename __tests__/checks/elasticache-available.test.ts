import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeReplicationGroupsCommand, ElastiCacheClient, type ReplicationGroup } from '@aws-sdk/client-elasticache';
import { elasticacheAvailable } from '../../checks/elasticache-available.js';
import { fakeContext } from '../support/context.js';
import { ClientPool } from '../../runner/clients.js';

const ID = 'hokusai-redis-development';
const ADDRESS = 'master.hokusai-redis-development.lenvj6.use1.cache.amazonaws.com';

const elasticache = mockClient(ElastiCacheClient);
let pool: ClientPool;

beforeEach(() => {
  elasticache.reset();
  pool = new ClientPool({ region: 'us-east-1' });
});
afterEach(async () => {
  await pool.destroy();
});

function group(overrides: Partial<ReplicationGroup> = {}): ReplicationGroup {
  return {
    ReplicationGroupId: ID,
    Status: 'available',
    MemberClusters: [`${ID}-001`, `${ID}-002`],
    NodeGroups: [{ NodeGroupId: '0001', PrimaryEndpoint: { Address: ADDRESS, Port: 6379 } }],
    TransitEncryptionEnabled: true,
    AuthTokenEnabled: true,
    ...overrides,
  };
}

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name}: simulated`), { name, $metadata: { httpStatusCode: status } });
}

function run(id = ID) {
  return elasticacheAvailable.run(elasticacheAvailable.schema.parse({ replicationGroupId: id }), fakeContext({ clients: pool }));
}

describe('elasticache-available', () => {
  it.each([
    ['available', 'pass'],
    ['creating', 'retry'],
    ['modifying', 'retry'],
    ['snapshotting', 'retry'],
    ['some-future-status', 'retry'],
    ['deleting', 'fail'],
    ['create-failed', 'fail'],
  ])('status %s → %s', async (status, outcome) => {
    elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group({ Status: status })] });
    const result = await run();
    expect(result.outcome).toBe(outcome);
    expect(result.observations).toEqual([{ what: `replication group ${ID} status`, expected: 'available', actual: status, ok: status === 'available' }]);
    if (outcome !== 'pass') {
      expect(result.message).toBe(`ElastiCache replication group ${ID} is ${status}, expected available`);
      expect(result.nextSteps).toEqual([`aws elasticache describe-replication-groups --replication-group-id ${ID}`]);
    }
  });

  it('reports the primary endpoint and member clusters when available', async () => {
    elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [group()] });
    const result = await run();
    expect(result.message).toBe(`ElastiCache replication group ${ID} is available at ${ADDRESS}:6379`);
    expect(result.details).toMatchObject({
      primaryEndpoint: { address: ADDRESS, port: 6379 },
      memberClusters: [`${ID}-001`, `${ID}-002`],
      transitEncryptionEnabled: true,
    });
    expect(result.facts).toEqual({ primaryEndpoint: { address: ADDRESS, port: 6379 } });
    expect(elasticache.commandCalls(DescribeReplicationGroupsCommand)[0]?.args[0].input).toEqual({ ReplicationGroupId: ID });
  });

  it('uses the configuration endpoint of a cluster-mode group', async () => {
    const configuration = { Address: `clustercfg.${ID}.lenvj6.use1.cache.amazonaws.com`, Port: 6380 };
    elasticache
      .on(DescribeReplicationGroupsCommand)
      .resolves({ ReplicationGroups: [group({ NodeGroups: [{ NodeGroupId: '0001' }], ConfigurationEndpoint: configuration, MemberClusters: [] })] });
    const result = await run();
    expect(result.outcome).toBe('pass');
    expect(result.facts).toEqual({ primaryEndpoint: { address: configuration.Address, port: 6380 } });
    expect(result.details).not.toHaveProperty('memberClusters');
  });

  it('fails naming the group when it does not exist', async () => {
    elasticache.on(DescribeReplicationGroupsCommand).rejects(awsError('ReplicationGroupNotFoundFault', 404));
    const result = await run('hokusai-redis-typo');
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('ElastiCache replication group hokusai-redis-typo not found in region us-east-1 (ReplicationGroupNotFoundFault)');
    expect(result.nextSteps).toContain('aws elasticache describe-replication-groups --replication-group-id hokusai-redis-typo');
  });

  it.each([
    ['AccessDenied', 'error', 403, 'elasticache:DescribeReplicationGroups'],
    ['Throttling', 'retry', 400, 'throttled'],
  ])('maps %s to %s', async (name, outcome, status, text) => {
    elasticache.on(DescribeReplicationGroupsCommand).rejects(awsError(name, status));
    const result = await run();
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(text);
  });

  it('rejects an empty id and unknown keys', () => {
    expect(elasticacheAvailable.schema.safeParse({ replicationGroupId: '' }).success).toBe(false);
    expect(elasticacheAvailable.schema.safeParse({ replicationGroupId: ID, cluster: 'x' }).success).toBe(false);
    expect(elasticacheAvailable.describe({ replicationGroupId: ID })).toBe(`ElastiCache replication group ${ID} is available`);
  });
});
