/**
 * A blue/green rollout of a new task definition revision, paused at a PAUSE lifecycle hook: what
 * `verify-deployment gate` releases. Made through the ordinary ECS API; the emulator's extension
 * (scripts/moto/ext_ecs_deployments.py) reads the `moto:deployment:*` tags on the service as the
 * newest service deployment's state and records ContinueServiceDeployment as a tag.
 */
import { DescribeServicesCommand, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-ecs';
import { ecsTags, registerTaskDefinition } from '../fixtures/index.js';
import type { SandboxClients } from './aws.js';
import { INCIDENT } from './incident.js';
import { containerDefinition, type SandboxResources } from './resources.js';
import { deploy } from './states.js';

/** Where the sandbox's rollouts pause by default: after test traffic reaches the new revision. */
export const ROLLOUT_STAGE = 'POST_TEST_TRAFFIC_SHIFT';

export interface SandboxRollout {
  /** The new revision's task definition ARN. */
  taskDefinition: string;
  stage: string;
  serviceArn: string;
}

/**
 * Registers a new revision of the API's task definition (with the secret, as the fixed one) and
 * rolls the service out to it blue/green: UpdateService, the new revision's task RUNNING, then a
 * PAUSE hook AWAITING_ACTION at `stage`. Tags left by an earlier rollout (its hook, a recorded
 * ContinueServiceDeployment, a rollback status) are removed first: they would describe this one.
 * AWS APIs: ecs:RegisterTaskDefinition, UpdateService, RunTask, ListTagsForResource, UntagResource, TagResource.
 */
export async function startRollout(aws: SandboxClients, resources: SandboxResources, { stage = ROLLOUT_STAGE }: { stage?: string } = {}): Promise<SandboxRollout> {
  const described = await aws.ecs.send(new DescribeServicesCommand({ cluster: INCIDENT.cluster, services: [INCIDENT.service] }));
  const serviceArn = described.services?.[0]?.serviceArn;
  if (!serviceArn) throw new Error(`ECS service ${INCIDENT.service} not found in the sandbox's emulator`);
  const tags = await aws.ecs.send(new ListTagsForResourceCommand({ resourceArn: serviceArn }));
  const stale = (tags.tags ?? []).map((t) => t.key ?? '').filter((key) => key.startsWith('moto:deployment:'));
  if (stale.length > 0) await aws.ecs.send(new UntagResourceCommand({ resourceArn: serviceArn, tagKeys: stale }));

  const taskDefinition = await registerTaskDefinition(aws.ecs, INCIDENT.family, [containerDefinition(resources.redisUrl, true)]);
  await deploy(aws, resources, taskDefinition);
  const hook = { 'moto:deployment:status': 'IN_PROGRESS', 'moto:deployment:pauseHook': `${stage}|AWAITING_ACTION`, 'moto:deployment:targetTasks': '1|1|0' };
  await aws.ecs.send(new TagResourceCommand({ resourceArn: serviceArn, tags: ecsTags(hook) }));
  return { taskDefinition, stage, serviceArn };
}

/** What the emulator recorded of ContinueServiceDeployment on the newest rollout: `<action>|<hookId>`, if any. */
export async function recordedContinue(aws: SandboxClients, serviceArn: string): Promise<string | undefined> {
  const tags = await aws.ecs.send(new ListTagsForResourceCommand({ resourceArn: serviceArn }));
  return tags.tags?.find((t) => t.key === 'moto:deployment:continued')?.value;
}
