/**
 * AWS clients shared by every service of a fleet run, so that verifying N services costs the
 * account about one Describe call per resource at a time instead of one per check:
 *
 * - identical Describe* requests in flight at the same moment share one call (single flight);
 * - an answer is reused for `maxAgeMs` (default 2 s) after the call that fetched it was sent;
 * - DescribeServices requests for one service each, in the same cluster, made within
 *   `batchWindowMs` (default 10 ms) of each other go out as one call naming up to 10 services.
 *
 * Every other call (List*, FilterLogEvents, GetMetricData…) goes straight through. Freshness: the
 * discovered chains wait 2 s or more between attempts, and the wait starts after the previous
 * attempt's call was sent, so with the default age a retrying check always gets an answer newer
 * than its previous attempt's; a scenario that retries faster than `maxAgeMs` may see one answer
 * twice (never one older than `maxAgeMs`). Each caller gets its own copy of an answer.
 */
import type { ClientFactory, ClientProvider, ClientSettings } from '../../checks/types.js';
import type { RateLimiter } from '../../checks/support/rate-limit.js';
import { ClientPool, type ClientPoolSettings } from '../clients.js';

export interface SharedClientsOptions {
  /** How long an answer is reused, ms, counted from when its call was sent (default DEFAULT_MAX_AGE_MS; 0 turns reuse off). */
  maxAgeMs?: number;
  /** How long a DescribeServices request waits for others to share its call, ms (default 10; 0 turns batching off). */
  batchWindowMs?: number;
}

/** What the sharing saved: calls sent, and requests answered without a call of their own. */
export interface SharingStats {
  /** Describe* calls actually sent to AWS. */
  sent: number;
  /** Requests that joined an identical call already in flight. */
  joined: number;
  /** Requests answered from an answer younger than maxAgeMs. */
  reused: number;
  /** DescribeServices requests that rode in another request's batched call. */
  batched: number;
}

interface SdkCommand {
  input?: unknown;
  schema?: unknown;
}

