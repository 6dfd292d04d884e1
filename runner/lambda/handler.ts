/**
 * `verify-deployment/lambda`: the rollout calls verify-deployment. One handler for ECS lifecycle
 * hooks (answers SUCCEEDED / FAILED / IN_PROGRESS), CodeDeploy ECS blue/green hooks (reports
 * Succeeded / Failed with PutLifecycleEventHookExecutionStatus), EventBridge ECS deployment events
 * and plain `{cluster, service, scenario?, vars?}` inputs (both answer with the report).
 *
 * Every invocation writes exactly one JSON line (console.log) with the verdict and the masked
 * report, and never throws: a malformed event or an unreadable scenario answers FAILED with the
 * reason logged (ECS would treat a throw the same way, but the reason would be lost).
 */
import { ClientPool } from '../clients.js';
import { formatDuration } from '../duration.js';
import { publishVerdictMetrics } from '../publish-metrics.js';
import type { RunReport } from '../result.js';
import { runScenario } from '../run.js';
import type { Scenario } from '../scenario.js';
import {
  parseDeploymentEvent,
  type CodeDeployHookEvent,
  type EcsDeploymentStateChangeEvent,
  type EcsHookStateChangeEvent,
  type EcsLifecycleHookEvent,
  type PlainInputEvent,
} from '../deployment-event.js';
import { scenarioBudgetMs } from './budget.js';
import { sdkCodeDeploy, type CodeDeployHookApi } from './codedeploy.js';
import { nextHookDetails, readHookConfig, readHookState, type HookState } from './hook-state.js';
import { hasDefinitiveFailure, hookStatusOf, reportForLog, verdictOf, withCarriedOver, type Verdict } from './outcome.js';
import { describeServiceRevisionResolver, type RevisionResolver } from './revision.js';
import { loadRequestedScenario, type ScenarioRequest } from './scenario-source.js';
import { rolloutVars } from './vars.js';
import { timeoutSignal } from '../../checks/support/abort.js';

export type { Verdict } from './outcome.js';
export type { CodeDeployHookApi, LifecycleEventStatusInput } from './codedeploy.js';
export type { RevisionResolver } from './revision.js';

/** The part of the Lambda context object the handler uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
}

/** The answer to an ECS lifecycle hook (and to an event that could not be read). */
export interface EcsHookResponse {
  hookStatus: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';
  /** Seconds until ECS invokes the hook again (IN_PROGRESS only). */
  callBackDelay?: number;
  /** Passed back on the next invocation (IN_PROGRESS only): the configuration plus our state. */
  hookDetails?: Record<string, unknown>;
  /** Why, when the event itself could not be read. */
  error?: string;
}

/** The answer to an EventBridge event or a plain input. */
export interface RunResponse {
  cluster: string;
  service: string;
  verdict: Verdict;
  report?: RunReport;
  /** Why there is no report (no scenario, discovery failed) or why nothing ran. */
  error?: string;
}

/** The answer to a CodeDeploy hook (CodeDeploy itself reads only the status call). */
export interface CodeDeployResponse {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
  status: 'Succeeded' | 'Failed';
  /** Whether PutLifecycleEventHookExecutionStatus went through. */
  statusReported: boolean;
  verdict: Verdict;
  report?: RunReport;
  error?: string;
}

export type HandlerResponse = EcsHookResponse | RunResponse | CodeDeployResponse;

export interface HandlerOptions {
  /** Environment (default process.env, read on each invocation). */
  env?: Record<string, string | undefined>;
  /** Root of the deployed bundle; scenario paths from events must stay inside it. Default: LAMBDA_TASK_ROOT, else the working directory. */
  bundleRoot?: string;
  /** Time kept back from the invocation's remaining time to answer in, ms (default 5000; at most a third of the remaining time). */
  marginMs?: number;
  /** Seconds ECS waits before invoking an IN_PROGRESS hook again (default 30, ECS's own default). */
  callBackDelaySeconds?: number;
  /** Resolves the target service revision to its task definition (default: ecs:DescribeServiceRevisions). */
  resolveTaskDefinition?: RevisionResolver;
  /** CodeDeploy's status call (default: @aws-sdk/client-codedeploy). */
  codeDeploy?: (region?: string) => CodeDeployHookApi;
  /** Where the one JSON line per invocation goes (default console.log). */
  log?: (line: string) => void;
  /** Wall clock, ms since the epoch (the budget spans invocations). */
  now?: () => number;
}

const LOG_MESSAGE = 'verify-deployment verdict';
/** The longest setTimeout Node honours; a budget above it would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Invocation {
  context: LambdaContext;
  env: Record<string, string | undefined>;
  bundleRoot: string;
  marginMs: number;
  callBackDelaySeconds: number;
  resolveTaskDefinition: RevisionResolver;
  codeDeploy: (region?: string) => CodeDeployHookApi;
  now: () => number;
  /** Fields of the one log line, filled in as the invocation goes. */
  log: Record<string, unknown>;
  /** Set once loaded: its masker masks the log line. */
  scenario?: Scenario;
}

