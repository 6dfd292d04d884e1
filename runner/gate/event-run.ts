/**
 * `run --event`: what a deployment event says to verify — the service, the target revision's task
 * definition, the stage — resolved with the same vars the Lambda hook sets. AWS APIs:
 * ecs:DescribeServiceRevisions (an ECS lifecycle hook's `targetServiceRevisionArn`; the revision
 * behind an EventBridge deployment event's `ecs-svc/N` id), ecs:DescribeServiceDeployments (the
 * target revision of an `ECS Hook State Change` event's service deployment).
 */
import type { ClientProvider } from '../../checks/types.js';
import { AttemptResultError } from '../../checks/types.js';
import { describeServiceDeployment } from '../../checks/support/service-deployments.js';
import type { DeploymentEvent, DeploymentEventKind } from '../deployment-event.js';
import { readHookConfig } from '../lambda/hook-state.js';
import { describeServiceRevisionResolver, type RevisionResolver } from '../lambda/revision.js';
import type { RolloutTarget } from '../lambda/vars.js';
import { callContext, CALL_TIMEOUT_MS } from '../call-context.js';
import { timeoutSignal } from '../../checks/support/abort.js';

/** What to run for an event. */
export interface EventRun {
  kind: DeploymentEventKind;
  /** The rollout to verify; absent for a CodeDeploy hook with no service configured. */
  target?: RolloutTarget & { region?: string };
  /** Vars the event carries (hookDetails.vars, a plain input's vars), before the rollout's own. */
  vars: Record<string, string>;
  /** A plain input's scenario path. */
  scenario?: string;
  /** One line each, for stderr: what the event is, and anything that was not resolved. */
  notes: string[];
}

export interface ResolveEventOptions {
  clients: ClientProvider;
  /** Where a CodeDeploy hook's service comes from: VERIFY_DEPLOYMENT_CLUSTER and _SERVICE. */
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Default: ecs:DescribeServiceRevisions through `clients`. */
  resolveTaskDefinition?: RevisionResolver;
}

/** The event could not be resolved (a revision or deployment not found, AccessDenied): the message says which. */
export class EventResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventResolutionError';
  }
}

/** `arn:aws:ecs:r:a:service/c/s` + `ecs-svc/N` → `arn:aws:ecs:r:a:service-revision/c/s/N` (ECS numbers them alike). */
function revisionArnOf(serviceArn: string, cluster: string, service: string, deploymentId: string): string | undefined {
  const number = /^ecs-svc\/(\d+)$/.exec(deploymentId)?.[1];
  const prefix = /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}):service\//.exec(serviceArn)?.[1];
  return number && prefix ? `${prefix}:service-revision/${cluster}/${service}/${number}` : undefined;
}

async function targetRevisionOf(options: ResolveEventOptions, serviceDeploymentArn: string): Promise<string> {
  try {
    const deployment = await describeServiceDeployment(callContext(options.clients, options.signal), serviceDeploymentArn);
    const arn = deployment?.targetServiceRevision?.arn;
    if (!arn) throw new EventResolutionError(`service deployment ${serviceDeploymentArn} not found, or it names no target revision`);
    return arn;
  } catch (error) {
    if (error instanceof AttemptResultError) throw new EventResolutionError(`cannot read service deployment ${serviceDeploymentArn}: ${error.result.message}`);
    throw error;
  }
}

/**
 * Resolves an event (already parsed by `parseDeploymentEvent`) to the rollout it is about.
 * @throws EventResolutionError when the target revision of a lifecycle hook or hook state change
 *   cannot be resolved, or hookDetails are malformed; an EventBridge deployment event's revision
 *   that cannot be resolved is only a note (the run then judges the newest deployment).
 */
export async function resolveEventRun(event: DeploymentEvent, options: ResolveEventOptions): Promise<EventRun> {
  const resolve = options.resolveTaskDefinition ?? describeServiceRevisionResolver(options.clients);
  const taskDefinitionOf = async (revisionArn: string, region: string) => {
    try {
      return await resolve(revisionArn, { region, signal: timeoutSignal(CALL_TIMEOUT_MS, options.signal) });
    } catch (error) {
      throw new EventResolutionError((error as Error).message);
    }
  };
  switch (event.kind) {
    case 'ecs-lifecycle-hook': {
      let vars: Record<string, string>;
      try {
        vars = readHookConfig(event.hookDetails).vars;
      } catch (error) {
        throw new EventResolutionError((error as Error).message);
      }
      const taskDefinition = await taskDefinitionOf(event.targetServiceRevisionArn, event.region);
      const notes = [`ECS lifecycle hook at ${event.stage} for ${event.cluster}/${event.service}, target ${taskDefinition}`];
      if (event.rollback) notes.push(`this is a rollback invocation (${event.stage} shifts traffic back off the target revision): the Lambda hook would answer SUCCEEDED without verifying`);
      return { kind: event.kind, target: { cluster: event.cluster, service: event.service, region: event.region, taskDefinition, stage: event.stage }, vars, notes };
    }
    case 'ecs-hook-state-change': {
      const base = { cluster: event.cluster, service: event.service, region: event.region, ...(event.stage ? { stage: event.stage } : {}) };
      const taskDefinition = event.serviceDeploymentArn ? await taskDefinitionOf(await targetRevisionOf(options, event.serviceDeploymentArn), event.region) : undefined;
      const notes = [`ECS Hook State Change ${event.eventName}${event.stage ? ` at ${event.stage}` : ''} for ${event.cluster}/${event.service}${taskDefinition ? `, target ${taskDefinition}` : ''}`];
      if (!event.serviceDeploymentArn) notes.push('the event names no service deployment: the target task definition is not known');
      return { kind: event.kind, target: { ...base, ...(taskDefinition ? { taskDefinition } : {}) }, vars: {}, notes };
    }
    case 'ecs-deployment-state-change': {
      const notes = [`ECS Deployment State Change ${event.eventName} for ${event.cluster}/${event.service}${event.deploymentId ? ` (${event.deploymentId})` : ''}`];
      const revision = event.deploymentId ? revisionArnOf(event.serviceArn, event.cluster, event.service, event.deploymentId) : undefined;
      let taskDefinition: string | undefined;
      if (revision) {
        try {
          taskDefinition = await taskDefinitionOf(revision, event.region);
          notes[0] += `, target ${taskDefinition}`;
        } catch (error) {
          notes.push(`the deployment's task definition is not known (${(error as Error).message}): the run judges the newest service deployment`);
        }
      }
      return { kind: event.kind, target: { cluster: event.cluster, service: event.service, region: event.region, ...(taskDefinition ? { taskDefinition } : {}) }, vars: {}, notes };
    }
    case 'codedeploy-hook': {
      const cluster = options.env.VERIFY_DEPLOYMENT_CLUSTER || undefined;
      const service = options.env.VERIFY_DEPLOYMENT_SERVICE || undefined;
      const notes = [`CodeDeploy hook ${event.deploymentId} (the status is not reported back: run only verifies)`];
      return { kind: event.kind, ...(cluster && service ? { target: { cluster, service } } : {}), vars: {}, notes };
    }
    case 'plain':
      return { kind: event.kind, target: { cluster: event.cluster, service: event.service }, vars: event.vars, ...(event.scenario ? { scenario: event.scenario } : {}), notes: [`input for ${event.cluster}/${event.service}`] };
  }
}
