/**
 * What a lifecycle hook carries from one invocation to the next in `hookDetails` (ECS passes the
 * hookDetails of an IN_PROGRESS answer back on the next invocation), and what the hook's
 * configuration may set there.
 */
import { z } from 'zod';
import { LIFECYCLE_STAGES } from '../deployment-event.js';

/** The key of our state inside hookDetails; the other keys (scenario, vars, yours) are kept. */
export const STATE_KEY = 'verifyDeployment';

const stateSchema = z.strictObject({
  v: z.literal(1),
  stage: z.enum(LIFECYCLE_STAGES),
  serviceDeploymentArn: z.string().min(1),
  /** When the first invocation of this hook started (ISO 8601): the scenario budget counts from it. */
  firstInvokedAt: z.iso.datetime(),
  invocations: z.int().min(1),
  /** The target revision's task definition, resolved once. */
  taskDefinition: z.string().min(1),
  /** Checks that passed in earlier invocations: not run again. */
  passed: z.array(z.string()),
});
export type HookState = z.output<typeof stateSchema>;

const varValue = z.union([z.string(), z.number(), z.boolean()]);
const detailsSchema = z
  .object({
    scenario: z.string().min(1).optional(),
    vars: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'variable names are letters, digits, _ . -'), varValue).optional(),
  })
  .loose();

export interface HookConfig {
  scenario?: string;
  vars: Record<string, string>;
}

function issues(error: z.ZodError, base: string): string {
  return error.issues.slice(0, 5).map((i) => `${[base, ...i.path].join('.')}: ${i.message}`).join('; ');
}

/**
 * `hookDetails.scenario` and `hookDetails.vars` (values as --var strings).
 * @throws Error naming the bad field.
 */
export function readHookConfig(hookDetails: Record<string, unknown>): HookConfig {
  const parsed = detailsSchema.safeParse(hookDetails);
  if (!parsed.success) throw new Error(`invalid hookDetails: ${issues(parsed.error, 'hookDetails')}`);
  const vars = Object.fromEntries(Object.entries(parsed.data.vars ?? {}).map(([k, v]) => [k, String(v)]));
  return { ...(parsed.data.scenario ? { scenario: parsed.data.scenario } : {}), vars };
}

/**
 * Our state from an earlier invocation of the same hook (same service deployment and stage), or
 * undefined on the first one. State for another deployment or stage is ignored.
 * @throws Error when the state is present but malformed: a gate cannot tell how long it has run.
 */
export function readHookState(hookDetails: Record<string, unknown>, at: { stage: string; serviceDeploymentArn: string }): HookState | undefined {
  const raw = hookDetails[STATE_KEY];
  if (raw === undefined) return undefined;
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid hookDetails.${STATE_KEY} (the state of an earlier invocation): ${issues(parsed.error, `hookDetails.${STATE_KEY}`)}`);
  if (parsed.data.stage !== at.stage || parsed.data.serviceDeploymentArn !== at.serviceDeploymentArn) return undefined;
  return parsed.data;
}

/** hookDetails for an IN_PROGRESS answer: the ones received (configuration included) plus our state. */
export function nextHookDetails(received: Record<string, unknown>, state: HookState): Record<string, unknown> {
  return { ...received, [STATE_KEY]: state };
}
