/**
 * The AWS side of dependencies (its RDS, MemoryDB, Secrets Manager and SSM clients come from
 * support/aws.ts and are re-exported here): the look-ups that list data stores (ElastiCache, RDS, MemoryDB) with their endpoints, ports,
 * security groups and TLS setting, for matching endpoint references (dependencies-match.ts).
 */
import type { CacheCluster, Endpoint as CacheEndpoint, ReplicationGroup } from '@aws-sdk/client-elasticache';
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import { AttemptResultError, type CheckContext } from '../types.js';
import { awsCall, elasticacheClient, memorydbClient, rdsClient, secretsManagerClient, ssmClient, type ResponseShape } from './aws.js';
import type { DataStore, StoreEndpoint } from './dependencies-match.js';
import { DESCRIBE_CACHE_CLUSTERS_SHAPE, DESCRIBE_REPLICATION_GROUPS_SHAPE } from './elasticache.js';

// The clients live with the others in support/aws.ts (one throttling wrapper, one rate limiter).
export { memorydbClient, rdsClient, secretsManagerClient, ssmClient };

/** What DescribeDBInstances always returns: `DBInstances`, each with its identifier and status. */
export const DESCRIBE_DB_INSTANCES_SHAPE: ResponseShape = {
  DBInstances: 'array',
  'DBInstances[].DBInstanceIdentifier': 'string',
  'DBInstances[].DBInstanceStatus': 'string',
};
/** What DescribeDBClusters always returns: `DBClusters`, each with its identifier and status. */
export const DESCRIBE_DB_CLUSTERS_SHAPE: ResponseShape = {
  DBClusters: 'array',
  'DBClusters[].DBClusterIdentifier': 'string',
  'DBClusters[].Status': 'string',
};
const DESCRIBE_MEMORYDB_CLUSTERS_SHAPE: ResponseShape = {
  Clusters: 'array',
  'Clusters[].Name': 'string',
  'Clusters[].Status': 'string',
};

/** At most this many pages per listing: discovery stays bounded in an account with thousands of stores. */
const MAX_PAGES = 20;

const NOT_FOUND = new Set(['DBInstanceNotFound', 'DBInstanceNotFoundFault', 'DBClusterNotFoundFault', 'DBClusterNotFound']);

/** The call's answer, or undefined when RDS says the instance or cluster does not exist. */
async function unlessNotFound<Out>(abortSignal: AbortSignal, call: () => Promise<Out>): Promise<Out | undefined> {
  try {
    return await call();
  } catch (error) {
    if (NOT_FOUND.has((error as { name?: string }).name ?? '') && !abortSignal.aborted) return undefined;
    throw error;
  }
}

/**
 * One DB instance (rds:DescribeDBInstances), or undefined when it does not exist.
 * @throws AttemptResultError for AWS errors and malformed answers.
 */
export async function findDbInstance(ctx: CheckContext, id: string): Promise<DBInstance | undefined> {
  const { DescribeDBInstancesCommand } = await import('@aws-sdk/client-rds');
  const client = await ctx.clients.get(rdsClient);
  const out = await awsCall(
    ctx,
    'rds:DescribeDBInstances',
    (abortSignal) => unlessNotFound(abortSignal, () => client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }), { abortSignal })),
    DESCRIBE_DB_INSTANCES_SHAPE,
  );
  if (!out) return undefined;
  return out.DBInstances?.find((i) => i.DBInstanceIdentifier?.toLowerCase() === id.toLowerCase()) ?? notAnswered('rds:DescribeDBInstances', 'DBInstances', id);
}

/**
 * One DB cluster (rds:DescribeDBClusters), or undefined when it does not exist.
 * @throws AttemptResultError for AWS errors and malformed answers.
 */
export async function findDbCluster(ctx: CheckContext, id: string): Promise<DBCluster | undefined> {
  const { DescribeDBClustersCommand } = await import('@aws-sdk/client-rds');
  const client = await ctx.clients.get(rdsClient);
  const out = await awsCall(
    ctx,
    'rds:DescribeDBClusters',
    (abortSignal) => unlessNotFound(abortSignal, () => client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }), { abortSignal })),
    DESCRIBE_DB_CLUSTERS_SHAPE,
  );
  if (!out) return undefined;
  return out.DBClusters?.find((c) => c.DBClusterIdentifier?.toLowerCase() === id.toLowerCase()) ?? notAnswered('rds:DescribeDBClusters', 'DBClusters', id);
}

