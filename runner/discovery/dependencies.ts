/**
 * Discovery's dependency look-ups: endpoints in the running task definition (environment values,
 * endpoint-named secrets), matched against the ElastiCache, RDS and MemoryDB stores of the region.
 * Only the services an endpoint's domain points at are asked; a look-up that fails becomes a note,
 * never a discovery failure (and never a check that cannot pass).
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { endpointText, endpointsOf, isUrlVariable, type EndpointReference } from '../../checks/support/dependencies.js';
import { STORE_LOOKUPS, storeServiceOf } from '../../checks/support/dependencies-aws.js';
import { connectionWarnings, expectationOf, matchDependencies, storeLabel, type DataStore } from '../../checks/support/dependencies-match.js';
import { secretReferences } from '../../checks/support/dependencies-secrets.js';
import { AttemptResultError, type CheckContext } from '../../checks/types.js';
import type { Discovered, DiscoveredDependency, UnmatchedEndpoint } from './types.js';

type DependencyFacts = Pick<Discovered, 'dependencies' | 'unmatched' | 'secretReferences' | 'notes'>;

const SERVICE_NAMES = { elasticache: 'ElastiCache', rds: 'RDS', memorydb: 'MemoryDB' } as const;

/** The stores of every service some reference's host belongs to; a failed look-up is a note. */
async function storesFor(ctx: CheckContext, references: readonly EndpointReference[], notes: string[], failed: Set<string>): Promise<DataStore[]> {
  const services = [...new Set(references.map((r) => storeServiceOf(r.host)).filter((s) => s !== undefined))];
  const lists = await Promise.all(
    services.map(async (service) => {
      try {
        return await STORE_LOOKUPS[service](ctx);
      } catch (error) {
        if (!(error instanceof AttemptResultError)) throw error;
        failed.add(service);
        notes.push(`${SERVICE_NAMES[service]} not looked up (${error.result.message}): its endpoints are not followed`);
        return [];
      }
    }),
  );
  return lists.flat();
}

function dependencyOf(match: ReturnType<typeof matchDependencies>['dependencies'][number]): DiscoveredDependency {
  const { reference, store, endpoint } = match;
  return {
    container: reference.container,
    variable: reference.variable,
    endpoint: endpointText(reference),
    store: { kind: store.kind, id: store.id, label: storeLabel(store), status: store.status, securityGroups: store.securityGroups },
    port: match.port,
    expectation: expectationOf(store, endpoint),
    warnings: connectionWarnings(reference, store, endpoint),
  };
}

/**
 * The dependencies of a task definition: matched data stores (with their security groups, port and
 * the smells of the variable naming them), endpoints nothing claims, the number of secret
 * references, and notes on what was not followed.
 * AWS APIs (only for the domains found): elasticache:DescribeReplicationGroups,
 * elasticache:DescribeCacheClusters, rds:DescribeDBInstances, rds:DescribeDBClusters, memorydb:DescribeClusters.
 */
export async function discoverDependencies(ctx: CheckContext, definition: TaskDefinition | undefined): Promise<DependencyFacts> {
  if (!definition) return { dependencies: [], unmatched: [], secretReferences: 0, notes: [] };
  const containers = (definition.containerDefinitions ?? []).map((c) => ({ name: c.name ?? '?', environment: c.environment ?? [], secrets: c.secrets ?? [] }));
  const { references, hidden } = endpointsOf(containers);
  const notes: string[] = hidden.map((h) => `${h.variable} (container ${h.container}) is a secret: its endpoint is never read, so it is not followed (add its checks by hand)`);
  const failed = new Set<string>();
  const stores = await storesFor(ctx, references, notes, failed);
  const { dependencies, unmatched } = matchDependencies(references, stores);
  for (const ref of unmatched) {
    const aws = storeServiceOf(ref.host);
    if (aws && !failed.has(aws)) notes.push(`${ref.variable} (container ${ref.container}) names ${endpointText(ref)}, which no ${SERVICE_NAMES[aws]} resource in this region answers on`);
  }
  return {
    dependencies: dependencies.map(dependencyOf),
    unmatched: unmatched
      // An http(s):// URL is usually an outside API, not a dependency inside the VPC: no note.
      .filter((ref) => !(ref.form === 'url' && (ref.scheme === 'http' || ref.scheme === 'https')))
      .map((ref): UnmatchedEndpoint => ({ container: ref.container, variable: ref.variable, endpoint: endpointText(ref), noScheme: ref.form !== 'url' && isUrlVariable(ref.variable) })),
    secretReferences: secretReferences(definition).length,
    notes,
  };
}
