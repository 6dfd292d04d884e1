/**
 * rds-available: an RDS DB instance (or Aurora / Multi-AZ DB cluster) exists and is `available`,
 * with its endpoint, port and security groups in the details.
 */
import { z } from 'zod';
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import { AttemptResultError, defineCheck, type AttemptResult, type CheckContext } from './types.js';
import { clientRegion } from './support/aws.js';
import { findDbCluster, findDbInstance, rdsClient } from './support/dependencies-aws.js';
import { dependencyUnreachableEffects } from './support/relations.js';

const identifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,62}$/, { error: (issue) => `expected an RDS identifier like "hokusai-db" (a letter, then letters, digits, hyphens), got ${JSON.stringify(issue.input)}` });

const schema = z
  .strictObject({
    dbInstanceIdentifier: identifier.optional().meta({ description: 'The DB instance identifier, e.g. hokusai-db. Use this or `dbClusterIdentifier`.' }),
    dbClusterIdentifier: identifier.optional().meta({ description: 'The DB cluster identifier (Aurora, Multi-AZ DB cluster). Use this or `dbInstanceIdentifier`.' }),
  })
  .refine((spec) => (spec.dbInstanceIdentifier === undefined) !== (spec.dbClusterIdentifier === undefined), {
    error: 'set exactly one of dbInstanceIdentifier or dbClusterIdentifier',
  });

type Spec = z.output<typeof schema>;

/**
 * Statuses that need someone to act: waiting cannot turn them into `available`. Every other status
 * (backing-up, modifying, rebooting, starting, upgrading, configuring-…, and any status AWS adds
 * later) is waited for.
 */
export const RDS_TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'stopped',
  'stopping',
  'failed',
  'deleting',
  'delete-precheck',
  'storage-full',
  'restore-error',
  'insufficient-capacity',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'incompatible-credentials',
  'cloning-failed',
  'migration-failed',
]);

/** Statuses in which the database serves connections as usual (AWS: "the DB instance is available"). */
const SERVING = new Set(['available', 'storage-optimization']);

interface Subject {
  kind: 'instance' | 'cluster';
  id: string;
  status: string;
  endpoint?: { address: string; port: number };
  readerEndpoint?: string;
  engine?: string;
  securityGroups: string[];
}

function instanceSubject(i: DBInstance): Subject {
  return {
    kind: 'instance',
    id: i.DBInstanceIdentifier!,
    status: i.DBInstanceStatus ?? 'unknown',
    endpoint: i.Endpoint?.Address ? { address: i.Endpoint.Address, port: i.Endpoint.Port ?? i.DbInstancePort ?? 0 } : undefined,
    engine: i.Engine,
    securityGroups: (i.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean),
  };
}

function clusterSubject(c: DBCluster): Subject {
  return {
    kind: 'cluster',
    id: c.DBClusterIdentifier!,
    status: c.Status ?? 'unknown',
    endpoint: c.Endpoint ? { address: c.Endpoint, port: c.Port ?? 0 } : undefined,
    readerEndpoint: c.ReaderEndpoint,
    engine: c.Engine,
    securityGroups: (c.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean),
  };
}

const label = (spec: Spec) => (spec.dbClusterIdentifier ? `RDS DB cluster ${spec.dbClusterIdentifier}` : `RDS DB instance ${spec.dbInstanceIdentifier}`);

function describeCommand(spec: Spec, region?: string): string {
  const where = region ? ` --region ${region}` : '';
  return spec.dbClusterIdentifier
    ? `aws rds describe-db-clusters --db-cluster-identifier ${spec.dbClusterIdentifier}${where} --query 'DBClusters[0].{status:Status,endpoint:Endpoint,port:Port}'`
    : `aws rds describe-db-instances --db-instance-identifier ${spec.dbInstanceIdentifier}${where} --query 'DBInstances[0].{status:DBInstanceStatus,endpoint:Endpoint}'`;
}

async function lookup(spec: Spec, ctx: CheckContext): Promise<Subject | undefined> {
  if (spec.dbClusterIdentifier) {
    const cluster = await findDbCluster(ctx, spec.dbClusterIdentifier);
    return cluster && clusterSubject(cluster);
  }
  const instance = await findDbInstance(ctx, spec.dbInstanceIdentifier!);
  return instance && instanceSubject(instance);
}

export const rdsAvailable = defineCheck({
  type: 'rds-available',
  summary: 'An RDS DB instance or DB cluster exists and is available; reports its endpoint, port and security groups.',
  schema,
  evidence: 'state',
  defaults: { timeoutMs: 10_000 },
  describe: (spec: Spec) => `${label(spec)} is available`,
  explains: dependencyUnreachableEffects('the RDS database is not available'),
  async run(spec, ctx) {
    let subject: Subject | undefined;
    try {
      subject = await lookup(spec, ctx);
    } catch (error) {
      if (error instanceof AttemptResultError) return error.result;
      throw error;
    }
    if (!subject) {
      const region = await clientRegion(await ctx.clients.get(rdsClient));
      const fault = spec.dbClusterIdentifier ? 'DBClusterNotFoundFault' : 'DBInstanceNotFound';
      return {
        outcome: 'fail',
        message: `${label(spec)} not found in region ${region} (${fault})`,
        observations: [{ what: label(spec), expected: 'available', actual: 'not found', ok: false }],
        nextSteps: [describeCommand(spec, region)],
        facts: { ...spec, region },
      };
    }
    return evaluate(spec, subject);
  },
});

function evaluate(spec: Spec, subject: Subject): AttemptResult {
  const { status } = subject;
  const details = {
    status,
    ...(subject.endpoint ? { endpoint: subject.endpoint } : {}),
    ...(subject.readerEndpoint ? { readerEndpoint: subject.readerEndpoint } : {}),
    ...(subject.engine ? { engine: subject.engine } : {}),
    securityGroups: subject.securityGroups,
  };
  const observations = [{ what: `${label(spec)} status`, expected: 'available', actual: status, ok: SERVING.has(status) }];
  const facts = { ...spec, status, ...(subject.endpoint ? { endpoint: subject.endpoint } : {}) };
  if (SERVING.has(status)) {
    const at = subject.endpoint ? ` at ${subject.endpoint.address}:${subject.endpoint.port}` : '';
    return { outcome: 'pass', message: `${label(spec)} is ${status}${at}`, observations, details, facts };
  }
  const result = { message: `${label(spec)} is ${status}, expected available`, observations, details, facts, nextSteps: [describeCommand(spec)] };
  if (!RDS_TERMINAL_STATUSES.has(status)) return { outcome: 'retry', ...result };
  const start = status === 'stopped' ? startCommand(spec) : undefined;
  return { outcome: 'fail', ...result, ...(start ? { fix: { summary: `start ${label(spec)} (RDS keeps a stopped database stopped for up to 7 days)`, command: start } } : {}) };
}

function startCommand(spec: Spec): string {
  return spec.dbClusterIdentifier
    ? `aws rds start-db-cluster --db-cluster-identifier ${spec.dbClusterIdentifier}`
    : `aws rds start-db-instance --db-instance-identifier ${spec.dbInstanceIdentifier}`;
}