interface SdkClient {
  send(command: SdkCommand, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** One call many requests wait on; `abandon` runs when the last of them gives up (its signal aborted). */
interface Flight {
  key: string;
  promise: Promise<unknown>;
  waiters: number;
  abandon(): void;
}

interface BatchMember {
  service: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  abandoned: boolean;
}

interface Batch {
  key: string;
  client: SdkClient;
  command: SdkCommand;
  members: BatchMember[];
  timer?: NodeJS.Timeout;
  controller: AbortController;
}

/** The default answer age: the shortest wait between attempts of a discovered chain's checks (2 s). */
export const DEFAULT_MAX_AGE_MS = 2_000;
/** DescribeServices names at most this many services a call. */
export const DESCRIBE_SERVICES_BATCH = 10;
const CACHE_PRUNE_SIZE = 5_000;

/** The AWS operation a command calls (`DescribeServices`), read from the SDK's schema, else its class name. */
export function operationName(command: SdkCommand): string {
  const schema = command.schema;
  if (Array.isArray(schema) && typeof schema[2] === 'string') return schema[2];
  return (command as { constructor?: { name?: string } }).constructor?.name?.replace(/Command$/, '') ?? '';
}

/** JSON with object keys sorted, so equal inputs give equal keys whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

function copy<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

function isSingleServiceRequest(input: unknown): input is { cluster?: string; services: [string] } {
  const request = input as { cluster?: unknown; services?: unknown } | undefined;
  return Array.isArray(request?.services) && request.services.length === 1 && typeof request.services[0] === 'string' && (request.cluster === undefined || typeof request.cluster === 'string');
}

/** The part of a batched DescribeServices answer about `service` (a name or an ARN), shaped like its own answer. */
function answerFor(out: unknown, service: string): unknown {
  const answer = out as { services?: unknown; failures?: unknown; $metadata?: unknown };
  // A malformed answer stays malformed for every member: the check reports it, never a verdict.
  if (!Array.isArray(answer?.services)) return out;
  const services = (answer.services as { serviceName?: string; serviceArn?: string }[]).filter((s) => s?.serviceName === service || s?.serviceArn === service);
  const failures = Array.isArray(answer.failures)
    ? (answer.failures as { arn?: string }[]).filter((f) => f?.arn === service || (typeof f?.arn === 'string' && f.arn.endsWith(`/${service}`)))
    : [];
  return { $metadata: answer.$metadata, services: services.slice(0, 1), failures: services.length > 0 ? [] : failures.slice(0, 1) };
}

export class SharedClients implements ClientProvider {
  readonly stats: SharingStats = { sent: 0, joined: 0, reused: 0, batched: 0 };
  private readonly maxAgeMs: number;
  private readonly batchWindowMs: number;
  private readonly ids = new WeakMap<object, number>();
  private readonly wrapped = new WeakMap<object, object>();
  private readonly flights = new Map<string, Flight>();
  private readonly answers = new Map<string, { value: unknown; sentAt: number }>();
  private readonly batches = new Map<string, Batch>();
  private nextId = 1;

  /** `pool`: where the real clients come from (default a new ClientPool, destroyed with this). */
  constructor(
    private readonly pool: ClientProvider & { destroy?(): Promise<void>; rateLimiter?: RateLimiter } = new ClientPool(),
    options: SharedClientsOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.batchWindowMs = options.batchWindowMs ?? 10;
  }

  async get<T>(factory: ClientFactory<T>, overrides?: ClientSettings): Promise<T> {
    return this.wrap(await this.pool.get(factory, overrides));
  }

  /**
   * A provider for one scenario: its `aws:` region and profile are the defaults, over these shared
   * clients; its `aws.rateLimits` are adopted by the pool's one rate limiter (RateLimiter.adopt),
   * which every service of the fleet draws from.
   */
  scoped(defaults: ClientPoolSettings): ClientProvider {
    if (defaults.rateLimits) this.pool.rateLimiter?.adopt(defaults.rateLimits);
    return {
      get: <T>(factory: ClientFactory<T>, overrides: ClientSettings = {}) =>
        this.get(factory, { region: overrides.region ?? defaults.region, profile: overrides.profile ?? defaults.profile }),
    };
  }

  /** Closes the clients (and their sockets); pending batches are sent first. */
  async destroy(): Promise<void> {
    for (const batch of [...this.batches.values()]) this.flush(batch);
    this.answers.clear();
    await this.pool.destroy?.();
  }

  private wrap<T>(client: T): T {
    if (!client || typeof client !== 'object' || typeof (client as unknown as SdkClient).send !== 'function') return client;
    const existing = this.wrapped.get(client);
    if (existing) return existing as T;
    const id = this.ids.get(client) ?? this.ids.set(client, this.nextId++).get(client)!;
    const target = client as unknown as SdkClient;
    const proxy = new Proxy(client, {
      get: (object, property) => {
        if (property === 'send') return (command: SdkCommand, ...rest: unknown[]) => this.send(target, id, command, rest);
        const value: unknown = Reflect.get(object, property, object);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
      },
    });
    this.wrapped.set(client, proxy);
    return proxy;
  }

  private send(client: SdkClient, id: number, command: SdkCommand, rest: unknown[]): Promise<unknown> {
    const options = rest[0] as { abortSignal?: AbortSignal } | undefined;
    const operation = operationName(command);
    // Callbacks, extra arguments and anything but Describe* go straight through.
    if (!operation.startsWith('Describe') || rest.length > 1 || typeof rest[0] === 'function') {
      return (client.send as (...args: unknown[]) => Promise<unknown>).call(client, command, ...rest);
    }
    if (operation === 'DescribeServices' && this.batchWindowMs > 0 && isSingleServiceRequest(command.input)) {
      return this.describeService(client, id, command, options?.abortSignal);
    }
    const key = `${id}|${operation}|${stableJson(command.input)}`;
    return this.shared(key, options?.abortSignal, (abortSignal) => client.send(command, { ...options, abortSignal }));
  }

  /** A fresh enough answer for `key`, a call in flight to join, or a new call. */
  private shared(key: string, signal: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<unknown>): Promise<unknown> {
    const answer = this.freshAnswer(key);
    if (answer) return answer;
    let flight = this.flights.get(key);
    if (flight) this.stats.joined += 1;
    else {
      const controller = new AbortController();
      const sentAt = performance.now();
      this.stats.sent += 1;
      flight = this.startFlight(key, call(controller.signal), sentAt, () => controller.abort(new DOMException('every request for this call gave up', 'AbortError')));
    }
    return this.join(flight, signal);
  }

  private freshAnswer(key: string): Promise<unknown> | undefined {
    const answer = this.answers.get(key);
    if (!answer || performance.now() - answer.sentAt > this.maxAgeMs) return undefined;
    this.stats.reused += 1;
    return Promise.resolve(copy(answer.value));
  }

  private startFlight(key: string, call: Promise<unknown>, sentAt: number, abandon: () => void): Flight {
    const promise = call.then((value) => {
      if (this.maxAgeMs > 0) this.remember(key, value, sentAt);
      return value;
    });
    const flight: Flight = { key, promise, waiters: 0, abandon };
    this.flights.set(key, flight);
    const done = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    promise.then(done, done);
    return flight;
  }

  private remember(key: string, value: unknown, sentAt: number): void {
    if (this.answers.size >= CACHE_PRUNE_SIZE) {
      const now = performance.now();
      for (const [k, v] of this.answers) if (now - v.sentAt > this.maxAgeMs) this.answers.delete(k);
    }
    this.answers.set(key, { value, sentAt });
  }

  /** Waits for `flight` as one request: its own abort ends only its wait; the last one to leave abandons the call. */
  private join(flight: Flight, signal: AbortSignal | undefined): Promise<unknown> {
    flight.waiters += 1;
    return new Promise((resolve, reject) => {
      let settled = false;
      const leave = (gaveUp: boolean) => {
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        flight.waiters -= 1;
        if (gaveUp && flight.waiters === 0) {
          if (this.flights.get(flight.key) === flight) this.flights.delete(flight.key);
          flight.abandon();
        }
      };
      const onAbort = () => {
        if (settled) return;
        leave(true);
        reject(signal!.reason);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (value) => {
          if (settled) return;
          leave(false);
          resolve(copy(value));
        },
        (error: unknown) => {
          if (settled) return;
          leave(false);
          reject(error);
        },
      );
    });
  }

  /** DescribeServices for one service: answered, joined, or added to the cluster's next batched call. */
  private describeService(client: SdkClient, id: number, command: SdkCommand, signal: AbortSignal | undefined): Promise<unknown> {
    const input = command.input as { cluster?: string; services: [string] };
    const service = input.services[0];
    const batchKey = `${id}|DescribeServices|${stableJson({ ...input, services: undefined })}`;
    const key = `${batchKey}|${service}`;
    const answer = this.freshAnswer(key);
    if (answer) return answer;
    const inFlight = this.flights.get(key);
    if (inFlight) {
      this.stats.joined += 1;
      return this.join(inFlight, signal);
    }
    let batch = this.batches.get(batchKey);
    if (!batch) {
      batch = { key: batchKey, client, command, members: [], controller: new AbortController() };
      this.batches.set(batchKey, batch);
      const pending = batch;
      batch.timer = setTimeout(() => this.flush(pending), this.batchWindowMs);
    } else this.stats.batched += 1;
    let member!: BatchMember;
    const call = new Promise<unknown>((resolve, reject) => {
      member = { service, resolve, reject, abandoned: false };
    });
    batch.members.push(member);
    const owner = batch;
    const flight = this.startFlight(key, call, performance.now(), () => this.abandonMember(owner, member));
    if (batch.members.length >= DESCRIBE_SERVICES_BATCH) this.flush(batch);
    return this.join(flight, signal);
  }

  private abandonMember(batch: Batch, member: BatchMember): void {
    member.abandoned = true;
    member.reject(new DOMException('every request for this service gave up', 'AbortError'));
    if (batch.members.every((m) => m.abandoned)) {
      clearTimeout(batch.timer);
      if (this.batches.get(batch.key) === batch) this.batches.delete(batch.key);
      batch.controller.abort(new DOMException('every request in this batch gave up', 'AbortError'));
    }
  }

  private flush(batch: Batch): void {
    clearTimeout(batch.timer);
    if (this.batches.get(batch.key) !== batch) return;
    this.batches.delete(batch.key);
    const members = batch.members.filter((m) => !m.abandoned);
    if (members.length === 0) return;
    this.stats.sent += 1;
    const Command = (batch.command as { constructor: new (input: unknown) => SdkCommand }).constructor;
    const input = { ...(batch.command.input as object), services: members.map((m) => m.service) };
    batch.client.send(new Command(input), { abortSignal: batch.controller.signal }).then(
      (out) => members.forEach((m) => m.resolve(answerFor(out, m.service))),
      (error: unknown) => members.forEach((m) => m.reject(error)),
    );
  }
}
