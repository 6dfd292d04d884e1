/**
 * Endpoints in a task definition's configuration: which `environment` values name a host the
 * service connects to (URLs, `host:port`, bare AWS endpoint hostnames), and which `secrets` are
 * named like one (their values are never read). Pure: no AWS, no DNS.
 */

/** How a value named its endpoint. */
export type EndpointForm = 'url' | 'host-port' | 'aws-hostname';

/** An endpoint read from one value: never the value itself (a URL may carry a password). */
export interface ParsedEndpoint {
  form: EndpointForm;
  /** Lower-cased host name or IPv4 address. */
  host: string;
  /** The port the value gives, if it gives one. */
  port?: number;
  /** The URL scheme without `://` (`redis`, `postgresql`), lower-cased; absent for host:port and bare hostnames. */
  scheme?: string;
  /** The URL's password (to be masked by the caller), when it has one. */
  password?: string;
}

/** One endpoint a container's configuration refers to. */
export interface EndpointReference extends ParsedEndpoint {
  container: string;
  /** The environment variable it came from. */
  variable: string;
}

/** A container's `secrets` entry named like an endpoint (`DATABASE_URL`): its value stays unread. */
export interface HiddenEndpoint {
  container: string;
  variable: string;
}

/** The schemes whose default port is known (the URL parser drops a default port for http/https). */
export const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  redis: 6379,
  rediss: 6379,
  postgres: 5432,
  postgresql: 5432,
  mysql: 3306,
  http: 80,
  https: 443,
};

/** Endpoint names of ElastiCache, RDS and MemoryDB: what a bare hostname must end with to count. */
const AWS_ENDPOINT_HOST = /^[a-z0-9][a-z0-9.-]*\.(?:cache|rds|memorydb\.[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;
/** `host:port`, optionally followed by a path or query (`db:5432/app`). */
const HOST_PORT = /^([a-z0-9.-]+):(\d{1,5})(?:[/?#].*)?$/;
const URL_START = /^([a-z][a-z0-9+.-]*):\/\//i;
const MAX_VALUE_LENGTH = 2048;

function validHost(host: string): boolean {
  // A letter somewhere rules out times and ratios ("12:30"); IPv4 addresses are taken as they are.
  return IPV4.test(host) || (HOSTNAME.test(host) && /[a-z]/.test(host));
}

function validPort(text: string): number | undefined {
  const port = Number(text);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}

function parseUrl(value: string, scheme: string): ParsedEndpoint | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  // A trailing dot (fully qualified) names the same host.
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (!validHost(host)) return undefined;
  const port = url.port ? validPort(url.port) : DEFAULT_PORTS[scheme];
  const password = url.password ? decodeURIComponentSafe(url.password) : undefined;
  return { form: 'url', host, scheme, ...(port !== undefined ? { port } : {}), ...(password ? { password } : {}) };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The endpoint a configuration value names, or undefined when it names none: a URL with a host
 * (`redis://:pw@h:6379/0`, `postgresql://u@h/db`; the port defaults by scheme), `host:port`
 * (`cache.internal:6379`, `10.0.1.5:5432/app`), or a bare ElastiCache / RDS / MemoryDB endpoint
 * hostname. Lists, values with spaces and numbers alone are not endpoints. Pure.
 */
export function parseEndpoint(raw: string): ParsedEndpoint | undefined {
  const value = raw.trim();
  if (!value || value.length > MAX_VALUE_LENGTH || /[\s,;]/.test(value)) return undefined;
  const scheme = URL_START.exec(value)?.[1]?.toLowerCase();
  if (scheme) return parseUrl(value, scheme);
  const lower = value.toLowerCase();
  const hostPort = HOST_PORT.exec(lower);
  if (hostPort) {
    const host = hostPort[1]!.replace(/\.$/, '');
    const port = validPort(hostPort[2]!);
    return validHost(host) && port !== undefined ? { form: 'host-port', host, port } : undefined;
  }
  return AWS_ENDPOINT_HOST.test(lower) && validHost(lower) ? { form: 'aws-hostname', host: lower } : undefined;
}

/** Variables whose value is expected to be a URL: `*_URL`, `*_URI` (the scheme smell applies to them). */
export function isUrlVariable(name: string): boolean {
  return /(?:^|_)UR[LI]$/i.test(name);
}

/** Names that say the value is an endpoint: `*_URL`, `*_URI`, `*_HOST`, `*_ENDPOINT`, `*_DSN`, `*_ADDR(ESS)`. */
export function isEndpointName(name: string): boolean {
  return /(?:^|_)(?:UR[LI]|HOST|HOSTNAME|ENDPOINT|DSN|ADDR|ADDRESS)$/i.test(name);
}

/** What discovery reads of one container definition: environment values and secret names. */
export interface ContainerConfiguration {
  name: string;
  environment: readonly { name?: string; value?: string }[];
  secrets: readonly { name?: string }[];
}

/**
 * Every endpoint the containers' `environment` values name, in container then variable order, plus
 * the `secrets` named like endpoints (whose values are never read). Pure.
 */
export function endpointsOf(containers: readonly ContainerConfiguration[]): { references: EndpointReference[]; hidden: HiddenEndpoint[] } {
  const references: EndpointReference[] = [];
  const hidden: HiddenEndpoint[] = [];
  for (const container of containers) {
    for (const entry of container.environment) {
      const parsed = entry.name && entry.value ? parseEndpoint(entry.value) : undefined;
      if (parsed) references.push({ container: container.name, variable: entry.name!, ...parsed });
    }
    for (const secret of container.secrets) {
      if (secret.name && isEndpointName(secret.name)) hidden.push({ container: container.name, variable: secret.name });
    }
  }
  return { references, hidden };
}

/** `host:port` (or the host alone), never the value: a URL may carry a password. */
export function endpointText(endpoint: Pick<ParsedEndpoint, 'host' | 'port'>): string {
  return endpoint.port === undefined ? endpoint.host : `${endpoint.host}:${endpoint.port}`;
}

/**
 * The scheme smell: a `*_URL` / `*_URI` variable holding an endpoint without a scheme (the
 * incident's "REDIS_URL missing scheme": the client could not parse it and fell back to a default).
 * `suggested` is the scheme the resource needs (`rediss` for TLS), when known. Pure.
 */
export function missingSchemeWarning(reference: EndpointReference, suggested?: string): string | undefined {
  if (reference.form === 'url' || !isUrlVariable(reference.variable)) return undefined;
  const fix = suggested ? `write it as ${suggested}://${endpointText(reference)}` : 'write it as a URL (scheme://host:port)';
  return (
    `${reference.variable} (container ${reference.container}) has no scheme: "${endpointText(reference)}" ` +
    `— URL parsers reject it or fall back to a default host ("missing scheme"); ${fix}`
  );
}
