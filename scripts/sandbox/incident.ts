/** The incident's names and ids (docs/incident-api-timeout.md), used by the sandbox. */
export const INCIDENT = {
  cluster: 'hokusai-development',
  service: 'hokusai-api-development',
  family: 'hokusai-api',
  container: 'api',
  containerPort: 8000,
  logGroup: '/ecs/hokusai-api-development',
  targetGroupName: 'hokusai-api-development',
  loadBalancerName: 'hokusai-api-development',
  replicationGroupId: 'hokusai-redis-development',
  /** Redis's security group: allows 6379 only from the original ECS tasks group. */
  redisSecurityGroup: 'sg-0454e74e2924a7754',
  /** The group the API service runs with now (hokusai-data-pipeline-ecs-tasks). */
  apiSecurityGroup: 'sg-0864e6f6aee2a5cf4',
  /** The original ECS tasks group, the only source Redis allowed. */
  originalEcsSecurityGroup: 'sg-0e61190afc2502b10',
  redisPort: 6379,
  secretName: 'HUGGINGFACE_API_KEY',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hokusai/huggingface-api-key',
  /** The target's address as the ALB knows it (data only: nothing connects to it). */
  targetIp: '10.0.1.23',
} as const;

/** The incident's target group health check (/health, 2 s timeout, every 5 s, 2 to flip either way). */
export const HEALTH_CHECK = { path: '/health', timeoutSeconds: 2, intervalSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 2 } as const;
