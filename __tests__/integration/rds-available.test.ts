/** rds-available against moto: an available instance passes with its endpoint, a stopped one fails, a missing one fails. */
import { afterAll, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { RDSClient, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { rdsAvailable } from '../../checks/rds-available.js';
import { ClientPool } from '../../runner/clients.js';
import { createDbInstance } from '../../scripts/fixtures/index.js';
import { fakeContext } from '../support/context.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

requireTool('moto', 'rds-available integration tests')('rds-available against moto', () => {
  const moto = useMoto();
  let rds: RDSClient;
  let pool: ClientPool;
  const run = (spec: Record<string, unknown>) => rdsAvailable.run(rdsAvailable.schema.parse(spec), fakeContext({ clients: pool }));

  beforeAll(() => {
    rds = new RDSClient({});
  });
  beforeEach(async () => {
    await moto.reset();
    pool = new ClientPool({ region: 'us-east-1' });
  });
  afterAll(async () => {
    rds?.destroy();
    await pool?.destroy();
  });

  it('an available instance passes with its endpoint and security groups', async () => {
    const endpoint = await createDbInstance(rds, { id: 'hokusai-db', securityGroupIds: ['sg-0db0000000000000a'] });
    const result = await run({ dbInstanceIdentifier: 'hokusai-db' });
    expect(result).toMatchObject({ outcome: 'pass', message: `RDS DB instance hokusai-db is available at ${endpoint.address}:5432` });
    expect(result.details).toMatchObject({ securityGroups: ['sg-0db0000000000000a'], engine: 'postgres' });
  });

  it('a stopped instance fails with the command that starts it', async () => {
    await createDbInstance(rds, { id: 'hokusai-db', securityGroupIds: [] });
    await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'hokusai-db' }));
    const result = await run({ dbInstanceIdentifier: 'hokusai-db' });
    expect(result).toMatchObject({ outcome: 'fail', message: 'RDS DB instance hokusai-db is stopped, expected available' });
    expect(result.fix?.command).toBe('aws rds start-db-instance --db-instance-identifier hokusai-db');
  });

  it.each([
    [{ dbInstanceIdentifier: 'no-such-db' }, 'RDS DB instance no-such-db not found in region us-east-1 (DBInstanceNotFound)'],
    [{ dbClusterIdentifier: 'no-such-cluster' }, 'RDS DB cluster no-such-cluster not found in region us-east-1 (DBClusterNotFoundFault)'],
  ])('a missing one fails naming the region: %j', async (spec, message) => {
    expect(await run(spec)).toMatchObject({ outcome: 'fail', message });
  });
});
