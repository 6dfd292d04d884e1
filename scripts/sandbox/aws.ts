/** SDK clients aimed at the sandbox's emulator (the only place an endpoint is set in code). */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const SANDBOX_REGION = 'us-east-1';

/** Credentials the emulator accepts; never real ones. */
export const SANDBOX_CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

export interface SandboxClients {
  cloudwatch: CloudWatchClient;
  ec2: EC2Client;
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  logs: CloudWatchLogsClient;
  elasticache: ElastiCacheClient;
  secretsmanager: SecretsManagerClient;
  destroy(): void;
}

export function sandboxClients(endpoint: string): SandboxClients {
  const config = { endpoint, region: SANDBOX_REGION, credentials: SANDBOX_CREDENTIALS, maxAttempts: 2 };
  const clients = {
    // The SDK gzips PutMetricData bodies over 10 KiB; moto 5.2.1 answers those with HTTP 500.
    cloudwatch: new CloudWatchClient({ ...config, disableRequestCompression: true }),
    ec2: new EC2Client(config),
    ecs: new ECSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    logs: new CloudWatchLogsClient(config),
    elasticache: new ElastiCacheClient(config),
    secretsmanager: new SecretsManagerClient(config),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
}

/** Environment that points verify-deployment (and the aws CLI) at the emulator. */
export function sandboxAwsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: SANDBOX_REGION,
    AWS_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
