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

/**
 * Runs one SDK call with the attempt's abort signal: `awsCall(ctx, 'ecs:DescribeServices',
 * (abortSignal) => client.send(cmd, { abortSignal }))`. SDK errors become an AttemptResultError the
 * runner reports as-is; an abort propagates untouched so the runner can tell timeout from failure.
 */
export async function awsCall<Out>(ctx: CheckContext, action: string, call: (abortSignal: AbortSignal) => Promise<Out>): Promise<Out> {
  try {
    return await call(ctx.signal);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    throw new AttemptResultError(awsErrorResult(error, action));
  }
}
