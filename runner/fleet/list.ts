/** The services of an ECS cluster, as ListServices names them (every page). */
import { awsCall, ecsClient } from '../../checks/support/aws.js';
import { AttemptResultError, type ClientProvider } from '../../checks/types.js';
import { ClientPool } from '../clients.js';
import { serviceNameOf } from './select.js';
import { callContext } from '../call-context.js';
import { timeoutSignal } from '../../checks/support/abort.js';

/** The cluster's services could not be listed: no such cluster, no permission, no answer from AWS. */
export class FleetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetError';
  }
}

export interface ListServicesOptions {
  region?: string;
  signal?: AbortSignal;
  /** Bound on all the pages together, ms (default 30 s). */
  timeoutMs?: number;
  /** Clients to use (a fleet's shared ones); by default a pool of its own, closed at the end. */
  clients?: ClientProvider;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** ListServices returns at most 100 ARNs a page. */
const PAGE_SIZE = 100;
/** A cluster holds at most 5,000 services (ECS quota): past that many pages something loops. */
const MAX_PAGES = 60;

/**
 * The names of every service in `cluster`, in the order ECS lists them.
 * AWS API: ecs:ListServices (paginated, 100 a page).
 * @throws FleetError when the cluster does not exist, AWS refuses or fails the call, a page repeats
 *   its token, or AWS does not answer within `timeoutMs`.
 */
export async function listClusterServices(cluster: string, options: ListServicesOptions = {}): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = timeoutSignal(timeoutMs, options.signal);
  const ownPool = options.clients ? undefined : new ClientPool({ region: options.region });
  const clients = options.clients ?? ownPool!;
  const ctx = callContext(clients, signal, timeoutMs);
  try {
    const { ListServicesCommand } = await import('@aws-sdk/client-ecs');
    const client = await clients.get(ecsClient, { region: options.region });
    const names: string[] = [];
    const seenTokens = new Set<string>();
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await awsCall(ctx, 'ecs:ListServices', (abortSignal) => client.send(new ListServicesCommand({ cluster, nextToken, maxResults: PAGE_SIZE }), { abortSignal }), {
        serviceArns: 'array',
      });
      names.push(...(out.serviceArns ?? []).map(serviceNameOf));
      nextToken = out.nextToken;
      if (!nextToken) return names;
      if (seenTokens.has(nextToken)) throw new FleetError(`cannot list the services of cluster ${cluster}: ecs:ListServices repeated a page token`);
      seenTokens.add(nextToken);
    }
    throw new FleetError(`cannot list the services of cluster ${cluster}: more than ${MAX_PAGES} pages from ecs:ListServices`);
  } catch (error) {
    throw listError(cluster, error, signal, timeoutMs);
  } finally {
    await ownPool?.destroy();
  }
}

function listError(cluster: string, error: unknown, signal: AbortSignal, timeoutMs: number): unknown {
  if (error instanceof FleetError) return error;
  if (signal.aborted) {
    const timedOut = (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';
    return new FleetError(`cannot list the services of cluster ${cluster}: ${timedOut ? `AWS did not answer within ${timeoutMs / 1000}s` : 'interrupted'}`);
  }
  if (!(error instanceof AttemptResultError)) return error;
  const { message, details } = error.result;
  const notFound = details?.awsError === 'ClusterNotFoundException';
  return new FleetError(
    notFound
      ? `ECS cluster ${cluster} not found; check the name and the region (aws ecs list-clusters)`
      : `cannot list the services of cluster ${cluster}: ${message}`,
  );
}
