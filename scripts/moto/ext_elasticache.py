"""ElastiCache member clusters as AWS has them: moto keeps a replication group's members only as ids.

AWS creates one cache cluster per node of a replication group (`<group>-001`, `<group>-002`, …;
cluster mode: `<group>-0001-001`, …), and DescribeCacheClusters returns them with the group's VPC
security groups (`SecurityGroups[].SecurityGroupId` + `Status`), `ReplicationGroupId`, the port
and the transit-encryption setting. Plain moto 5 returns none of them, and never a cache
cluster's `SecurityGroups` (not even for a standalone one created with `SecurityGroupIds`).

This extension:
- makes CreateReplicationGroup also create its member cache clusters, carrying the group's
  `SecurityGroupIds`, port, engine, node type and transit encryption; DeleteReplicationGroup
  deletes them;
- returns `SecurityGroups` ([{SecurityGroupId, Status: "active"}]) on every cache cluster;
- returns `CacheNodes` (one node, `0001`, with its endpoint) only when the request sets
  `ShowCacheNodeInfo=true`, as AWS does.

Always on (no tag): it only adds what AWS returns. Limits: member clusters of a cluster-mode
group get the configuration endpoint's domain for their node address; scaling a group
(IncreaseReplicaCount, …) does not add or remove members.
"""
from moto.elasticache import models, responses

_Backend = models.ElastiCacheBackend
_original_create_group = _Backend.create_replication_group
_original_delete_group = _Backend.delete_replication_group
_original_describe = responses.ElastiCacheResponse.describe_cache_clusters


def _security_groups(self):
    return [{"SecurityGroupId": group_id, "Status": "active"} for group_id in (self.security_group_ids or [])]


def _cache_nodes(self):
    if not getattr(self, "_show_cache_node_info", False):
        return None
    address = getattr(self, "_node_address", None) or f"{self.cache_cluster_id}.cache.amazonaws.com"
    return [
        {
            "CacheNodeId": "0001",
            "CacheNodeStatus": "available",
            "CacheNodeCreateTime": self.cache_cluster_create_time,
            "Endpoint": {"Address": address, "Port": self.port},
            "ParameterGroupStatus": "in-sync",
            "CustomerAvailabilityZone": self.preferred_availability_zone or "us-east-1a",
        }
    ]


models.CacheCluster.security_groups = property(_security_groups)
models.CacheCluster.cache_nodes = property(_cache_nodes)


def _member_cluster(backend, group, member):
    cluster = models.CacheCluster(
        account_id=backend.account_id,
        region_name=backend.region_name,
        cache_cluster_id=member["cache_cluster_id"],
        cache_node_type=group.cache_node_type,
        replication_group_id=group.replication_group_id,
        az_mode="single-az",
        preferred_availability_zone=member.get("preferred_availability_zone"),
        num_cache_nodes=1,
        engine=group.engine,
        engine_version=group.engine_version,
        cache_parameter_group_name=group.cache_parameter_group_name,
        cache_subnet_group_name=group.cache_subnet_group_name,
        transit_encryption_enabled=group.transit_encryption_enabled,
        network_type=group.network_type,
        ip_discovery=group.ip_discovery,
        snapshot_name=None,
        preferred_maintenance_window=group.preferred_maintenance_window,
        port=group.port,
        notification_topic_arn=group.notification_topic_arn,
        auto_minor_version_upgrade=group.auto_minor_version_upgrade,
        snapshot_retention_limit=group.snapshot_retention_limit,
        snapshot_window=group.snapshot_window,
        auth_token=None,
        outpost_mode=None,
        preferred_outpost_arn=None,
        preferred_availability_zones=None,
        cache_security_group_names=None,
        security_group_ids=list(group.security_group_ids or []),
        tags=None,
        snapshot_arns=None,
        preferred_outpost_arns=None,
        log_delivery_configurations=[],
        cache_node_ids_to_remove=None,
        cache_node_ids_to_reboot=None,
    )
    cluster.auth_token_enabled = group.auth_token_enabled
    cluster._node_address = (member.get("read_endpoint") or {}).get("address")
    return cluster


def create_replication_group(self, *args, **kwargs):
    group = _original_create_group(self, *args, **kwargs)
    for node_group in group.node_groups:
        for member in node_group["node_group_members"]:
            if member["cache_cluster_id"] not in self.cache_clusters:
                self.cache_clusters[member["cache_cluster_id"]] = _member_cluster(self, group, member)
    return group


def delete_replication_group(self, replication_group_id, *args, **kwargs):
    group = _original_delete_group(self, replication_group_id, *args, **kwargs)
    for cluster_id in list(self.cache_clusters):
        if getattr(self.cache_clusters[cluster_id], "replication_group_id", None) == replication_group_id:
            del self.cache_clusters[cluster_id]
    return group


def describe_cache_clusters(self):
    show = str(self._get_param("ShowCacheNodeInfo") or "").lower() == "true"
    for cluster in self.elasticache_backend.cache_clusters.values():
        cluster._show_cache_node_info = show
    return _original_describe(self)


_Backend.create_replication_group = create_replication_group
_Backend.delete_replication_group = delete_replication_group
responses.ElastiCacheResponse.describe_cache_clusters = describe_cache_clusters
