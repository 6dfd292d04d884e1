/**
 * A blue/green rollout paused at a PAUSE lifecycle hook, in the emulator (scripts/moto/
 * ext_ecs_deployments.py): hokusai-api created on revision 1, updated to revision 2 (one service
 * deployment each), the newest IN_PROGRESS with `moto:deployment:*` tags. For gate and run --event tests.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { ecsTags } from '../../scripts/fixtures/index.js';

export const CLUSTER = 'hokusai';
export const SERVICE = 'hokusai-api';

export interface PausedRollout {
  ecs: ECSClient;
  serviceArn: string;
  /** Sets `moto:deployment:*` (and other moto:) tags on the service. */
  tag(tags: Record<string, string>): Promise<void>;
  untag(keys: string[]): Promise<void>;
  tags(): Promise<Record<string, string>>;
  /** The newest service deployment, described. */
  newest(): Promise<ServiceDeployment>;
  /** UpdateService to `revision`: a new service deployment (the tags then describe it). */
  redeploy(revision: number): Promise<void>;
  /** The `ecs-svc/N` id DescribeServices shows for the PRIMARY deployment. */
  primaryDeploymentId(): Promise<string>;
  destroy(): void;
}

/**
 * Creates the service and rolls it out to revision 2, paused (`pauseHook` given) at a stage.
 * AWS APIs: ecs:CreateCluster, RegisterTaskDefinition, CreateService, UpdateService, TagResource.
 */
export async function pausedRollout(options: { pauseHook?: string; tags?: Record<string, string> } = {}): Promise<PausedRollout> {
  const ecs = new ECSClient({});
  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  for (const image of ['hokusai/api:1', 'hokusai/api:2', 'hokusai/api:3']) {
    await ecs.send(new RegisterTaskDefinitionCommand({ family: SERVICE, containerDefinitions: [{ name: 'api', image, memory: 512 }] }));
  }
  const created = await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: SERVICE, taskDefinition: `${SERVICE}:1`, desiredCount: 1 }));
  const serviceArn = created.service!.serviceArn!;
  await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: `${SERVICE}:2` }));
  const tag = async (tags: Record<string, string>) => {
    await ecs.send(new TagResourceCommand({ resourceArn: serviceArn, tags: ecsTags(tags) }));
  };
  await tag({ 'moto:deployment:targetTasks': '1|1|0', ...(options.pauseHook ? { 'moto:deployment:pauseHook': options.pauseHook } : {}), ...options.tags });
  return {
    ecs,
    serviceArn,
    tag,
    untag: async (keys) => {
      await ecs.send(new UntagResourceCommand({ resourceArn: serviceArn, tagKeys: keys }));
    },
    tags: async () => {
      const out = await ecs.send(new ListTagsForResourceCommand({ resourceArn: serviceArn }));
      return Object.fromEntries((out.tags ?? []).map((t) => [t.key!, t.value!]));
    },
    newest: async () => {
      const list = await ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: SERVICE }));
      const arn = list.serviceDeployments![0]!.serviceDeploymentArn!;
      return (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))).serviceDeployments![0]!;
    },
    redeploy: async (revision) => {
      await ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: `${SERVICE}:${revision}` }));
    },
    primaryDeploymentId: async () => {
      const out = await ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: [SERVICE] }));
      return out.services![0]!.deployments!.find((d) => d.status === 'PRIMARY')!.id!;
    },
    destroy: () => ecs.destroy(),
  };
}
