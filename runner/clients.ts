import type { ClientFactory, ClientProvider, ClientSettings } from '../checks/types.js';

/**
 * Creates each client once per (factory, region, profile) on first use, so a run imports only the
 * SDK clients its check types actually call.
 */
export class ClientPool implements ClientProvider {
  private readonly clients = new Map<string, Promise<unknown>>();

  constructor(private readonly defaults: ClientSettings = {}) {}

  get<T>(factory: ClientFactory<T>, overrides: ClientSettings = {}): Promise<T> {
    const settings: ClientSettings = {
      region: overrides.region ?? this.defaults.region ?? process.env.AWS_REGION,
      profile: overrides.profile ?? this.defaults.profile,
    };
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
