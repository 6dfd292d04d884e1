/**
 * Deployment events as input: recognises the event a rollout hands to verify-deployment (an ECS
 * lifecycle hook invocation, a CodeDeploy ECS blue/green hook, an EventBridge `ECS Deployment State
 * Change` or `ECS Hook State Change` event, or a plain `{cluster, service}` input) and resolves the
 * cluster, service and stage from it. Pure: no AWS call, no clock, no environment.
 */
import { z } from 'zod';
import { ECS_NAME as NAME, LIFECYCLE_STAGES, parseEcsArn, type LifecycleStage } from '../checks/support/ecs-arn.js';

export { LIFECYCLE_STAGES, parseEcsArn, type EcsArnParts, type LifecycleStage } from '../checks/support/ecs-arn.js';

/** The ECS lifecycle hook invocation, resolved. */
export interface EcsLifecycleHookEvent {
  kind: 'ecs-lifecycle-hook';
  cluster: string;
  service: string;
  region: string;
  stage: LifecycleStage;
  executionId: string;
  /** `resourceArn`: the service deployment this hook runs in. */
  serviceDeploymentArn: string;
  serviceArn: string;
  targetServiceRevisionArn: string;
  /** Service revision ARN → % of test traffic. */
  testTrafficWeights: Record<string, number>;
  /** Service revision ARN → % of production traffic. */
  productionTrafficWeights: Record<string, number>;
  /** What the hook configuration (and our previous IN_PROGRESS answer) passed in; `{}` when absent. */
  hookDetails: Record<string, unknown>;
  /** Whether this invocation shifts traffic back off the target revision (see isRollbackInvocation). */
  rollback: boolean;
}

/** A CodeDeploy ECS blue/green lifecycle hook: it names no cluster or service. */
export interface CodeDeployHookEvent {
  kind: 'codedeploy-hook';
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
}

/** EventBridge `ECS Deployment State Change`. */
export interface EcsDeploymentStateChangeEvent {
  kind: 'ecs-deployment-state-change';
  cluster: string;
  service: string;
  region: string;
  serviceArn: string;
  /** SERVICE_DEPLOYMENT_IN_PROGRESS | SERVICE_DEPLOYMENT_COMPLETED | SERVICE_DEPLOYMENT_FAILED. */
  eventName: string;
  /** `ecs-svc/…`. */
  deploymentId?: string;
  reason?: string;
}

/** EventBridge `ECS Hook State Change` (e.g. HOOK_AWAITING_ACTION of a PAUSE hook). */
export interface EcsHookStateChangeEvent {
  kind: 'ecs-hook-state-change';
  cluster: string;
  service: string;
  region: string;
  eventName: string;
  stage?: LifecycleStage;
  hookId?: string;
  serviceDeploymentArn?: string;
}

/** `{cluster, service, scenario?, vars?}`, e.g. one item of a Step Functions Distributed Map. */
export interface PlainInputEvent {
  kind: 'plain';
  cluster: string;
  service: string;
  scenario?: string;
  vars: Record<string, string>;
}

export type DeploymentEvent = EcsLifecycleHookEvent | CodeDeployHookEvent | EcsDeploymentStateChangeEvent | EcsHookStateChangeEvent | PlainInputEvent;
export type DeploymentEventKind = DeploymentEvent['kind'];

export type ParseEventResult = { ok: true; event: DeploymentEvent } | { ok: false; error: string };

/** A JSON object given as text becomes the object; anything else is left for the schema to judge. */
function jsonObjectText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const weights = z.record(z.string(), z.number().min(0).max(100));

/**
 * The ECS lifecycle hook payload, as the developer guide ("Lifecycle hooks for Amazon ECS service
 * deployments" → "Lifecycle payloads", and "Lambda hooks for Amazon ECS service deployments" →
 * "Passing state with hookDetails") documents it:
 * `{ executionId, lifecycleStage, resourceArn, executionDetails: { serviceArn,
 * targetServiceRevisionArn, testTrafficWeights, productionTrafficWeights }, hookDetails? }`, where
 * `resourceArn` is the service deployment and each weights map goes from service revision ARN to
 * percent. hookDetails is what the hook configuration sets, plus what an IN_PROGRESS answer returned.
 * Unknown keys are allowed: AWS adds fields.
 */
