/**
 * Which AWS data store an endpoint reference points at (ElastiCache, RDS, MemoryDB), and what in
 * the reference does not fit the store (wrong port, `redis://` against a TLS-only group, no scheme).
 * Pure: the stores come from the look-ups in dependencies-aws.ts.
 */
import { endpointText, missingSchemeWarning, type EndpointReference } from './dependencies.js';

export type DataStoreKind = 'elasticache-replication-group' | 'elasticache-cache-cluster' | 'rds-instance' | 'rds-cluster' | 'memorydb-cluster';

/** One address a data store answers on, with its role (`primary`, `reader`, `configuration`, `node`, `instance`, `writer`). */
export interface StoreEndpoint {
  address: string;
  port: number;
  role: string;
}

/** A data store as its service describes it. */
export interface DataStore {
  kind: DataStoreKind;
  /** Replication group id, cache cluster id, DB instance or cluster identifier, MemoryDB cluster name. */
  id: string;
  /** `redis`, `valkey`, `memcached`, `postgres`, `aurora-mysql`, … */
  engine?: string;
  status?: string;
  /** Its VPC security groups (for a replication group: its member clusters'). */
  securityGroups: string[];
  /** True when clients must use TLS (ElastiCache in-transit encryption, MemoryDB TLS). */
  tls?: boolean;
  endpoints: StoreEndpoint[];
}

/** An endpoint reference matched to the store it names. */
export interface Dependency {
  reference: EndpointReference;
  store: DataStore;
  /** The endpoint matched. */
  endpoint: StoreEndpoint;
  /** The port the network path must allow: the store's (a different port in the value is a smell). */
  port: number;
  /** Configuration smells: shown as warnings, never a failure. */
  warnings: string[];
}

export const STORE_LABELS: Readonly<Record<DataStoreKind, string>> = {
  'elasticache-replication-group': 'ElastiCache replication group',
  'elasticache-cache-cluster': 'ElastiCache cache cluster',
  'rds-instance': 'RDS DB instance',
  'rds-cluster': 'RDS DB cluster',
  'memorydb-cluster': 'MemoryDB cluster',
};

/** `ElastiCache replication group hokusai-redis`. */
export function storeLabel(store: Pick<DataStore, 'kind' | 'id'>): string {
  return `${STORE_LABELS[store.kind]} ${store.id}`;
}

const REDIS_ENGINES = /^(?:redis|valkey)$/;

/** The scheme a client should use for this store, when the engine says it. */
export function schemeFor(store: DataStore): string | undefined {
  const engine = (store.engine ?? (store.kind === 'memorydb-cluster' ? 'redis' : '')).toLowerCase();
  if (REDIS_ENGINES.test(engine)) return store.tls ? 'rediss' : 'redis';
  if (engine.includes('postgres')) return 'postgresql';
  if (engine.includes('mysql') || engine.includes('mariadb')) return 'mysql';
  return undefined;
}

/** What a connection to a resource should look like: from the resource (discovery) or the scenario. */
export interface ConnectionExpectation {
  /** `ElastiCache replication group hokusai-redis`, for messages. */
  to?: string;
  /** The port the resource listens on. */
  port?: number;
  /** The scheme it needs (`rediss` when it requires TLS). */
  scheme?: string;
}

const REDIS_SCHEMES = new Set(['redis', 'rediss']);

/**
 * What in the reference does not fit what the resource needs: no scheme in a `*_URL`/`*_URI`
 * variable, `redis://` against a resource that requires TLS (or `rediss://` against one without),
 * a port other than the resource's. One line each. Pure.
 */
export function expectationWarnings(reference: EndpointReference, expected: ConnectionExpectation): string[] {
  const warnings: string[] = [];
  const where = `${reference.variable} (container ${reference.container})`;
  const target = expected.to ?? endpointText(reference);
  const noScheme = missingSchemeWarning(reference, expected.scheme);
  if (noScheme) warnings.push(noScheme);
  const fixed = `${expected.scheme}://${reference.host}:${expected.port ?? reference.port ?? ''}`.replace(/:$/, '');
  if (reference.scheme && expected.scheme && reference.scheme !== expected.scheme && REDIS_SCHEMES.has(reference.scheme) && REDIS_SCHEMES.has(expected.scheme)) {
    warnings.push(
      expected.scheme === 'rediss'
        ? `${where} uses redis:// but ${target} requires in-transit encryption (TLS): use ${fixed}`
        : `${where} uses rediss:// but ${target} has no in-transit encryption: the TLS handshake will fail; use ${fixed}`,
    );
  }
  if (reference.port !== undefined && expected.port !== undefined && reference.port !== expected.port) {
    warnings.push(`${where} connects to port ${reference.port}, but ${target} listens on ${expected.port}`);
  }
  return warnings;
}

/** What a connection to `store` at `endpoint` should look like. */
export function expectationOf(store: DataStore, endpoint: StoreEndpoint): ConnectionExpectation {
  const scheme = schemeFor(store);
  return { to: storeLabel(store), port: endpoint.port, ...(scheme ? { scheme } : {}) };
}

/** expectationWarnings against a matched store. Pure. */
export function connectionWarnings(reference: EndpointReference, store: DataStore, endpoint: StoreEndpoint): string[] {
  return expectationWarnings(reference, expectationOf(store, endpoint));
}

/**
 * Matches each reference to the store owning its host (case-insensitive, exact name; a trailing
 * dot ignored). A host several stores claim goes to the first (replication groups before their
 * member clusters). Pure.
 */
export function matchDependencies(
  references: readonly EndpointReference[],
  stores: readonly DataStore[],
): { dependencies: Dependency[]; unmatched: EndpointReference[] } {
  const byAddress = new Map<string, { store: DataStore; endpoint: StoreEndpoint }>();
  for (const store of stores) {
    for (const endpoint of store.endpoints) {
      const key = endpoint.address.toLowerCase().replace(/\.$/, '');
      if (!byAddress.has(key)) byAddress.set(key, { store, endpoint });
    }
  }
  const dependencies: Dependency[] = [];
  const unmatched: EndpointReference[] = [];
  for (const reference of references) {
    const hit = byAddress.get(reference.host.replace(/\.$/, ''));
    if (!hit) {
      unmatched.push(reference);
      continue;
    }
    const { store, endpoint } = hit;
    dependencies.push({ reference, store, endpoint, port: endpoint.port, warnings: connectionWarnings(reference, store, endpoint) });
  }
  return { dependencies, unmatched };
}
