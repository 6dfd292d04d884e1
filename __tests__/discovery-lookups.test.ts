/** Discovery's dependency look-ups with a mocked SDK: only the domains found are asked, and a refused look-up is a note. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeCacheClustersCommand, DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { replicationGroupStore } from '../checks/support/dependencies-aws.js';
import { discoverDependencies } from '../runner/discovery/index.js';
import { ClientPool } from '../runner/clients.js';
import { fakeContext } from './support/context.js';

const elasticache = mockClient(ElastiCacheClient);
const rds = mockClient(RDSClient);
const PRIMARY = 'master.hokusai-redis.lenvj6.use1.cache.amazonaws.com';
let pool: ClientPool;

beforeEach(() => {
  elasticache.reset();
  rds.reset();
  pool = new ClientPool({ region: 'us-east-1' });
});
afterEach(async () => {
  await pool.destroy();
});

const definition = (environment: Record<string, string>, secrets: string[] = []) => ({
  containerDefinitions: [
    {
      name: 'api',
      environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
      secrets: secrets.map((name) => ({ name, valueFrom: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}` })),
    },
  ],
});

describe('discoverDependencies', () => {
  it('reads a replication group with its member clusters\' security groups, and asks RDS nothing', async () => {
    elasticache.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [{ ReplicationGroupId: 'hokusai-redis', Status: 'available', MemberClusters: ['hokusai-redis-001'], NodeGroups: [{ PrimaryEndpoint: { Address: PRIMARY, Port: 6379 } }] }],
    });
    elasticache.on(DescribeCacheClustersCommand).resolves({
      CacheClusters: [{ CacheClusterId: 'hokusai-redis-001', CacheClusterStatus: 'available', ReplicationGroupId: 'hokusai-redis', SecurityGroups: [{ SecurityGroupId: 'sg-0454e74e2924a7754' }] }],
    });
    const found = await discoverDependencies(fakeContext({ clients: pool }), definition({ REDIS_URL: `${PRIMARY}:6379` }, ['DATABASE_URL']));
    expect(found.dependencies).toMatchObject([{ variable: 'REDIS_URL', store: { id: 'hokusai-redis', securityGroups: ['sg-0454e74e2924a7754'] }, port: 6379 }]);
    expect(found.dependencies![0]!.warnings).toEqual([expect.stringContaining('REDIS_URL (container api) has no scheme')]);
    expect(found.secretReferences).toBe(1);
    expect(found.notes).toEqual(['DATABASE_URL (container api) is a secret: its endpoint is never read, so it is not followed (add its checks by hand)']);
    expect(elasticache.commandCalls(DescribeCacheClustersCommand)[0]!.args[0].input).toMatchObject({ ShowCacheNodeInfo: true });
    expect(rds.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
  });

  it('a refused look-up becomes a note naming the action, never a failed discovery or a check', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    const found = await discoverDependencies(fakeContext({ clients: pool }), definition({ DATABASE_URL: 'postgresql://db.abcdefghij.us-east-1.rds.amazonaws.com/app' }));
    expect(found.dependencies).toEqual([]);
    expect(found.notes).toEqual([
      expect.stringContaining('RDS not looked up (AccessDenied: rds:DescribeDBInstances is not allowed'),
    ]);
  });

  it('without a task definition there is nothing to follow', async () => {
    expect(await discoverDependencies(fakeContext({ clients: pool }), undefined)).toEqual({ dependencies: [], unmatched: [], secretReferences: 0, notes: [] });
  });
});

describe('replicationGroupStore', () => {
  it.each([
    [true, undefined, true],
    [true, 'required', true],
    [true, 'preferred', false],
    [false, undefined, false],
  ] as const)('transit encryption %s, mode %s → TLS required: %s', (enabled, mode, tls) => {
    expect(replicationGroupStore({ ReplicationGroupId: 'g', TransitEncryptionEnabled: enabled, TransitEncryptionMode: mode }, []).tls).toBe(tls);
  });
});

describe('an endpoint no store claims', () => {
  it('is noted as such when the look-up worked', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    const found = await discoverDependencies(fakeContext({ clients: pool }), definition({ DATABASE_URL: 'postgresql://db.abcdefghij.us-east-1.rds.amazonaws.com/app' }));
    expect(found.notes).toEqual(['DATABASE_URL (container api) names db.abcdefghij.us-east-1.rds.amazonaws.com:5432, which no RDS resource in this region answers on']);
    expect(found.unmatched).toEqual([{ container: 'api', variable: 'DATABASE_URL', endpoint: 'db.abcdefghij.us-east-1.rds.amazonaws.com:5432', noScheme: false }]);
  });
});