const lifecycleHookSchema = z.object({
  executionId: z.string().min(1),
  lifecycleStage: z.enum(LIFECYCLE_STAGES),
  resourceArn: z.string().min(1),
  executionDetails: z.object({
    serviceArn: z.string().min(1),
    targetServiceRevisionArn: z.string().min(1),
    testTrafficWeights: weights.optional(),
    productionTrafficWeights: weights.optional(),
  }),
  // CloudFormation takes HookDetails as "a JSON object as a string": accept that form too.
  hookDetails: z.preprocess(jsonObjectText, z.record(z.string(), z.unknown()).nullish()),
});

/** CodeDeploy's hook payload (AppSpec "hooks" section for an ECS deployment). */
const codeDeploySchema = z.object({ DeploymentId: z.string().regex(/^d-[A-Z0-9]+$/, 'expected a CodeDeploy deployment id like d-ABCDEF123'), LifecycleEventHookExecutionId: z.string().min(1) });

/**
 * EventBridge events from ECS ("Amazon ECS service deployment state change events"): the service
 * ARN is `resources[0]`; these events carry no cluster field.
 */
const ecsEventBridgeSchema = z.object({
  source: z.literal('aws.ecs'),
  'detail-type': z.string(),
  resources: z.array(z.string()).min(1, 'resources is empty: expected the service ARN'),
  detail: z.object({ eventName: z.string().min(1), deploymentId: z.string().optional(), reason: z.string().optional() }).loose(),
});

const varsSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'variable names are letters, digits, _ . -'), z.union([z.string(), z.number(), z.boolean()]));
const plainSchema = z.strictObject({ cluster: z.string().regex(NAME, 'expected a cluster name'), service: z.string().regex(NAME, 'expected a service name'), scenario: z.string().min(1).optional(), vars: varsSchema.optional() });

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(event)'}: ${issue.message}`)
    .join('; ');
}

/** cluster and service from a service or service-deployment ARN, or why not. */
function serviceOf(arn: string, what: string): { cluster: string; service: string; region: string } | string {
  const parts = parseEcsArn(arn);
  if (!parts) return `${what} "${arn.slice(0, 200)}" is not an ECS service ARN (arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/SERVICE)`;
  if (!parts.cluster) {
    return `${what} "${arn}" is an old-format service ARN with no cluster in it: give the cluster explicitly (plain input {cluster, service}), or opt in to the long ARN format (aws ecs put-account-setting --name serviceLongArnFormat --value enabled)`;
  }
  return { cluster: parts.cluster, service: parts.service, region: parts.region };
}

/**
 * Whether an ECS lifecycle hook invocation belongs to a rollback. The developer guide says that on
 * a rollback ECS runs the hooks of TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT again, shifting
 * traffic back to the source revision. Such an invocation is recognised by the weights of the
 * traffic that stage shifts: the target revision at 0 % *of that traffic* while another revision
 * has some. Checking production weights alone would misread every normal TEST_TRAFFIC_SHIFT (the
 * target is at 0 % of production traffic then by design). Weights missing for the target (no test
 * listener) never count as a rollback.
 */
export function isRollbackInvocation(stage: LifecycleStage, target: string, test: Record<string, number>, production: Record<string, number>): boolean {
  const shifted = stage === 'TEST_TRAFFIC_SHIFT' ? test : stage === 'PRODUCTION_TRAFFIC_SHIFT' ? production : undefined;
  if (!shifted || shifted[target] !== 0) return false;
  return Object.entries(shifted).some(([revision, weight]) => revision !== target && weight > 0);
}

function parseLifecycleHook(input: unknown): ParseEventResult {
  const parsed = lifecycleHookSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: `malformed ECS lifecycle hook event: ${issues(parsed.error)}` };
  const { executionDetails: details, lifecycleStage: stage } = parsed.data;
  const where = serviceOf(details.serviceArn, 'executionDetails.serviceArn');
  if (typeof where === 'string') return { ok: false, error: where };
  const deployment = parseEcsArn(parsed.data.resourceArn);
  if (!deployment || deployment.resourceType !== 'service-deployment') {
    return { ok: false, error: `resourceArn "${parsed.data.resourceArn.slice(0, 200)}" is not an ECS service deployment ARN (arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/ID)` };
  }
  if (deployment.cluster !== where.cluster || deployment.service !== where.service) {
    return { ok: false, error: `resourceArn names ${deployment.cluster}/${deployment.service} but executionDetails.serviceArn names ${where.cluster}/${where.service}` };
  }
  const test = details.testTrafficWeights ?? {};
  const production = details.productionTrafficWeights ?? {};
  return {
    ok: true,
    event: {
      kind: 'ecs-lifecycle-hook',
      ...where,
      stage,
      executionId: parsed.data.executionId,
      serviceDeploymentArn: parsed.data.resourceArn,
      serviceArn: details.serviceArn,
      targetServiceRevisionArn: details.targetServiceRevisionArn,
      testTrafficWeights: test,
      productionTrafficWeights: production,
      hookDetails: parsed.data.hookDetails ?? {},
      rollback: isRollbackInvocation(stage, details.targetServiceRevisionArn, test, production),
    },
  };
}

