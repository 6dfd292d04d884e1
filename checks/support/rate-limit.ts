/**
 * One budget per AWS API and region for a whole run (a fleet run included): a token bucket per
 * (operation, region) that every client of a ClientPool draws from before each call, so many checks
 * at once cannot throttle the account. Defaults follow the documented per-account quotas.
 */

/** Calls per second per AWS API, by operation name (`FilterLogEvents`) or prefix (`Describe*`), `*` for any other. */
export type RateLimits = Readonly<Record<string, number>>;

/**
 * The documented quotas (CloudWatch Logs: FilterLogEvents 5/s, StartQuery and GetQueryResults
 * 10/s; CloudWatch: GetMetricData 50/s; Describe and List calls 20/s) and 10/s for any other API.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  FilterLogEvents: 5,
  StartQuery: 10,
  GetQueryResults: 10,
  GetMetricData: 50,
  'Describe*': 20,
  'List*': 20,
  '*': 10,
};

/** Highest rate a scenario may set (calls per second). */
export const MAX_RATE = 1_000;
/** An operation name (`FilterLogEvents`), a prefix (`Describe*`) or `*`. */
export const RATE_LIMIT_NAME = /^(?:[A-Z][A-Za-z0-9]*\*?|\*)$/;

/** Calls a bucket lets through at once: a fifth of a second's worth, at least 1 (FilterLogEvents 1, Describe* 4). */
export function burstOf(rate: number): number {
  return Math.max(1, Math.floor(rate / 5));
}

/** Waits in the bucket are real time by default; tests pass their own clock. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Token buckets keyed by operation and region, refilled at the API's rate and holding a fifth of a
 * second's calls (burstOf: at least 1), so a few calls at once still go out together while a crowd
 * is spaced 1/rate apart: any one-second window sees at most rate + burst calls.
 */
export class RateLimiter {
  private limits: RateLimits;
  /** The rates a scenario set through adopt(), by name. */
  private readonly adopted = new Map<string, number>();
  /** When the next call of each bucket may start (clock ms). */
  private readonly next = new Map<string, number>();
  /** Calls made to wait, and the total wait (ms), for reports and the bench. */
  readonly stats = { calls: 0, delayed: 0, waitedMs: 0 };

  constructor(overrides: RateLimits = {}, private readonly clock: Clock = realClock) {
    this.limits = { ...DEFAULT_RATE_LIMITS, ...overrides };
  }

  /**
   * Applies a scenario's `aws.rateLimits` to a limiter that was created before it loaded (a fleet
   * run's, shared by every service): each entry replaces the default, and when scenarios ask
   * different rates for one name the lowest stands, so no scenario's budget is exceeded. Calls
   * already waiting keep their slot; the next ones are spaced at the new rate.
   */
  adopt(overrides: RateLimits = {}): void {
    const changed: Record<string, number> = {};
    for (const [name, rate] of Object.entries(overrides)) {
      const lowest = Math.min(rate, this.adopted.get(name) ?? Infinity);
      this.adopted.set(name, lowest);
      changed[name] = lowest;
    }
    if (Object.keys(changed).length > 0) this.limits = { ...this.limits, ...changed };
  }

  /** Calls per second allowed for `operation`: its own entry, else the longest matching prefix, else `*`. */
  rateOf(operation: string): number {
    const exact = this.limits[operation];
    if (exact !== undefined) return exact;
    let best: [string, number] | undefined;
    for (const [name, rate] of Object.entries(this.limits)) {
      if (name.length > 1 && name.endsWith('*') && operation.startsWith(name.slice(0, -1)) && (!best || name.length > best[0].length)) best = [name, rate];
    }
    return best?.[1] ?? this.limits['*'] ?? DEFAULT_RATE_LIMITS['*']!;
  }

  /**
   * Resolves when a call of `operation` in `region` may start. Rejects with the signal's reason when
   * `signal` aborts first (the reserved slot is given back when no later call took the next one).
   */
  async take(operation: string, region: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError(signal);
    const key = `${operation}|${region}`;
    const rate = this.rateOf(operation);
    const interval = 1000 / rate;
    const now = this.clock.now();
    // GCRA, the token bucket as arithmetic: `due` is when the bucket would be full again.
    const due = Math.max(now, this.next.get(key) ?? now);
    const start = Math.max(now, due - (burstOf(rate) - 1) * interval);
    this.next.set(key, due + interval);
    this.stats.calls++;
    const wait = start - now;
    if (wait <= 0) return;
    this.stats.delayed++;
    this.stats.waitedMs += wait;
    try {
      await this.clock.sleep(wait, signal);
    } catch (error) {
      if (this.next.get(key) === due + interval) this.next.set(key, due);
      throw error;
    }
  }
}

/** An SDK client's `send`, as the limiter wraps it. */
interface Sendable {
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
  config?: { region?: unknown };
}

/** `DescribeServices` for a DescribeServicesCommand: from the command's schema (`[kind, namespace, name, …]`), else its class name. */
export function operationOf(command: unknown): string {
  const schema = (command as { schema?: unknown })?.schema;
  if (Array.isArray(schema) && typeof schema[2] === 'string' && schema[2]) return schema[2];
  const name = (command as { constructor?: { name?: string } })?.constructor?.name ?? '';
  return name.endsWith('Command') ? name.slice(0, -'Command'.length) : name || 'Unknown';
}

/**
 * Makes every `client.send(command, { abortSignal })` wait for a token of `limiter` first (for the
 * command's operation in `region`); the wait ends early with the attempt's abort. Calls with a
 * callback go straight through. Each call is looked up on the client's class, so an SDK mock on the
 * prototype (aws-sdk-client-mock) still answers.
 */
export function limitRate<C>(client: C, limiter: RateLimiter, region: string): C {
  const target = client as unknown as Sendable;
  if (typeof target?.send !== 'function') return client;
  const own = Object.getPrototypeOf(target) as Sendable;
  target.send = async (command: unknown, ...rest: unknown[]) => {
    const send = own.send as (...args: unknown[]) => Promise<unknown>;
    if (rest.some((arg) => typeof arg === 'function')) return send.call(target, command, ...rest);
    const options = rest[0] as { abortSignal?: AbortSignal } | undefined;
    await limiter.take(operationOf(command), region, options?.abortSignal);
    return send.call(target, command, ...rest);
  };
  return client;
}
