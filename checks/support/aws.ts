/**
 * What every AWS check type shares: lazily imported clients and one place that turns SDK errors
 * into attempt results an on-call engineer can act on.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { MemoryDBClient } from '@aws-sdk/client-memorydb';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { limitRate, type RateLimiter } from './rate-limit.js';
import { neutralize } from './untrusted.js';
import { AttemptResultError, type AttemptResult, type CheckContext, type ClientFactory, type ClientSettings } from '../types.js';

/**
 * The settings a ClientPool hands to factories: region and profile, plus the run's rate limiter
 * (one budget per AWS API and region shared by every client of the pool).
 */
export interface PooledClientSettings extends ClientSettings {
  rateLimiter?: RateLimiter;
}

function sdkConfig(settings: ClientSettings) {
  // No endpoint here on purpose: AWS_ENDPOINT_URL(_<SERVICE>) is honoured by the SDK itself.
  return { region: settings.region, ...(settings.profile ? { profile: settings.profile } : {}) };
}

/** The parts of the SDK's retry strategy (smithy `RetryStrategyV2`) that the wrapper below touches. */
interface RetryStrategyV2Like {
  mode?: string;
  acquireInitialRetryToken(scope: string): Promise<unknown>;
  refreshRetryTokenForRetry(token: unknown, errorInfo: { errorType?: string; error?: unknown }): Promise<unknown>;
  recordSuccess(token: unknown): void;
}

function isRetryStrategyV2(strategy: unknown): strategy is RetryStrategyV2Like {
  const s = strategy as Partial<RetryStrategyV2Like> | undefined;
  return typeof s?.acquireInitialRetryToken === 'function' && typeof s.refreshRetryTokenForRetry === 'function' && typeof s.recordSuccess === 'function';
}

/**
 * `strategy` (the SDK's standard or adaptive one, as AWS_MAX_ATTEMPTS / AWS_RETRY_MODE resolved it),
 * except that a throttled call is not retried inside the attempt: the SDK would back off for
 * seconds, the attempt would time out, and the report would say "no answer within the … attempt
 * timeout" instead of "AWS throttled …". The error reaches awsErrorResult at once and the runner's
 * retry (with its own backoff) takes over. Network errors and 5xx are still retried by the SDK.
 */
export function throttlingNotRetried(strategy: unknown): unknown {
  if (!isRetryStrategyV2(strategy)) return strategy;
  return {
    mode: strategy.mode,
    acquireInitialRetryToken: (scope: string) => strategy.acquireInitialRetryToken(scope),
    async refreshRetryTokenForRetry(token: unknown, errorInfo: { errorType?: string; error?: unknown }) {
      // The SDK's retry middleware rethrows the call's own error when this throws.
      if (errorInfo.errorType === 'THROTTLING') throw errorInfo.error ?? new Error('throttled');
      return strategy.refreshRetryTokenForRetry(token, errorInfo);
    },
    recordSuccess: (token: unknown) => strategy.recordSuccess(token),
  };
}

interface RetryConfigurable {
  config: { retryStrategy: () => Promise<unknown> };
}

/**
 * Wraps the client's resolved retry strategy with throttlingNotRetried. The SDK's retry middleware
 * reads `client.config.retryStrategy()` on every call, so replacing that provider after
 * construction keeps everything else the SDK resolved (max attempts, retry mode, quotas).
 */
function surfaceThrottling<C>(client: C): C {
  const config = (client as unknown as RetryConfigurable).config;
  const resolved = config.retryStrategy;
  let wrapped: Promise<unknown> | undefined;
  config.retryStrategy = () => (wrapped ??= resolved().then(throttlingNotRetried));
  return client;
}

/**
 * What every AWS client of a run gets: throttling surfaced to the runner (surfaceThrottling) and,
 * when the pool has one, the run's rate limiter in front of `send`.
 */
function awsClient<C>(client: C, settings: ClientSettings): C {
  const limiter = (settings as PooledClientSettings).rateLimiter;
  surfaceThrottling(client);
  return limiter ? limitRate(client, limiter, settings.region ?? process.env.AWS_REGION ?? '') : client;
}

/** A lazily imported AWS SDK client class, built with the run's region, profile, throttling treatment and rate limiter. */
function sdkFactory<C>(id: string, load: () => Promise<new (config: ReturnType<typeof sdkConfig>) => C>): ClientFactory<C> {
  return { id, create: async (s) => awsClient(new (await load())(sdkConfig(s)), s) };
}

