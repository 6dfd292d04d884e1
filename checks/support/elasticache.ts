/** ElastiCache response shapes, shared by `elasticache-available` and dependency discovery. */
import type { ResponseShape } from './aws.js';

/** What DescribeReplicationGroups always returns: `ReplicationGroups`, each with its id and status. */
export const DESCRIBE_REPLICATION_GROUPS_SHAPE: ResponseShape = {
  ReplicationGroups: 'array',
  'ReplicationGroups[].ReplicationGroupId': 'string',
  'ReplicationGroups[].Status': 'string',
};

/** What DescribeCacheClusters always returns: `CacheClusters`, each with its id and status. */
export const DESCRIBE_CACHE_CLUSTERS_SHAPE: ResponseShape = {
  CacheClusters: 'array',
  'CacheClusters[].CacheClusterId': 'string',
  'CacheClusters[].CacheClusterStatus': 'string',
};
