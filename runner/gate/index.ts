/**
 * The rollout gate: find the PAUSE lifecycle hook a service deployment waits at, decide from a
 * run's report, and release the hook with ContinueServiceDeployment (CONTINUE or ROLLBACK); and
 * resolve deployment events to the rollout they are about (`run --event`). The CLI's `gate` and
 * `run --event` use these; the Lambda hook shares the vars and the revision resolver.
 */
export { callContext, CALL_TIMEOUT_MS } from '../call-context.js';
export { findPausedHook, waitForPausedHook, HookLookupError, type PausedHook, type HookQuery, type HookLook, type WaitOptions, type WaitResult } from './hook.js';
export { gateDecision, type GateDecision } from './decision.js';
export { resolveEventRun, EventResolutionError, type EventRun, type ResolveEventOptions } from './event-run.js';
export { continueServiceDeployment, HOOK_STAGES, type HookAction, type HookStage } from '../../checks/support/service-deployments.js';
export { rolloutVars, type RolloutTarget } from '../lambda/vars.js';
export { describeServiceRevisionResolver, type RevisionResolver } from '../lambda/revision.js';