export const ecsClient: ClientFactory<ECSClient> = sdkFactory('ecs', async () => (await import('@aws-sdk/client-ecs')).ECSClient);
export const elbv2Client: ClientFactory<ElasticLoadBalancingV2Client> = sdkFactory(
  'elbv2',
  async () => (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client,
);
export const logsClient: ClientFactory<CloudWatchLogsClient> = sdkFactory('logs', async () => (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient);
export const ec2Client: ClientFactory<EC2Client> = sdkFactory('ec2', async () => (await import('@aws-sdk/client-ec2')).EC2Client);
export const elasticacheClient: ClientFactory<ElastiCacheClient> = sdkFactory('elasticache', async () => (await import('@aws-sdk/client-elasticache')).ElastiCacheClient);
export const cloudwatchClient: ClientFactory<CloudWatchClient> = sdkFactory('cloudwatch', async () => (await import('@aws-sdk/client-cloudwatch')).CloudWatchClient);
export const rdsClient: ClientFactory<RDSClient> = sdkFactory('rds', async () => (await import('@aws-sdk/client-rds')).RDSClient);
export const memorydbClient: ClientFactory<MemoryDBClient> = sdkFactory('memorydb', async () => (await import('@aws-sdk/client-memorydb')).MemoryDBClient);
export const secretsManagerClient: ClientFactory<SecretsManagerClient> = sdkFactory(
  'secretsmanager',
  async () => (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient,
);
export const ssmClient: ClientFactory<SSMClient> = sdkFactory('ssm', async () => (await import('@aws-sdk/client-ssm')).SSMClient);

/**
 * The region a client sends its calls to (`await client.config.region()`), for "not found"
 * messages: a resource looked up in the wrong region is the most common "not found".
 */
export async function clientRegion(client: unknown): Promise<string> {
  try {
    const region = (client as { config?: { region?: unknown } }).config?.region;
    const value: unknown = typeof region === 'function' ? await (region as () => Promise<unknown>)() : region;
    return typeof value === 'string' && value ? value : 'unknown region';
  } catch {
    return 'unknown region';
  }
}

/** The SDK's own throttling codes (smithy THROTTLING_ERROR_CODES) plus the services' spellings. */
const THROTTLING = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException',
  'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException', 'SlowDown',
  'ProvisionedThroughputExceededException', 'LimitExceededException', 'BandwidthLimitExceeded',
  'EC2ThrottledException', 'PriorRequestNotComplete', 'TransactionInProgressException',
]);
const ACCESS_DENIED = new Set([
  'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException',
  'AuthorizationError', 'NotAuthorized',
]);
const BAD_CREDENTIALS = new Set([
  'ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidClientTokenId',
  'InvalidSignatureException', 'SignatureDoesNotMatch', 'AuthFailure', 'CredentialsProviderError',
  'TokenRefreshRequired',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkLikeError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * An answer with a 2xx status the SDK could not read (HTML from a proxy, JSON where XML belongs):
 * the SDK throws its parser's error with the response's status and a "Deserialization error" hint.
 */
function isUnreadableAnswer(err: SdkLikeError, detail: string): boolean {
  const status = err.$metadata?.httpStatusCode;
  return (status !== undefined && status >= 200 && status < 300) || /Deserialization error/i.test(err.message ?? detail);
}

/**
 * Maps an SDK error to an attempt result. `action` is the IAM action of the call
 * (e.g. `ecs:DescribeServices`) so AccessDenied can name exactly what to grant. Transient (retry,
 * or `error` with `retryable`): throttling, unreachable endpoint, HTTP 5xx. Definitive (`error`):
 * access denied, bad credentials, an unreadable 2xx answer, any other 4xx. Not-found codes are
 * the check types' business (a `fail` naming what and where), so callers catch those first.
 */
export function awsErrorResult(error: unknown, action: string): AttemptResult {
  const err = (error ?? {}) as SdkLikeError;
  const name = err.name ?? err.Code ?? 'Error';
  const code = err.code ?? '';
  // The endpoint's own words (a proxy or an emulator can put anything there): shown, never obeyed.
  const detail = neutralize((err.message ?? String(error)).split(/\r?\n/)[0] ?? '');
  const status = err.$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429) {
    return { outcome: 'retry', message: `AWS throttled ${action} (${name}); backing off and retrying`, details: { awsError: name, action } };
  }
  if (ACCESS_DENIED.has(name)) {
    return {
      outcome: 'error',
      message: `AccessDenied: ${action} is not allowed for these credentials (${detail})`,
      nextSteps: [`grant ${action} to the role running verify-deployment (see the README's IAM policy)`, 'aws sts get-caller-identity'],
      details: { awsError: name, action },
    };
  }
  if (BAD_CREDENTIALS.has(name) || /credential/i.test(name) || /Could not load credentials/i.test(detail)) {
    return {
      outcome: 'error',
      message: `AWS credentials are missing, expired or invalid (${name}: ${detail}) while calling ${action}`,
      nextSteps: ['aws sts get-caller-identity', 'refresh the session (aws sso login / re-export AWS_* variables)'],
      details: { awsError: name, action },
    };
  }
  if (NETWORK_CODES.has(code) || NETWORK_CODES.has(name) || name === 'TimeoutError') {
    return {
      outcome: 'error',
      retryable: true,
      message: `cannot reach the AWS endpoint for ${action} (${code || name}: ${detail})`,
      details: { awsError: code || name, action },
    };
  }
  if (status !== undefined && status >= 500) {
    return { outcome: 'error', retryable: true, message: `AWS ${action} failed with ${name} (HTTP ${status}): ${detail}`, details: { awsError: name, action } };
  }
  if (isUnreadableAnswer(err, detail)) {
    return unexpectedResponseResult(action, [`HTTP ${status ?? '2xx'} answer the SDK could not read (${name}: ${detail})`]);
  }
  return { outcome: 'error', message: `AWS ${action} failed: ${name}: ${detail}`, details: { awsError: name, action } };
}

/** The kind of value a response field must hold. */
export type FieldKind = 'array' | 'string' | 'number' | 'boolean' | 'object';

/**
 * The fields an API always returns, as paths to kinds: `{ services: 'array', 'services[].status':
 * 'string' }`. `a[].b` applies to every element of the array `a`. A response missing one of them
 * (an empty or foreign body from a proxy, a middlebox or an emulator) is not evidence of anything.
 */
export type ResponseShape = Readonly<Record<string, FieldKind>>;

function kindOf(value: unknown): FieldKind | 'missing' | 'other' {
  if (value === undefined || value === null) return 'missing';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'other';
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || type === 'object' ? type : 'other';
}

/** A value found at a path, with the way back to the root: the path text is built only for a problem. */
interface Found {
  value: unknown;
  parent?: Found;
  step?: string | number;
}

function pathOf(found: Found): string {
  let text = '';
  for (let at: Found | undefined = found; at?.parent; at = at.parent) {
    text = typeof at.step === 'number' ? `[${at.step}]${text}` : `${at.parent.parent ? '.' : ''}${at.step}${text}`;
  }
  return text;
}

function valuesAt(root: unknown, path: string): Found[] {
  let found: Found[] = [{ value: root }];
  for (const part of path.split('.')) {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    const next: Found[] = [];
    for (const at of found) {
      const child = at.value && typeof at.value === 'object' ? (at.value as Record<string, unknown>)[key] : undefined;
      const keyed: Found = { value: child, parent: at, step: key };
      if (!each) next.push(keyed);
      else if (Array.isArray(child)) for (let i = 0; i < child.length; i++) next.push({ value: child[i], parent: keyed, step: i });
    }
    found = next;
  }
  return found;
}

/**
 * The fields of `response` that do not match `shape` ("services: missing", "events[2].message:
 * expected string, got number"); empty when it matches. Pure.
 */
export function shapeProblems(response: unknown, shape: ResponseShape): string[] {
  const problems: string[] = [];
  for (const [path, kind] of Object.entries(shape)) {
    for (const found of valuesAt(response, path)) {
      const actual = kindOf(found.value);
      if (actual === kind) continue;
      const where = pathOf(found);
      problems.push(actual === 'missing' ? `${where}: missing` : `${where}: expected ${kind}, got ${actual}`);
    }
  }
  return problems;
}

/** The attempt result for a response that lacks what the API always returns: an error, never a verdict. */
export function unexpectedResponseResult(action: string, problems: readonly string[]): AttemptResult {
  const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
  return {
    outcome: 'error',
    message: `unexpected response from ${action}: ${shown} (a proxy or endpoint that does not speak the AWS API?)`,
    details: { action, responseProblems: problems.slice(0, 20) },
    nextSteps: ['check AWS_ENDPOINT_URL / HTTPS_PROXY and the region: the answer did not come from the AWS API'],
  };
}

/**
 * Runs one SDK call with the attempt's abort signal: `awsCall(ctx, 'ecs:DescribeServices',
 * (abortSignal) => client.send(cmd, { abortSignal }), { services: 'array' })`. SDK errors become an
 * AttemptResultError the runner reports as-is; a response that does not match `shape` becomes an
 * `error` ("unexpected response from …"); an abort propagates untouched so the runner can tell
 * timeout from failure. A call that resolves to `undefined` (never the SDK's own answer: the caller
 * turned a not-found error into "absent") is returned without a shape check.
 * @throws AttemptResultError for SDK errors and malformed responses.
 */
export async function awsCall<Out>(
  ctx: CheckContext,
  action: string,
  call: (abortSignal: AbortSignal) => Promise<Out>,
  shape?: ResponseShape,
): Promise<Out> {
  let out: Out;
  try {
    out = await call(ctx.signal);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    throw new AttemptResultError(awsErrorResult(error, action));
  }
  if (shape && out !== undefined) {
    const problems = shapeProblems(out, shape);
    if (problems.length > 0) throw new AttemptResultError(unexpectedResponseResult(action, problems));
  }
  return out;
}
