import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { rdsAvailable, RDS_TERMINAL_STATUSES } from '../../checks/rds-available.js';
import { fakeContext } from '../support/context.js';
import { ClientPool } from '../../runner/clients.js';

const ID = 'hokusai-db';
const ADDRESS = 'hokusai-db.abcdefghij.us-east-1.rds.amazonaws.com';

const rds = mockClient(RDSClient);
let pool: ClientPool;

beforeEach(() => {
  rds.reset();
  pool = new ClientPool({ region: 'us-east-1' });
});
afterEach(async () => {
  await pool.destroy();
});

function instance(overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: ID,
    DBInstanceStatus: 'available',
    Engine: 'postgres',
    Endpoint: { Address: ADDRESS, Port: 5432 },
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0db', Status: 'active' }],
    ...overrides,
  };
}

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name}: simulated`), { name, $metadata: { httpStatusCode: status } });
}

function run(spec: Record<string, unknown> = { dbInstanceIdentifier: ID }) {
  return rdsAvailable.run(rdsAvailable.schema.parse(spec), fakeContext({ clients: pool }));
}

describe('rds-available schema', () => {
  it.each([
    [{}, 'set exactly one of dbInstanceIdentifier or dbClusterIdentifier'],
    [{ dbInstanceIdentifier: ID, dbClusterIdentifier: ID }, 'set exactly one of dbInstanceIdentifier or dbClusterIdentifier'],
    [{ dbInstanceIdentifier: '1db' }, 'expected an RDS identifier like'],
    [{ dbInstanceIdentifier: ID, extra: 1 }, 'extra'],
  ])('rejects %j', (spec, text) => {
    const parsed = rdsAvailable.schema.safeParse(spec);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(text);
  });

  it('describes itself', () => {
    expect(rdsAvailable.describe(rdsAvailable.schema.parse({ dbClusterIdentifier: 'aurora-1' }))).toBe('RDS DB cluster aurora-1 is available');
  });
});

describe('rds-available', () => {
  it.each([
    ['available', 'pass'],
    ['storage-optimization', 'pass'],
    ['backing-up', 'retry'],
    ['modifying', 'retry'],
    ['rebooting', 'retry'],
    ['starting', 'retry'],
    ['creating', 'retry'],
    ['some-future-status', 'retry'],
    ['stopped', 'fail'],
    ['stopping', 'fail'],
    ['failed', 'fail'],
    ['storage-full', 'fail'],
    ['inaccessible-encryption-credentials', 'fail'],
  ])('instance status %s → %s', async (status, outcome) => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance({ DBInstanceStatus: status })] });
    const result = await run();
    expect(result.outcome).toBe(outcome);
    expect(result.observations).toEqual([{ what: `RDS DB instance ${ID} status`, expected: 'available', actual: status, ok: outcome === 'pass' }]);
    if (outcome === 'pass') expect(result.message).toBe(`RDS DB instance ${ID} is ${status} at ${ADDRESS}:5432`);
    else expect(result.message).toBe(`RDS DB instance ${ID} is ${status}, expected available`);
  });

  it('a stopped instance names the command that starts it', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance({ DBInstanceStatus: 'stopped' })] });
    expect((await run()).fix?.command).toBe(`aws rds start-db-instance --db-instance-identifier ${ID}`);
  });

  it('reports the endpoint, engine and security groups on a pass', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance()] });
    const result = await run();
    expect(result.details).toEqual({ status: 'available', endpoint: { address: ADDRESS, port: 5432 }, engine: 'postgres', securityGroups: ['sg-0db'] });
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0]?.args[0].input).toEqual({ DBInstanceIdentifier: ID });
  });

  it('reads a cluster by its identifier, with its reader endpoint', async () => {
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [{ DBClusterIdentifier: 'aurora-1', Status: 'backing-up', Endpoint: 'aurora-1.cluster-x.rds.amazonaws.com', ReaderEndpoint: 'aurora-1.cluster-ro-x.rds.amazonaws.com', Port: 5432 }],
    });
    const result = await run({ dbClusterIdentifier: 'aurora-1' });
    expect(result.outcome).toBe('retry');
    expect(result.details).toMatchObject({ readerEndpoint: 'aurora-1.cluster-ro-x.rds.amazonaws.com' });
  });

  it.each([
    [{ dbInstanceIdentifier: ID }, DescribeDBInstancesCommand, 'DBInstanceNotFoundFault', `RDS DB instance ${ID} not found in region us-east-1 (DBInstanceNotFound)`],
    [{ dbClusterIdentifier: 'aurora-1' }, DescribeDBClustersCommand, 'DBClusterNotFoundFault', 'RDS DB cluster aurora-1 not found in region us-east-1 (DBClusterNotFoundFault)'],
  ] as const)('a missing one fails naming the region: %j', async (spec, command, fault, message) => {
    rds.on(command as typeof DescribeDBInstancesCommand).rejects(awsError(fault, 404));
    const result = await run(spec);
    expect(result).toMatchObject({ outcome: 'fail', message });
  });

  it.each([
    ['AccessDenied', 403, 'error', 'rds:DescribeDBInstances'],
    ['Throttling', 400, 'retry', 'throttled'],
    ['InternalFailure', 500, 'error', 'HTTP 500'],
  ])('AWS error %s → %s', async (name, status, outcome, text) => {
    rds.on(DescribeDBInstancesCommand).rejects(awsError(name, status));
    const result = await run();
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(text);
  });

  it.each([
    ['an empty body', {}],
    ['an instance without a status', { DBInstances: [{ DBInstanceIdentifier: ID }] }],
    ['a list without the instance asked for', { DBInstances: [instance({ DBInstanceIdentifier: 'other' })] }],
  ])('an answer with %s is an error, never a verdict', async (_, answer) => {
    rds.on(DescribeDBInstancesCommand).resolves(answer);
    const result = await run();
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('unexpected response from rds:DescribeDBInstances');
  });

  it('every terminal status fails at once', () => {
    expect([...RDS_TERMINAL_STATUSES]).toEqual(expect.arrayContaining(['stopped', 'failed', 'storage-full']));
    expect(RDS_TERMINAL_STATUSES.has('backing-up')).toBe(false);
  });
});
