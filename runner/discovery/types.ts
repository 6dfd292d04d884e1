/** What discovery reads from AWS about one ECS service, and the one error it throws. */
import type { ConnectionExpectation, DataStoreKind } from '../../checks/support/dependencies-match.js';
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
  /** The load balancers that send it traffic (`LoadBalancerArns`). */
  loadBalancerArns?: string[];
  /**
   * The `Type` of each of those load balancers (`application`, `network`, `gateway`), in the same
   * order, as DescribeLoadBalancers returns it; absent when they could not be read.
   */
  loadBalancerTypes?: string[];
}

/** A data store the service's configuration points at (issue #10: follow the service to its dependencies). */
export interface DiscoveredDependency {
  container: string;
  /** The environment variable naming it, e.g. REDIS_URL. */
  variable: string;
  /** `host:port` as the variable names it (never the value: a URL may carry a password). */
  endpoint: string;
  store: {
    kind: DataStoreKind;
    id: string;
    /** `ElastiCache replication group hokusai-redis`. */
    label: string;
    status?: string;
    securityGroups: string[];
  };
  /** The port the network path must allow: the store's. */
  port: number;
  /** What the variable should look like (port, scheme), written into the scenario's `connections`. */
  expectation: ConnectionExpectation;
  /** Configuration smells seen at discovery (no scheme, redis:// against TLS, another port). */
  warnings: string[];
}

/** An endpoint in the configuration that no data store discovery can see claims (a TCP reachability note). */
export interface UnmatchedEndpoint {
  container: string;
  variable: string;
  endpoint: string;
  /** A `*_URL` / `*_URI` without a scheme: still worth a warning. */
  noScheme: boolean;
}

/** The HTTP entry point found from the target group's load balancer (used unless --url is given). */
export interface DiscoveredEntryPoint {
  /** `http://api-123.us-east-1.elb.amazonaws.com` (port only when not the protocol's default). */
  baseUrl: string;
  loadBalancer: string;
  /** `HTTP:80`. */
  listener: string;
  targetGroup: string;
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
  /**
   * The service's deployment alarms (`deploymentConfiguration.alarms.alarmNames`) when ECS watches
   * them (`enable: true`); absent otherwise.
   */
  deploymentAlarms?: string[];
  /** The service's `healthCheckGracePeriodSeconds` (seconds ECS ignores failing load balancer health checks). */
  healthCheckGracePeriodSeconds?: number;
  region?: string;
  /** The awsvpc subnets of the service's tasks. */
  subnets?: string[];
  /** Data stores the configuration points at (absent: none, or an older discovery). */
  dependencies?: DiscoveredDependency[];
  /** Endpoints no data store claims: noted, not checked (the runner is usually outside the VPC). */
  unmatched?: UnmatchedEndpoint[];
  /** How many `valueFrom` references (secrets, log secret options, repository credentials) the task definition has. */
  secretReferences?: number;
  /** What discovery could not follow and why, one line each (shown in the header and on stderr). */
  notes?: string[];
  /** The load balancer's listener for the target group (when no --url is given). */
  entryPoint?: DiscoveredEntryPoint;
  /** Why no entry point was found (internal load balancer, no forwarding listener, …). */
  entryPointMissing?: string;
}

/** Discovery could not read the service: a missing service, missing permissions, no answer from AWS. */
export class DiscoveryError extends Error {
  /**
   * @param notFound true when AWS answered that a name given does not exist (a mistake in how the
   *   tool was called); false when AWS could not be asked (unreachable, credentials, throttled).
   */
  constructor(message: string, readonly notFound = false) {
    super(message);
    this.name = 'DiscoveryError';
  }
}