/** The invocation's remaining time; 15 minutes (Lambda's maximum) when called without a context. */
function remainingMs(context: LambdaContext | undefined): number {
  return typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 15 * 60_000;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs the scenario until it ends, its budget is spent, or the invocation runs out of time. */
async function runBounded(inv: Invocation, scenario: Scenario, budgetLeftMs: number, only?: string[]): Promise<{ report: RunReport; outOfTime: boolean }> {
  const remaining = remainingMs(inv.context);
  const margin = Math.min(inv.marginMs, Math.floor(remaining / 3));
  const controller = new AbortController();
  let outOfTime = false;
  const timer = setTimeout(() => {
    outOfTime = true;
    controller.abort('invocation time');
  }, Math.max(0, remaining - margin));
  try {
    const report = await runScenario(scenario, { signal: controller.signal, timeoutMs: Math.min(MAX_TIMER_MS, Math.max(1, budgetLeftMs)), only });
    // The run may have ended on its own just as the timer fired: only an interrupted run was cut.
    return { report, outOfTime: outOfTime && report.interrupted !== undefined && report.interrupted !== 'timeout' };
  } finally {
    clearTimeout(timer);
  }
}

/** Time a publish may take: half of what is left of the invocation, between 0.5 s and 15 s. */
function publishTimeoutMs(inv: Invocation): number {
  return Math.min(15_000, Math.max(500, Math.floor(remainingMs(inv.context) / 2)));
}

/**
 * Puts the final verdict into CloudWatch when the scenario has `publishMetrics:` (as `run` does:
 * ScenarioPassed, CheckPassed; cloudwatch:PutMetricData), with the scenario's `aws:` settings.
 * Logs `metricsPublished` (the namespace) or `metricsError`; never changes the hook's answer.
 */
async function publishVerdict(inv: Invocation, scenario: Scenario, report: Pick<RunReport, 'scenario' | 'status' | 'checks'>): Promise<void> {
  const namespace = scenario.publishMetrics?.namespace;
  if (!namespace) return;
  const clients = new ClientPool(scenario.aws);
  try {
    const outcome = await publishVerdictMetrics(report, { namespace, clients, signal: timeoutSignal(publishTimeoutMs(inv)) });
    if (outcome.ok) inv.log.metricsPublished = namespace;
    else inv.log.metricsError = `the verdict was not published to CloudWatch namespace ${namespace}: ${outcome.reason}`;
  } finally {
    await clients.destroy();
  }
}

function recordRun(inv: Invocation, report: RunReport, verdict: Verdict, budgetMs: number): void {
  Object.assign(inv.log, { verdict, scenario: report.scenario, file: report.file, budget: formatDuration(budgetMs), summary: report.summary, report: reportForLog(report) });
  if (report.rootCause) inv.log.rootCause = report.rootCause.reason;
}

/**
 * One invocation of an ECS lifecycle hook. Over 60 lines on purpose: it is the hook's whole
 * decision (rollback, state, budget, run, IN_PROGRESS or verdict) read top to bottom.
 */
async function lifecycleHook(inv: Invocation, event: EcsLifecycleHookEvent): Promise<EcsHookResponse> {
  Object.assign(inv.log, { cluster: event.cluster, service: event.service, stage: event.stage, executionId: event.executionId, serviceDeployment: event.serviceDeploymentArn });
  if (event.rollback) {
    // A gate must never block or loop a rollback.
    Object.assign(inv.log, { hookStatus: 'SUCCEEDED', verdict: 'ignored', reason: `rollback in progress: ${event.stage} is shifting traffic off the target revision ${event.targetServiceRevisionArn}; not verified` });
    return { hookStatus: 'SUCCEEDED' };
  }
  const state = readHookState(event.hookDetails, event);
  const config = readHookConfig(event.hookDetails);
  const now = inv.now();
  const firstInvokedAt = state ? Date.parse(state.firstInvokedAt) : now;
  const invocations = (state?.invocations ?? 0) + 1;
  const passedBefore = state?.passed ?? [];
  Object.assign(inv.log, { invocation: invocations, firstInvokedAt: new Date(firstInvokedAt).toISOString() });

  const taskDefinition = state?.taskDefinition ?? (await inv.resolveTaskDefinition(event.targetServiceRevisionArn, { region: event.region, signal: timeoutSignal(15_000) }));
  inv.log.taskDefinition = taskDefinition;
  const rollout = { cluster: event.cluster, service: event.service, taskDefinition, stage: event.stage };
  const vars = rolloutVars(config.vars, rollout);
  const { scenario, source } = await loadRequestedScenario(scenarioRequest(inv, config.scenario, 'hookDetails.scenario', { ...rollout, region: event.region }, vars));
  inv.scenario = scenario;
  inv.log.scenarioSource = source;

  const budgetMs = scenarioBudgetMs(scenario);
  const budgetLeft = budgetMs - (now - firstInvokedAt);
  if (budgetLeft <= 0) {
    Object.assign(inv.log, { hookStatus: 'FAILED', verdict: 'failed', budget: formatDuration(budgetMs), reason: `the scenario's budget of ${formatDuration(budgetMs)} is spent (first invocation ${new Date(firstInvokedAt).toISOString()}, ${invocations} invocations) and not every check has passed` });
    await publishVerdict(inv, scenario, { scenario: scenario.name, status: 'failed', checks: [] });
    return { hookStatus: 'FAILED' };
  }
  const only = passedBefore.length > 0 ? scenario.checks.map((c) => c.name).filter((name) => !passedBefore.includes(name)) : undefined;
  const { report, outOfTime } = await runBounded(inv, scenario, budgetLeft, only);
  const passed = [...passedBefore, ...report.checks.filter((c) => c.status === 'passed').map((c) => c.name)];

  if (outOfTime && !hasDefinitiveFailure(report)) {
    const leftAfter = budgetMs - (inv.now() - firstInvokedAt);
    const delay = Math.min(inv.callBackDelaySeconds, Math.floor(leftAfter / 1000) - 1);
    if (delay >= 1) {
      const next: HookState = { v: 1, stage: event.stage, serviceDeploymentArn: event.serviceDeploymentArn, firstInvokedAt: new Date(firstInvokedAt).toISOString(), invocations, taskDefinition, passed };
      const { interrupted: _cut, ...partial } = withCarriedOver(report, passedBefore);
      Object.assign(inv.log, { hookStatus: 'IN_PROGRESS', verdict: 'in-progress', callBackDelay: delay, reason: 'checks still retrying as the invocation ran out of time', budget: formatDuration(budgetMs), summary: partial.summary, report: reportForLog(partial as RunReport) });
      return { hookStatus: 'IN_PROGRESS', callBackDelay: delay, hookDetails: nextHookDetails(event.hookDetails, next) };
    }
  }
  const final = withCarriedOver(report, passedBefore);
  const verdict = verdictOf(final);
  const hookStatus = hookStatusOf(verdict);
  recordRun(inv, final, verdict, budgetMs);
  inv.log.hookStatus = hookStatus;
  await publishVerdict(inv, scenario, final);
  return { hookStatus };
}

function scenarioRequest(inv: Invocation, bundlePath: string | undefined, from: string, target: ScenarioRequest['target'], vars: Record<string, string>): ScenarioRequest {
  return { bundlePath, bundlePathFrom: from, envPath: inv.env.VERIFY_DEPLOYMENT_SCENARIO || undefined, target, vars, env: inv.env, bundleRoot: inv.bundleRoot };
}

/** Loads and runs a scenario to its end (no IN_PROGRESS): EventBridge events, plain inputs, CodeDeploy. */
async function runToVerdict(inv: Invocation, request: ScenarioRequest): Promise<{ verdict: Verdict; report: RunReport }> {
  const { scenario, source } = await loadRequestedScenario(request);
  inv.scenario = scenario;
  inv.log.scenarioSource = source;
  const budgetMs = scenarioBudgetMs(scenario);
  const { report, outOfTime } = await runBounded(inv, scenario, budgetMs);
  const verdict = verdictOf(report);
  recordRun(inv, report, verdict, budgetMs);
  await publishVerdict(inv, scenario, report);
  if (outOfTime) inv.log.reason = `the invocation ran out of time before every check ended (the scenario's budget is ${formatDuration(budgetMs)}): raise the function's timeout`;
  return { verdict, report };
}

async function serviceRun(inv: Invocation, event: EcsDeploymentStateChangeEvent | EcsHookStateChangeEvent | PlainInputEvent): Promise<RunResponse> {
  const { cluster, service } = event;
  Object.assign(inv.log, { cluster, service });
  if (event.kind !== 'plain') inv.log.eventName = event.eventName;
  if (event.kind === 'ecs-deployment-state-change' && event.eventName === 'SERVICE_DEPLOYMENT_IN_PROGRESS') {
    const error = 'the deployment is still in progress: verify on SERVICE_DEPLOYMENT_COMPLETED or SERVICE_DEPLOYMENT_FAILED';
    Object.assign(inv.log, { verdict: 'ignored', reason: error });
    return { cluster, service, verdict: 'ignored', error };
  }
  const target = { cluster, service, region: event.kind === 'plain' ? undefined : event.region };
  const vars = rolloutVars(event.kind === 'plain' ? event.vars : {}, { cluster, service, stage: event.kind === 'ecs-hook-state-change' ? event.stage : undefined });
  try {
    const request = scenarioRequest(inv, event.kind === 'plain' ? event.scenario : undefined, 'input.scenario', target, vars);
    const { verdict, report } = await runToVerdict(inv, request);
    return { cluster, service, verdict, report };
  } catch (error) {
    Object.assign(inv.log, { verdict: 'errored', reason: errorText(error) });
    return { cluster, service, verdict: 'errored', error: errorText(error) };
  }
}

async function codeDeployHook(inv: Invocation, event: CodeDeployHookEvent): Promise<CodeDeployResponse> {
  const ids = { deploymentId: event.deploymentId, lifecycleEventHookExecutionId: event.lifecycleEventHookExecutionId };
  Object.assign(inv.log, ids);
  // CodeDeploy's hook names no service: the function's environment (or the scenario itself) does.
  const cluster = inv.env.VERIFY_DEPLOYMENT_CLUSTER || undefined;
  const service = inv.env.VERIFY_DEPLOYMENT_SERVICE || undefined;
  Object.assign(inv.log, { cluster, service });
  let outcome: { verdict: Verdict; report?: RunReport; error?: string };
  try {
    const target = cluster && service ? { cluster, service } : undefined;
    const vars: Record<string, string> = { ...(cluster ? { cluster } : {}), ...(service ? { service } : {}) };
    outcome = await runToVerdict(inv, scenarioRequest(inv, undefined, '', target, vars));
  } catch (error) {
    outcome = { verdict: 'errored', error: errorText(error) };
    Object.assign(inv.log, { verdict: 'errored', reason: errorText(error) });
  }
  const status = outcome.verdict === 'passed' ? 'Succeeded' : 'Failed';
  let statusReported = false;
  try {
    await inv.codeDeploy(inv.env.AWS_REGION).putLifecycleEventHookExecutionStatus({ ...ids, status }, timeoutSignal(15_000));
    statusReported = true;
  } catch (error) {
    inv.log.statusError = `codedeploy:PutLifecycleEventHookExecutionStatus failed: ${errorText(error)}`;
  }
  Object.assign(inv.log, { codeDeployStatus: status, statusReported });
  return { ...ids, status, statusReported, ...outcome };
}

async function dispatch(inv: Invocation, input: unknown): Promise<HandlerResponse> {
  const parsed = parseDeploymentEvent(input);
  if (!parsed.ok) {
    Object.assign(inv.log, { kind: 'unrecognised', hookStatus: 'FAILED', verdict: 'errored', reason: parsed.error });
    return { hookStatus: 'FAILED', error: parsed.error };
  }
  const event = parsed.event;
  inv.log.kind = event.kind;
  switch (event.kind) {
    case 'ecs-lifecycle-hook':
      try {
        return await lifecycleHook(inv, event);
      } catch (error) {
        Object.assign(inv.log, { hookStatus: 'FAILED', verdict: 'errored', reason: errorText(error) });
        return { hookStatus: 'FAILED' };
      }
    case 'codedeploy-hook':
      return codeDeployHook(inv, event);
    default:
      return serviceRun(inv, event);
  }
}

/** Builds a handler; `handler` below is the one with the defaults. */
export function createHandler(options: HandlerOptions = {}): (event: unknown, context: LambdaContext) => Promise<HandlerResponse> {
  // One ECS client pool per handler: warm invocations reuse its connections.
  const pool = new ClientPool();
  return async (event, context) => {
    const env = options.env ?? process.env;
    const inv: Invocation = {
      context,
      env,
      bundleRoot: options.bundleRoot ?? env.LAMBDA_TASK_ROOT ?? process.cwd(),
      marginMs: options.marginMs ?? 5_000,
      callBackDelaySeconds: options.callBackDelaySeconds ?? 30,
      resolveTaskDefinition: options.resolveTaskDefinition ?? describeServiceRevisionResolver(pool),
      codeDeploy: options.codeDeploy ?? sdkCodeDeploy,
      now: options.now ?? Date.now,
      log: { msg: LOG_MESSAGE, ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}) },
    };
    let response: HandlerResponse;
    try {
      response = await dispatch(inv, event);
    } catch (error) {
      // Unreachable by design (each path answers its own failures); never let a throw lose the reason.
      Object.assign(inv.log, { hookStatus: 'FAILED', verdict: 'errored', reason: `internal error: ${errorText(error)}` });
      response = { hookStatus: 'FAILED', error: errorText(error) };
    }
    const line = inv.scenario ? inv.scenario.masker.maskDeep(inv.log) : inv.log;
    (options.log ?? console.log)(JSON.stringify(line));
    return response;
  };
}

/** The Lambda entry point: `handler(event, context)`. */
export const handler = createHandler();