function notAnswered(action: string, list: string, id: string): never {
  // RDS raises a not-found fault for an unknown identifier, never an answer without it.
  throw new AttemptResultError({
    outcome: 'error',
    message: `unexpected response from ${action}: ${list} does not include ${id} (a proxy or endpoint that does not speak the AWS API?)`,
    details: { action },
  });
}

/** Every page of a Marker/NextToken listing, up to MAX_PAGES. */
async function allPages<Page, Item>(fetch: (token: string | undefined) => Promise<Page>, items: (page: Page) => Item[] | undefined, next: (page: Page) => string | undefined): Promise<Item[]> {
  const all: Item[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await fetch(token);
    all.push(...(items(out) ?? []));
    token = next(out) || undefined;
    if (!token) break;
  }
  return all;
}

function cacheEndpoint(endpoint: CacheEndpoint | undefined, role: string): StoreEndpoint[] {
  return endpoint?.Address ? [{ address: endpoint.Address, port: endpoint.Port ?? 6379, role }] : [];
}

function clusterSecurityGroups(cluster: CacheCluster): string[] {
  return (cluster.SecurityGroups ?? []).map((g) => g.SecurityGroupId).filter((id): id is string => Boolean(id));
}

/** A replication group with its endpoints and, from its member clusters, security groups and node addresses. */
export function replicationGroupStore(group: ReplicationGroup, members: readonly CacheCluster[]): DataStore {
  const endpoints = [
    ...(group.NodeGroups ?? []).flatMap((g) => [
      ...cacheEndpoint(g.PrimaryEndpoint, 'primary'),
      ...cacheEndpoint(g.ReaderEndpoint, 'reader'),
      ...(g.NodeGroupMembers ?? []).flatMap((m) => cacheEndpoint(m.ReadEndpoint, 'node')),
    ]),
    ...cacheEndpoint(group.ConfigurationEndpoint, 'configuration'),
    ...members.flatMap((m) => (m.CacheNodes ?? []).flatMap((n) => cacheEndpoint(n.Endpoint, 'node'))),
  ];
  return {
    kind: 'elasticache-replication-group',
    id: group.ReplicationGroupId!,
    engine: group.Engine ?? members[0]?.Engine ?? 'redis',
    status: group.Status,
    securityGroups: [...new Set(members.flatMap(clusterSecurityGroups))],
    // "preferred" transit encryption accepts both plain and TLS clients.
    tls: group.TransitEncryptionEnabled === true && group.TransitEncryptionMode !== 'preferred',
    endpoints,
  };
}

function cacheClusterStore(cluster: CacheCluster): DataStore {
  return {
    kind: 'elasticache-cache-cluster',
    id: cluster.CacheClusterId!,
    engine: cluster.Engine,
    status: cluster.CacheClusterStatus,
    securityGroups: clusterSecurityGroups(cluster),
    tls: cluster.TransitEncryptionEnabled === true && cluster.TransitEncryptionMode !== 'preferred',
    endpoints: [...cacheEndpoint(cluster.ConfigurationEndpoint, 'configuration'), ...(cluster.CacheNodes ?? []).flatMap((n) => cacheEndpoint(n.Endpoint, 'node'))],
  };
}

/**
 * ElastiCache replication groups (with their member clusters' security groups) and standalone
 * cache clusters. AWS APIs: elasticache:DescribeReplicationGroups, elasticache:DescribeCacheClusters.
 */
export async function elasticacheStores(ctx: CheckContext): Promise<DataStore[]> {
  const { DescribeReplicationGroupsCommand, DescribeCacheClustersCommand } = await import('@aws-sdk/client-elasticache');
  const client = await ctx.clients.get(elasticacheClient);
  const [groups, clusters] = await Promise.all([
    allPages(
      (Marker) => awsCall(ctx, 'elasticache:DescribeReplicationGroups', (abortSignal) => client.send(new DescribeReplicationGroupsCommand({ Marker }), { abortSignal }), DESCRIBE_REPLICATION_GROUPS_SHAPE),
      (page) => page.ReplicationGroups,
      (page) => page.Marker,
    ),
    allPages(
      (Marker) =>
        awsCall(ctx, 'elasticache:DescribeCacheClusters', (abortSignal) => client.send(new DescribeCacheClustersCommand({ Marker, ShowCacheNodeInfo: true }), { abortSignal }), DESCRIBE_CACHE_CLUSTERS_SHAPE),
      (page) => page.CacheClusters,
      (page) => page.Marker,
    ),
  ]);
  return [
    ...groups.map((group) => replicationGroupStore(group, clusters.filter((c) => c.ReplicationGroupId === group.ReplicationGroupId))),
    ...clusters.filter((c) => !c.ReplicationGroupId).map(cacheClusterStore),
  ];
}

