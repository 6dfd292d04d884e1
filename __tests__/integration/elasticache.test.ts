import { it, expect, beforeAll, afterAll } from '@jest/globals';
import { CreateReplicationGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { elasticacheAvailable } from '../../checks/elasticache-available.js';
import { ClientPool } from '../../runner/clients.js';
import { fakeContext } from '../support/context.js';
import { describeWithMoto, startMoto, useMotoEnv, type Moto } from '../support/moto.js';

const suite = describeWithMoto('elasticache integration tests');

const ID = 'hokusai-redis-development';

suite('elasticache-available against moto', () => {
  let moto: Moto;
  let restoreEnv: () => void;
  let elasticache: ElastiCacheClient;
  let pool: ClientPool;

  beforeAll(async () => {
    moto = await startMoto();
    restoreEnv = useMotoEnv(moto);
    elasticache = new ElastiCacheClient({});
    pool = new ClientPool({ region: 'us-east-1' });
    await elasticache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: ID,
        ReplicationGroupDescription: 'incident Redis',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 1,
      }),
    );
  });
  afterAll(async () => {
    elasticache?.destroy();
    await pool?.destroy();
    restoreEnv?.();
    await moto?.stop();
  });

  function check(replicationGroupId: string) {
    return elasticacheAvailable.run(elasticacheAvailable.schema.parse({ replicationGroupId }), fakeContext({ clients: pool }));
  }

  it('passes on an available group with its primary endpoint in details and facts', async () => {
    const result = await check(ID);
    expect(result.outcome).toBe('pass');
    const endpoint = { address: expect.stringMatching(new RegExp(`^master\\.${ID}\\..+\\.cache\\.amazonaws\\.com$`)), port: 6379 };
    expect(result.details).toMatchObject({ status: 'available', primaryEndpoint: endpoint, memberClusters: [`${ID}-001`] });
    expect(result.facts).toEqual({ primaryEndpoint: endpoint });
    expect(result.message).toMatch(new RegExp(`^ElastiCache replication group ${ID} is available at master\\.${ID}\\.\\S+:6379$`));
  });

  it('fails on a group that does not exist', async () => {
    const result = await check('hokusai-redis-typo');
    expect(result.outcome).toBe('fail');
    expect(result.message).toBe('ElastiCache replication group hokusai-redis-typo not found in region us-east-1 (ReplicationGroupNotFoundFault)');
    expect(result.nextSteps).toContain('aws elasticache describe-replication-groups --replication-group-id hokusai-redis-typo');
  });
});
