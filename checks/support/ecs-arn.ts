/**
 * ECS deployment names shared by the checks and the runner's event parsing: the lifecycle stages of
 * a service deployment and the parts of a service, service-deployment or service-revision ARN.
 * Pure: no AWS call.
 */

/**
 * The stages of an ECS service deployment in the order they happen (blue/green, linear, canary;
 * rolling deployments report none). Hooks can run at all but SCALE_UP, BAKE_TIME and CLEAN_UP.
 */
export const LIFECYCLE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
] as const;

/** One of LIFECYCLE_STAGES (`ServiceDeployment.lifecycleStage`, `DeploymentLifecycleHook.lifecycleStages`). */
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Where an ECS ARN points: `service/cluster/name`, `service-deployment/cluster/name/id`, ... */
export interface EcsArnParts {
  region: string;
  account: string;
  /** `service`, `service-deployment`, `service-revision`. */
  resourceType: string;
  /** Absent in old-format service ARNs (`service/name`), which do not name their cluster. */
  cluster?: string;
  service: string;
  /** The deployment or revision id after the service name, when the ARN has one. */
  id?: string;
}

const ECS_ARN = /^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):(service|service-deployment|service-revision)\/(.+)$/;
/** An ECS cluster or service name (letters, digits, `-`, `_`; up to 255). */
export const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Splits an ECS service, service-deployment or service-revision ARN; undefined when `arn` is none
 * of them. Old-format service ARNs (`arn:aws:ecs:r:a:service/name`, from before 2018's long ARN
 * format) carry no cluster: `cluster` is then undefined.
 */
export function parseEcsArn(arn: string): EcsArnParts | undefined {
  const match = ECS_ARN.exec(arn);
  if (!match) return undefined;
  const [, region, account, resourceType, rest] = match as unknown as [string, string, string, string, string];
  const parts = rest.split('/');
  if (parts.some((part) => !ECS_NAME.test(part))) return undefined;
  if (resourceType === 'service') {
    if (parts.length === 1) return { region, account, resourceType, service: parts[0]! };
    if (parts.length === 2) return { region, account, resourceType, cluster: parts[0]!, service: parts[1]! };
    return undefined;
  }
  // service-deployment/cluster/service/id and service-revision/cluster/service/id
  if (parts.length !== 3) return undefined;
  return { region, account, resourceType, cluster: parts[0]!, service: parts[1]!, id: parts[2]! };
}
