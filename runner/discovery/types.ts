/** What discovery reads from AWS about one ECS service, and the one error it throws. */
import type { HealthCheckSettings } from '../../checks/support/elbv2.js';

export interface DiscoveryInput {
  cluster: string;
  service: string;
  /** Base URL of the service; adds an `http` check on its health-check path. */
  url?: string;
  region?: string;
}

/** One of the service's target groups, with the health-check settings its budget comes from. */
export interface DiscoveredTargetGroup {
  name: string;
  arn: string;
  healthCheckPath?: string;
  /** The target group's health check as DescribeTargetGroups returns it (seconds and counts). */
  healthCheck?: HealthCheckSettings;
}

export interface DiscoveredContainer {
  name: string;
  /** Names of the container's `secrets` (never their values, never their `valueFrom`). */
  secrets: string[];
  /** Names of the container's `environment` variables. */
  environment: string[];
  /** The `awslogs-group` of its log configuration, when it logs to CloudWatch Logs. */
  logGroup?: string;
}

/** The service as it runs now: what the standard post-deploy chain and its budgets need. */
export interface Discovered {
  /** `family:revision` of the task definition the PRIMARY deployment runs. */
  taskDefinition?: string;
  containers: DiscoveredContainer[];
  targetGroups: DiscoveredTargetGroup[];
  /** The awsvpc security groups of the service's tasks. */
  securityGroups: string[];
  /** ISO 8601 time the PRIMARY deployment was created. */
  deploymentStartedAt?: string;
  /** The PRIMARY deployment's `rolloutState` (COMPLETED, IN_PROGRESS, FAILED) when ECS reports one. */
  rolloutState?: string;
  /** The service's `healthCheckGracePeriodSeconds` (seconds ECS ignores failing load balancer health checks). */
  healthCheckGracePeriodSeconds?: number;
  region?: string;
}

/** Discovery could not read the service: a missing service, missing permissions, no answer from AWS. */
export class DiscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscoveryError';
  }
}
