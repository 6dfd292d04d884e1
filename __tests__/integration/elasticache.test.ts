import { it, expect, beforeAll, afterAll } from '@jest/globals';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { elasticacheAvailable } from '../../checks/elasticache-available.js';
import { ClientPool } from '../../runner/clients.js';
import { fakeContext } from '../support/context.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';
import { createReplicationGroup } from '../../scripts/fixtures/index.js';

const suite = requireTool('moto', 'elasticache integration tests');

const ID = 'hokusai-redis-development';

suite('elasticache-available against moto', () => {
  useMoto();
  let elasticache: ElastiCacheClient;
  let pool: ClientPool;

  beforeAll(async () => {
    elasticache = new ElastiCacheClient({});
    pool = new ClientPool({ region: 'us-east-1' });
    await createReplicationGroup(elasticache, { id: ID, description: 'incident Redis' });
  });
  afterAll(async () => {
    elasticache?.destroy();
    await pool?.destroy();
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
