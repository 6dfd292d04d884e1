import type { ClientFactory, ClientProvider, ClientSettings } from '../checks/types.js';
import type { PooledClientSettings } from '../checks/support/aws.js';
import { RateLimiter, type RateLimits } from '../checks/support/rate-limit.js';

/** A pool's defaults: the scenario's `aws:` block (region, profile, rateLimits). */
export interface ClientPoolSettings extends ClientSettings {
  /** Calls per second per AWS API over the defaults (DEFAULT_RATE_LIMITS), e.g. `{ FilterLogEvents: 2 }`. */
  rateLimits?: RateLimits;
}

/**
 * Creates each client once per (factory, region, profile) on first use, so a run imports only the
 * SDK clients its check types actually call. Every AWS client of the pool draws from one rate
 * limiter (`rateLimiter`): one budget per AWS API and region for the whole run, or fleet run.
 */
export class ClientPool implements ClientProvider {
  private readonly clients = new Map<string, Promise<unknown>>();
  readonly rateLimiter: RateLimiter;

  /** `limiter`: share another pool's budget (default: a new one from `defaults.rateLimits`). */
  constructor(
    private readonly defaults: ClientPoolSettings = {},
    limiter?: RateLimiter,
  ) {
    this.rateLimiter = limiter ?? new RateLimiter(defaults.rateLimits);
  }

  get<T>(factory: ClientFactory<T>, overrides: ClientSettings = {}): Promise<T> {
    const settings: PooledClientSettings = {
      region: overrides.region ?? this.defaults.region ?? process.env.AWS_REGION,
      profile: overrides.profile ?? this.defaults.profile,
    };
    // Not enumerable: the limiter travels to the factory without becoming part of the settings' value.
    Object.defineProperty(settings, 'rateLimiter', { value: this.rateLimiter, enumerable: false });
    const key = `${factory.id}|${settings.region ?? ''}|${settings.profile ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = factory.create(settings);
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    return client as Promise<T>;
  }

  /** Closes clients that hold sockets (AWS SDK clients expose destroy()). */
  async destroy(): Promise<void> {
    const created = await Promise.allSettled(this.clients.values());
    for (const entry of created) {
      if (entry.status !== 'fulfilled') continue;
      const client = entry.value as { destroy?: () => void };
      client.destroy?.();
    }
    this.clients.clear();
  }
}
