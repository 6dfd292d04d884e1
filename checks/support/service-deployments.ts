/**
 * ECS service deployments (the API behind the console's "Deployments" tab, since October 2024):
 * list a service's deployments, describe one, resolve its service revisions to task definitions,
 * and order lifecycle stages. Every call goes through `awsCall` with the shape the API always returns.
 */
import type { DeploymentLifecycleHookDetail, ServiceDeployment, ServiceDeploymentBrief, ServiceDeploymentStatus, ServiceRevision } from '@aws-sdk/client-ecs';
import { AttemptResultError, type CheckContext } from '../types.js';
import { awsCall, ecsClient, type ResponseShape } from './aws.js';
import { LIFECYCLE_STAGES } from './ecs-arn.js';

/** DescribeServiceDeployments and DescribeServiceRevisions take at most this many ARNs a call. */
export const DESCRIBE_BATCH = 20;

export { LIFECYCLE_STAGES, parseEcsArn, type EcsArnParts, type LifecycleStage } from './ecs-arn.js';

/** The stages a lifecycle hook (Lambda or PAUSE) can be attached to: where a gate can run. */
export const HOOK_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;
export type HookStage = (typeof HOOK_STAGES)[number];

/** Position of a stage in LIFECYCLE_STAGES; -1 for a stage this code does not know (a newer API). */
export function stageIndex(stage: string | undefined): number {
  return LIFECYCLE_STAGES.indexOf(stage as (typeof LIFECYCLE_STAGES)[number]);
}

/** Statuses after which a service deployment can no longer land its target revision. */
export const FAILED_STATUSES: ReadonlySet<string> = new Set([
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'ROLLBACK_SUCCESSFUL',
  'ROLLBACK_FAILED',
  'STOP_REQUESTED',
  'STOPPED',
]);

/** Statuses of a service deployment still under way. */
export const ONGOING_STATUSES: ReadonlySet<string> = new Set(['PENDING', 'IN_PROGRESS']);

/** `arn:aws:ecs:r:a:service-deployment/cluster/service/Xk7rT2` → `Xk7rT2` (what the console shows). */
export function resourceId(arn: string | undefined): string {
  return (arn ?? '').split('/').pop() ?? '';
}

/** A service deployment ARN, as the `deployment` key accepts it. */
export const SERVICE_DEPLOYMENT_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-deployment\/[^/\s]+\/[^/\s]+\/[A-Za-z0-9_-]+$/;
/** The id DescribeServices gives a deployment: `ecs-svc/` and a number. */
export const ECS_DEPLOYMENT_ID = /^ecs-svc\/\d+$/;

/**
 * Whether `brief` is the service deployment behind a DescribeServices deployment id `ecs-svc/N`:
 * ECS numbers the deployment's target service revision with the same N.
 */
export function matchesEcsDeploymentId(brief: ServiceDeploymentBrief, ecsDeploymentId: string): boolean {
  return resourceId(brief.targetServiceRevisionArn) === ecsDeploymentId.slice('ecs-svc/'.length);
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException']);

/** The IAM action an `AttemptResultError` from `awsCall` says was denied, if that is what it is. */
export function deniedAction(error: unknown): string | undefined {
  if (!(error instanceof AttemptResultError)) return undefined;
  const details = error.result.details as { awsError?: string; action?: string } | undefined;
  return details?.awsError && ACCESS_DENIED.has(details.awsError) ? details.action : undefined;
}

const LIST_SHAPE: ResponseShape = {
  serviceDeployments: 'array',
  'serviceDeployments[].serviceDeploymentArn': 'string',
  'serviceDeployments[].status': 'string',
};
const DESCRIBE_SHAPE: ResponseShape = {
  serviceDeployments: 'array',
  failures: 'array',
  'serviceDeployments[].serviceDeploymentArn': 'string',
  'serviceDeployments[].status': 'string',
};
const REVISIONS_SHAPE: ResponseShape = {
  serviceRevisions: 'array',
  failures: 'array',
  'serviceRevisions[].serviceRevisionArn': 'string',
  'serviceRevisions[].taskDefinition': 'string',
};

function newestFirst(a: ServiceDeploymentBrief, b: ServiceDeploymentBrief): number {
  return (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0);
}

/** Paging of ListServiceDeployments: page size, page limit, and whether another page is wanted. */
export interface ListOptions {
  /** Only service deployments in these statuses (the API's own `status` filter). */
  status?: ServiceDeploymentStatus[];
  maxResults?: number;
  maxPages?: number;
  more?: (seen: ServiceDeploymentBrief[]) => boolean;
}

/**
 * ListServiceDeployments for one service, newest first (sorted here by `createdAt` rather than
 * trusting the API's order), following `nextToken` while `more(page)` asks for it, at most `maxPages`.
 * @throws AttemptResultError for SDK errors (AccessDenied included) and malformed responses.
 */
export async function listServiceDeployments(
  ctx: CheckContext,
  ref: { cluster: string; service: string },
  { status, maxResults = 20, maxPages = 1, more = () => false }: ListOptions = {},
): Promise<ServiceDeploymentBrief[]> {
  const { ListServiceDeploymentsCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  const briefs: ServiceDeploymentBrief[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const out = await awsCall(
      ctx,
      'ecs:ListServiceDeployments',
      (abortSignal) =>
        client.send(new ListServiceDeploymentsCommand({ cluster: ref.cluster, service: ref.service, status, maxResults, nextToken }), { abortSignal }),
      LIST_SHAPE,
    );
    briefs.push(...(out.serviceDeployments ?? []));
    nextToken = out.nextToken;
    if (!nextToken || !more(briefs)) break;
  }
  return briefs.sort(newestFirst);
}

/**
 * DescribeServiceDeployments for one ARN; `undefined` when ECS reports it in `failures` (MISSING).
 * @throws AttemptResultError for SDK errors and malformed responses.
 */
export async function describeServiceDeployment(ctx: CheckContext, arn: string): Promise<ServiceDeployment | undefined> {
  const { DescribeServiceDeploymentsCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  const out = await awsCall(
    ctx,
    'ecs:DescribeServiceDeployments',
    (abortSignal) => client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }), { abortSignal }),
    DESCRIBE_SHAPE,
  );
  return out.serviceDeployments?.find((d) => d.serviceDeploymentArn === arn) ?? out.serviceDeployments?.[0];
}

