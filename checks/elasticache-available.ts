/**
 * elasticache-available: the replication group exists and is `available`, with its endpoint in
 * the details (for redis-ping and for the on-call engineer).
 */
import { z } from 'zod';
import type { Endpoint, ReplicationGroup } from '@aws-sdk/client-elasticache';
import { AttemptResultError, defineCheck, type AttemptResult } from './types.js';
import { awsCall, clientRegion, elasticacheClient, unexpectedResponseResult, type ResponseShape } from './support/aws.js';
import { DESCRIBE_REPLICATION_GROUPS_SHAPE } from './support/elasticache.js';
import { dependencyUnreachableEffects } from './support/relations.js';

const schema = z.strictObject({
  replicationGroupId: z
    .string()
    .min(1)
    .meta({ description: 'The ElastiCache (Redis/Valkey) replication group id, e.g. hokusai-redis-development.' }),
});

type Spec = z.output<typeof schema>;

/**
 * Statuses that never turn into `available`. Everything else (creating, modifying, snapshotting,
 * and any status AWS adds later) is waited for.
 */
const TERMINAL = new Set(['deleting', 'deleted', 'create-failed']);

const ACTION = 'elasticache:DescribeReplicationGroups';

export const elasticacheAvailable = defineCheck({
  type: 'elasticache-available',
  summary: 'An ElastiCache replication group exists and is available; reports its primary endpoint.',
  schema,
  evidence: 'state',
  describe: (spec: Spec) => `ElastiCache replication group ${spec.replicationGroupId} is available`,
  explains: dependencyUnreachableEffects('the ElastiCache replication group is not available'),
  async run(spec, ctx) {
    const id = spec.replicationGroupId;
    const nextSteps = [`aws elasticache describe-replication-groups --replication-group-id ${id}`];
    const { DescribeReplicationGroupsCommand } = await import('@aws-sdk/client-elasticache');
    const client = await ctx.clients.get(elasticacheClient);
    let out: { ReplicationGroups?: ReplicationGroup[] } | undefined;
    try {
      out = await awsCall(
        ctx,
        ACTION,
        async (abortSignal) => {
          try {
            return await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }), { abortSignal });
          } catch (error) {
            if ((error as { name?: string }).name === 'ReplicationGroupNotFoundFault' && !abortSignal.aborted) return undefined;
            throw error;
          }
        },
        DESCRIBE_REPLICATION_GROUPS_SHAPE,
      );
    } catch (error) {
      if (error instanceof AttemptResultError) return error.result;
      throw error;
    }
    if (!out) {
      const region = await clientRegion(client);
      return {
        outcome: 'fail',
        message: `ElastiCache replication group ${id} not found in region ${region} (ReplicationGroupNotFoundFault)`,
        observations: [{ what: `replication group ${id}`, expected: 'available', actual: 'not found', ok: false }],
        nextSteps: [`aws elasticache describe-replication-groups --region ${region} --query "ReplicationGroups[].ReplicationGroupId"`, ...nextSteps],
        facts: { replicationGroupId: id, region },
      };
    }
    // AWS answers an unknown id with ReplicationGroupNotFoundFault, never with a list without it.
    const group = out.ReplicationGroups?.find((g) => g.ReplicationGroupId === id);
    if (!group) return unexpectedResponseResult(ACTION, [`ReplicationGroups does not include ${id}`]);
    return evaluate(id, group, nextSteps);
  },
});

function evaluate(id: string, group: ReplicationGroup, nextSteps: string[]): AttemptResult {
  const status = group.Status ?? 'unknown';
  const primary = endpoint(group.NodeGroups?.[0]?.PrimaryEndpoint);
  const configuration = endpoint(group.ConfigurationEndpoint);
  const details = {
    status,
    ...(primary ? { primaryEndpoint: primary } : {}),
    ...(configuration ? { configurationEndpoint: configuration } : {}),
    ...(group.MemberClusters?.length ? { memberClusters: group.MemberClusters } : {}),
    transitEncryptionEnabled: group.TransitEncryptionEnabled ?? false,
    authTokenEnabled: group.AuthTokenEnabled ?? false,
  };
  const observations = [{ what: `replication group ${id} status`, expected: 'available', actual: status, ok: status === 'available' }];

  if (status === 'available') {
    // Cluster-mode groups have no primary endpoint; clients connect to the configuration endpoint.
    const connectTo = primary ?? configuration;
    return {
      outcome: 'pass',
      message: `ElastiCache replication group ${id} is available${connectTo ? ` at ${connectTo.address}:${connectTo.port}` : ''}`,
      observations,
      details,
      facts: connectTo ? { primaryEndpoint: connectTo } : {},
    };
  }
  const result = { message: `ElastiCache replication group ${id} is ${status}, expected available`, observations, details, nextSteps };
  return TERMINAL.has(status) ? { outcome: 'fail', ...result } : { outcome: 'retry', ...result };
}

function endpoint(value: Endpoint | undefined): { address: string; port: number } | undefined {
  if (!value?.Address) return undefined;
  return { address: value.Address, port: value.Port ?? 6379 };
}
