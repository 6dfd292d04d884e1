/**
 * What every AWS check type shares: lazily imported clients and one place that turns SDK errors
 * into attempt results an on-call engineer can act on.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { AttemptResultError, type AttemptResult, type CheckContext, type ClientFactory, type ClientSettings } from '../types.js';

function sdkConfig(settings: ClientSettings) {
  // No endpoint here on purpose: AWS_ENDPOINT_URL(_<SERVICE>) is honoured by the SDK itself.
  return { region: settings.region, ...(settings.profile ? { profile: settings.profile } : {}) };
}

export const ecsClient: ClientFactory<ECSClient> = {
  id: 'ecs',
  create: async (s) => new (await import('@aws-sdk/client-ecs')).ECSClient(sdkConfig(s)),
};
export const elbv2Client: ClientFactory<ElasticLoadBalancingV2Client> = {
  id: 'elbv2',
  create: async (s) =>
    new (await import('@aws-sdk/client-elastic-load-balancing-v2')).ElasticLoadBalancingV2Client(sdkConfig(s)),
};
export const logsClient: ClientFactory<CloudWatchLogsClient> = {
  id: 'logs',
  create: async (s) => new (await import('@aws-sdk/client-cloudwatch-logs')).CloudWatchLogsClient(sdkConfig(s)),
};
export const ec2Client: ClientFactory<EC2Client> = {
  id: 'ec2',
  create: async (s) => new (await import('@aws-sdk/client-ec2')).EC2Client(sdkConfig(s)),
};
export const elasticacheClient: ClientFactory<ElastiCacheClient> = {
  id: 'elasticache',
  create: async (s) => new (await import('@aws-sdk/client-elasticache')).ElastiCacheClient(sdkConfig(s)),
};

const THROTTLING = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException',
  'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException', 'SlowDown',
  'ProvisionedThroughputExceededException', 'LimitExceededException',
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
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

interface SdkLikeError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps an SDK error to an attempt result. `action` is the IAM action of the call
 * (e.g. `ecs:DescribeServices`) so AccessDenied can name exactly what to grant.
 */
export function awsErrorResult(error: unknown, action: string): AttemptResult {
  const err = (error ?? {}) as SdkLikeError;
  const name = err.name ?? err.Code ?? 'Error';
  const code = err.code ?? '';
  const detail = (err.message ?? String(error)).split('\n')[0];
  if (THROTTLING.has(name) || err.$metadata?.httpStatusCode === 429) {
    return { outcome: 'retry', message: `AWS throttled ${action} (${name}); backing off and retrying` };
  }
  if (ACCESS_DENIED.has(name)) {
    return {
      outcome: 'error',
      message: `AccessDenied: ${action} is not allowed for these credentials (${detail})`,
      nextSteps: [`grant ${action} to the role running verify-deployment (see the README's IAM policy)`, 'aws sts get-caller-identity'],
      details: { awsError: name, action },
    };
  }
  if (BAD_CREDENTIALS.has(name) || /credential/i.test(name) || /Could not load credentials/i.test(detail ?? '')) {
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
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) {
    return { outcome: 'error', retryable: true, message: `AWS ${action} failed with ${name} (HTTP ${status}): ${detail}`, details: { awsError: name, action } };
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

function valuesAt(root: unknown, path: string): { where: string; value: unknown }[] {
  let found: { where: string; value: unknown }[] = [{ where: '', value: root }];
  for (const part of path.split('.')) {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    const next: { where: string; value: unknown }[] = [];
    for (const { where, value } of found) {
      const child = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      const at = where ? `${where}.${key}` : key;
      if (!each) next.push({ where: at, value: child });
      else if (Array.isArray(child)) child.forEach((item, i) => next.push({ where: `${at}[${i}]`, value: item }));
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
    for (const { where, value } of valuesAt(response, path)) {
      const actual = kindOf(value);
      if (actual === kind) continue;
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
 * timeout from failure.
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
  if (shape) {
    const problems = shapeProblems(out, shape);
    if (problems.length > 0) throw new AttemptResultError(unexpectedResponseResult(action, problems));
  }
  return out;
}