/**
 * DescribeServiceRevisions for up to 20 distinct ARNs (the rest are ignored), as a map from
 * revision ARN to revision. Revisions ECS reports in `failures` (created before 25 October 2024,
 * or deleted with their service) are simply absent.
 * @throws AttemptResultError for SDK errors and malformed responses.
 */
export async function describeServiceRevisions(ctx: CheckContext, arns: (string | undefined)[]): Promise<Map<string, ServiceRevision>> {
  const wanted = [...new Set(arns.filter((arn): arn is string => Boolean(arn)))].slice(0, DESCRIBE_BATCH);
  const revisions = new Map<string, ServiceRevision>();
  if (wanted.length === 0) return revisions;
  const { DescribeServiceRevisionsCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  const out = await awsCall(
    ctx,
    'ecs:DescribeServiceRevisions',
    (abortSignal) => client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: wanted }), { abortSignal }),
    REVISIONS_SHAPE,
  );
  for (const revision of out.serviceRevisions ?? []) revisions.set(revision.serviceRevisionArn!, revision);
  return revisions;
}

/**
 * The PAUSE lifecycle hooks of a service deployment that wait for `ContinueServiceDeployment`:
 * its `lifecycleHookDetails` (API reference, `ServiceDeployment.lifecycleHookDetails`,
 * `DeploymentLifecycleHookDetail`) with `targetType` PAUSE and `status` AWAITING_ACTION. The hook
 * detail names no stage: it is the deployment's current `lifecycleStage`. Pure.
 */
export function awaitingPauseHooks(deployment: ServiceDeployment): DeploymentLifecycleHookDetail[] {
  return (deployment.lifecycleHookDetails ?? []).filter((hook) => hook.targetType === 'PAUSE' && hook.status === 'AWAITING_ACTION' && Boolean(hook.hookId));
}

/** What a paused lifecycle hook can be told: go on to the next stage, or roll back to the source revision. */
export type HookAction = 'CONTINUE' | 'ROLLBACK';

/**
 * ContinueServiceDeployment: releases a PAUSE hook that is AWAITING_ACTION with `CONTINUE` (the
 * deployment goes on to its next lifecycle stage) or `ROLLBACK` (ECS rolls back to the source
 * revision). IAM action `ecs:ContinueServiceDeployment`.
 * @throws AttemptResultError for SDK errors (a hook no longer awaiting action is
 *   InvalidParameterException, an unknown deployment ServiceDeploymentNotFoundException) and
 *   malformed responses.
 */
export async function continueServiceDeployment(
  ctx: CheckContext,
  request: { serviceDeploymentArn: string; hookId: string; action: HookAction },
): Promise<void> {
  const { ContinueServiceDeploymentCommand } = await import('@aws-sdk/client-ecs');
  const client = await ctx.clients.get(ecsClient);
  await awsCall(
    ctx,
    'ecs:ContinueServiceDeployment',
    (abortSignal) => client.send(new ContinueServiceDeploymentCommand(request), { abortSignal }),
    { serviceDeploymentArn: 'string' },
  );
}