function sgIds(groups: { VpcSecurityGroupId?: string }[] | undefined): string[] {
  return (groups ?? []).map((g) => g.VpcSecurityGroupId).filter((id): id is string => Boolean(id));
}

/** RDS DB instances and clusters (writer, reader and custom endpoints). AWS APIs: rds:DescribeDBInstances, rds:DescribeDBClusters. */
export async function rdsStores(ctx: CheckContext): Promise<DataStore[]> {
  const { DescribeDBInstancesCommand, DescribeDBClustersCommand } = await import('@aws-sdk/client-rds');
  const client = await ctx.clients.get(rdsClient);
  const [instances, clusters] = await Promise.all([
    allPages(
      (Marker) => awsCall(ctx, 'rds:DescribeDBInstances', (abortSignal) => client.send(new DescribeDBInstancesCommand({ Marker }), { abortSignal }), DESCRIBE_DB_INSTANCES_SHAPE),
      (page) => page.DBInstances,
      (page) => page.Marker,
    ),
    allPages(
      (Marker) => awsCall(ctx, 'rds:DescribeDBClusters', (abortSignal) => client.send(new DescribeDBClustersCommand({ Marker }), { abortSignal }), DESCRIBE_DB_CLUSTERS_SHAPE),
      (page) => page.DBClusters,
      (page) => page.Marker,
    ),
  ]);
  return [
    ...clusters.map((c): DataStore => {
      const port = c.Port ?? 5432;
      const address = (role: string) => (text: string | undefined) => (text ? [{ address: text, port, role }] : []);
      return {
        kind: 'rds-cluster',
        id: c.DBClusterIdentifier!,
        engine: c.Engine,
        status: c.Status,
        securityGroups: sgIds(c.VpcSecurityGroups),
        endpoints: [...address('writer')(c.Endpoint), ...address('reader')(c.ReaderEndpoint), ...(c.CustomEndpoints ?? []).flatMap(address('custom'))],
      };
    }),
    ...instances.map(
      (i): DataStore => ({
        kind: 'rds-instance',
        id: i.DBInstanceIdentifier!,
        engine: i.Engine,
        status: i.DBInstanceStatus,
        securityGroups: sgIds(i.VpcSecurityGroups),
        endpoints: i.Endpoint?.Address ? [{ address: i.Endpoint.Address, port: i.Endpoint.Port ?? i.DbInstancePort ?? 5432, role: 'instance' }] : [],
      }),
    ),
  ];
}

/** MemoryDB clusters (cluster endpoint, TLS setting). AWS API: memorydb:DescribeClusters. */
export async function memorydbStores(ctx: CheckContext): Promise<DataStore[]> {
  const { DescribeClustersCommand } = await import('@aws-sdk/client-memorydb');
  const client = await ctx.clients.get(memorydbClient);
  const clusters = await allPages(
    (NextToken) => awsCall(ctx, 'memorydb:DescribeClusters', (abortSignal) => client.send(new DescribeClustersCommand({ NextToken }), { abortSignal }), DESCRIBE_MEMORYDB_CLUSTERS_SHAPE),
    (page) => page.Clusters,
    (page) => page.NextToken,
  );
  return clusters.map((c) => ({
    kind: 'memorydb-cluster',
    id: c.Name!,
    engine: c.Engine ?? 'redis',
    status: c.Status,
    securityGroups: (c.SecurityGroups ?? []).map((g) => g.SecurityGroupId).filter((id): id is string => Boolean(id)),
    tls: c.TLSEnabled !== false,
    endpoints: c.ClusterEndpoint?.Address ? [{ address: c.ClusterEndpoint.Address, port: c.ClusterEndpoint.Port ?? 6379, role: 'configuration' }] : [],
  }));
}

/** Which data-store service an endpoint host belongs to, by its AWS domain; undefined for any other host. */
export function storeServiceOf(host: string): 'elasticache' | 'rds' | 'memorydb' | undefined {
  if (/\.cache\.amazonaws\.com(?:\.cn)?$/.test(host)) return 'elasticache';
  if (/\.rds\.amazonaws\.com(?:\.cn)?$/.test(host)) return 'rds';
  if (/\.memorydb\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$/.test(host)) return 'memorydb';
  return undefined;
}

export const STORE_LOOKUPS = { elasticache: elasticacheStores, rds: rdsStores, memorydb: memorydbStores } as const;
