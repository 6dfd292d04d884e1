/**
 * Finding the PAUSE lifecycle hook a rollout waits at: ECS `ListServiceDeployments` (the
 * service's IN_PROGRESS service deployments) and `DescribeServiceDeployments` (each one's
 * `lifecycleStage` and `lifecycleHookDetails`; a PAUSE hook waiting for ContinueServiceDeployment
 * has `targetType` PAUSE and `status` AWAITING_ACTION). Once, or polled until one appears.
 */
import type { ServiceDeployment } from '@aws-sdk/client-ecs';
import { AttemptResultError, type CheckContext, type ClientProvider } from '../../checks/types.js';
import { awaitingPauseHooks, describeServiceDeployment, listServiceDeployments, resourceId } from '../../checks/support/service-deployments.js';
import { callContext } from '../call-context.js';

/** A PAUSE hook awaiting action: what ContinueServiceDeployment needs, and what the run's vars come from. */
export interface PausedHook {
  cluster: string;
  service: string;
  serviceDeploymentArn: string;
  hookId: string;
  /** The deployment's `lifecycleStage`: the stage the hook pauses. */
  stage: string;
  /** The service revision the rollout deploys (`targetServiceRevision.arn`). */
  targetServiceRevisionArn: string;
  /** When ECS takes `timeoutAction` if nobody acts. */
  expiresAt?: Date;
  timeoutAction?: string;
}

/** The service, and the stage a hook must pause (any stage when absent). */
export interface HookQuery {
  cluster: string;
  service: string;
  stage?: string;
}

/** A hook, or what was seen instead ("service deployment X IN_PROGRESS at SCALE_UP: no PAUSE hook awaiting action"). */
export type HookLook = { hook: PausedHook; seen?: undefined } | { hook?: undefined; seen: string };

/** The gate could not look (AccessDenied, an unreadable answer): the message names why. */
export class HookLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HookLookupError';
  }
}

/** IN_PROGRESS deployments looked at, newest first: there is normally one. */
const MAX_DEPLOYMENTS = 5;

function pausedHookOf(query: HookQuery, deployment: ServiceDeployment): PausedHook | string {
  const id = `service deployment ${resourceId(deployment.serviceDeploymentArn)} ${deployment.status ?? '?'} at ${deployment.lifecycleStage ?? 'no lifecycle stage'}`;
  const hook = awaitingPauseHooks(deployment)[0];
  if (!hook) return `${id}: no PAUSE hook awaiting action`;
  if (query.stage && deployment.lifecycleStage !== query.stage) return `${id}: its PAUSE hook awaits action at ${deployment.lifecycleStage ?? '?'}, not at ${query.stage}`;
  const target = deployment.targetServiceRevision?.arn;
  if (!target || !deployment.lifecycleStage) return `${id}: no target service revision or lifecycle stage in DescribeServiceDeployments`;
  return {
    cluster: query.cluster,
    service: query.service,
    serviceDeploymentArn: deployment.serviceDeploymentArn!,
    hookId: hook.hookId!,
    stage: deployment.lifecycleStage,
    targetServiceRevisionArn: target,
    ...(hook.expiresAt ? { expiresAt: hook.expiresAt } : {}),
    ...(hook.timeoutAction ? { timeoutAction: hook.timeoutAction } : {}),
  };
}

/**
 * Looks once for a PAUSE hook awaiting action in the service's IN_PROGRESS service deployments
 * (newest first), at `query.stage` when given. AWS APIs: ecs:ListServiceDeployments (status
 * filter IN_PROGRESS), ecs:DescribeServiceDeployments.
 * @throws AttemptResultError for AWS errors and malformed responses (as `awsCall` maps them).
 */
export async function findPausedHook(ctx: CheckContext, query: HookQuery): Promise<HookLook> {
  const briefs = await listServiceDeployments(ctx, query, { status: ['IN_PROGRESS'] });
  if (briefs.length === 0) return { seen: 'no IN_PROGRESS service deployment' };
  const seen: string[] = [];
  for (const brief of briefs.slice(0, MAX_DEPLOYMENTS)) {
    const deployment = await describeServiceDeployment(ctx, brief.serviceDeploymentArn!);
    if (!deployment) continue;
    const found = pausedHookOf(query, deployment);
    if (typeof found !== 'string') return { hook: found };
    seen.push(found);
  }
  return { seen: seen.join('; ') || 'IN_PROGRESS service deployments that could not be described (MISSING)' };
}

export interface WaitOptions {
  clients: ClientProvider;
  /** How long to keep looking, ms; 0 looks once. */
  waitMs: number;
  /** Pause between looks, ms. */
  intervalMs: number;
  /** Aborts the wait (SIGINT): the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each look that found nothing, with what it saw (progress on stderr). */
  onLook?: (seen: string) => void;
  /** Clock, ms (tests). */
  now?: () => number;
}

/** A hook, or the tally of what was seen while waiting ("no IN_PROGRESS service deployment ×4, then …"). */
export type WaitResult = { hook: PausedHook; looks: number } | { hook?: undefined; looks: number; seen: string };

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** "a ×3, then b": each distinct observation once, in order, with how many looks saw it in a row. */
function tally(seen: string[]): string {
  const runs: { text: string; count: number }[] = [];
  for (const text of seen) {
    const last = runs[runs.length - 1];
    if (last?.text === text) last.count += 1;
    else runs.push({ text, count: 1 });
  }
  return runs.map((r) => (r.count > 1 ? `${r.text} ×${r.count}` : r.text)).join(', then ');
}

/**
 * Looks for a PAUSE hook awaiting action until one appears or `waitMs` has passed. Transient AWS
 * faults (throttling, an unreachable endpoint) count as a look that saw nothing; anything
 * definitive (AccessDenied, bad credentials, a malformed answer) ends the wait at once.
 * AWS APIs: ecs:ListServiceDeployments, ecs:DescribeServiceDeployments.
 * @throws HookLookupError for a definitive AWS error; the signal's reason when aborted.
 */
export async function waitForPausedHook(query: HookQuery, options: WaitOptions): Promise<WaitResult> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.waitMs;
  const seen: string[] = [];
  for (let looks = 1; ; looks += 1) {
    let look: HookLook;
    try {
      look = await findPausedHook(callContext(options.clients, options.signal), query);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (!(error instanceof AttemptResultError)) throw error;
      const transient = error.result.outcome === 'retry' || error.result.retryable === true;
      if (!transient) throw new HookLookupError(error.result.message);
      look = { seen: error.result.message };
    }
    if (look.hook) return { hook: look.hook, looks };
    seen.push(look.seen);
    options.onLook?.(look.seen);
    const left = deadline - now();
    if (left <= 0) return { looks, seen: tally(seen) };
    await sleep(Math.min(options.intervalMs, left), options.signal);
  }
}