function parseEventBridge(input: unknown): ParseEventResult {
  const parsed = ecsEventBridgeSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: `malformed ECS EventBridge event: ${issues(parsed.error)}` };
  const { detail, resources } = parsed.data;
  const detailType = parsed.data['detail-type'];
  if (detailType === 'ECS Deployment State Change') {
    const where = serviceOf(resources[0]!, 'resources[0]');
    if (typeof where === 'string') return { ok: false, error: where };
    return { ok: true, event: { kind: 'ecs-deployment-state-change', ...where, serviceArn: resources[0]!, eventName: detail.eventName, deploymentId: detail.deploymentId, reason: detail.reason } };
  }
  if (detailType === 'ECS Hook State Change') {
    // Not documented field by field: take the service from whichever resource is a service or
    // service deployment ARN, and the stage and hook id when the detail carries them.
    const arn = resources.find((r) => parseEcsArn(r)?.resourceType === 'service-deployment') ?? resources.find((r) => parseEcsArn(r)?.resourceType === 'service') ?? resources[0]!;
    const where = serviceOf(arn, 'the resource');
    if (typeof where === 'string') return { ok: false, error: where };
    const stage = LIFECYCLE_STAGES.find((s) => s === detail.lifecycleStage);
    return {
      ok: true,
      event: {
        kind: 'ecs-hook-state-change',
        ...where,
        eventName: detail.eventName,
        ...(stage ? { stage } : {}),
        ...(typeof detail.hookId === 'string' ? { hookId: detail.hookId } : {}),
        ...(parseEcsArn(arn)?.resourceType === 'service-deployment' ? { serviceDeploymentArn: arn } : {}),
      },
    };
  }
  return { ok: false, error: `unsupported EventBridge detail-type "${detailType.slice(0, 100)}": expected "ECS Deployment State Change" or "ECS Hook State Change"` };
}

function parsePlain(input: unknown): ParseEventResult {
  const parsed = plainSchema.safeParse(input);
  if (!parsed.success) return { ok: false, error: `malformed input {cluster, service, scenario?, vars?}: ${issues(parsed.error)}` };
  const vars = Object.fromEntries(Object.entries(parsed.data.vars ?? {}).map(([k, v]) => [k, String(v)]));
  return { ok: true, event: { kind: 'plain', cluster: parsed.data.cluster, service: parsed.data.service, ...(parsed.data.scenario ? { scenario: parsed.data.scenario } : {}), vars } };
}

/**
 * Recognises and validates a deployment event. The kind is chosen by its distinguishing keys
 * (`lifecycleStage`/`executionDetails`, `DeploymentId`, `detail-type`, `cluster`+`service`), then
 * the whole event is validated for that kind, so the error names what is wrong with it. Never throws.
 */
export function parseDeploymentEvent(input: unknown): ParseEventResult {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, error: `expected a JSON object (an ECS lifecycle hook, CodeDeploy hook, EventBridge event or {cluster, service}), got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}` };
  }
  const event = input as Record<string, unknown>;
  if ('lifecycleStage' in event || 'executionDetails' in event || 'executionId' in event) return parseLifecycleHook(event);
  if ('DeploymentId' in event || 'LifecycleEventHookExecutionId' in event) {
    const parsed = codeDeploySchema.safeParse(event);
    if (!parsed.success) return { ok: false, error: `malformed CodeDeploy hook event: ${issues(parsed.error)}` };
    return { ok: true, event: { kind: 'codedeploy-hook', deploymentId: parsed.data.DeploymentId, lifecycleEventHookExecutionId: parsed.data.LifecycleEventHookExecutionId } };
  }
  if ('detail-type' in event || 'detail' in event) return parseEventBridge(event);
  if ('cluster' in event || 'service' in event) return parsePlain(event);
  const keys = Object.keys(event).slice(0, 10).map((k) => JSON.stringify(k.slice(0, 40)));
  return { ok: false, error: `unrecognised event (keys: ${keys.join(', ') || 'none'}): expected an ECS lifecycle hook (executionDetails), a CodeDeploy hook (DeploymentId), an EventBridge ECS event (detail-type) or {cluster, service}` };
}
