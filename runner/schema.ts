/**
 * The scenario format, version 1: one source for runtime validation, the JSON Schema
 * (`verify-deployment schema`) and the README reference.
 */
import { z } from 'zod';
import { durationSchema } from './duration.js';
import { CLOUDWATCH_NAMESPACE_PATTERN, CLOUDWATCH_NAMESPACE_RULE } from './cloudwatch-namespace.js';
import type { CheckType } from '../checks/types.js';
import { MAX_RATE, RATE_LIMIT_NAME } from '../checks/support/rate-limit.js';

export const retrySchema = z
  .strictObject({
    attempts: z.int().min(1).max(10_000).optional().meta({ description: 'Total attempts, including the first.' }),
    interval: durationSchema.optional().meta({ description: 'Wait before the first retry ("2s").' }),
    backoff: z.number().min(1).max(10).optional().meta({ description: 'Multiplier applied to the wait after each retry (1 = fixed interval).' }),
    maxInterval: durationSchema.optional().meta({ description: 'Upper bound on the wait between attempts.' }),
    within: durationSchema.optional().meta({ description: 'Deadline for the whole check, all attempts included ("2m").' }),
  })
  .meta({ description: 'Retry policy. Precedence: check > scenario defaults > check type defaults.' });

/** A per-attempt timeout: "0s" would end every attempt at once ("no answer within 0ms"), never a verdict. */
const attemptTimeout = durationSchema.refine((ms) => ms > 0, { error: 'must be greater than 0: an attempt needs time to answer' });

export const commonCheckShape = {
  name: z.string().min(1).max(200).meta({ description: 'Unique name of the check; used by needs, --only and reports.' }),
  type: z.string().meta({ description: 'The check type.' }),
  description: z.string().optional().meta({ description: 'What this check protects against, for the people reading the report.' }),
  needs: z
    .array(z.string().min(1))
    .optional()
    .meta({ description: 'Names of checks that must pass first; otherwise this check is skipped with the reason.' }),
  timeout: attemptTimeout.optional().meta({ description: 'Time budget of one attempt ("10s").' }),
  retry: retrySchema.optional(),
};
export const COMMON_CHECK_KEYS = Object.keys(commonCheckShape);

const varValue = z.union([z.string(), z.number(), z.boolean()]);

export const scenarioShape = {
  version: z.literal(1).optional().meta({ description: 'Scenario format version (1).' }),
  name: z.string().min(1).meta({ description: 'Name of the scenario, shown in every report.' }),
  description: z.string().optional().meta({ description: 'What this scenario verifies.' }),
  vars: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'variable names are letters, digits, _ . -'), varValue)
    .optional()
    .meta({ description: 'Values for ${vars.name}, as text (1.10 stays 1.10); --var name=value overrides one of them (an undeclared name is an error).' }),
  secrets: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name like HOKUSAI_API_KEY'))
    .optional()
    .meta({ description: 'Environment variables whose values are masked as *** in all output (each at least 4 characters long).' }),
  aws: z
    .strictObject({
      region: z.string().min(1).optional().meta({ description: 'AWS region; default: AWS_REGION.' }),
      profile: z.string().min(1).optional().meta({ description: 'Named profile from the shared AWS config.' }),
      rateLimits: z
        .record(
          z.string().regex(RATE_LIMIT_NAME, 'expected an AWS API name like FilterLogEvents, a prefix like Describe*, or *'),
          z.number().positive().max(MAX_RATE),
        )
        .optional()
        .meta({
          description:
            'Calls per second per AWS API and region, shared by every check of the run (defaults: FilterLogEvents 5, StartQuery 10, GetQueryResults 10, GetMetricData 50, Describe* and List* 20, any other 10).',
        }),
    })
    .optional()
    .meta({ description: 'AWS settings for every AWS check (standard credential chain; AWS_ENDPOINT_URL honoured).' }),
  publishMetrics: z
    .strictObject({
      namespace: z
        .string()
        .min(1)
        .max(255)
        .regex(CLOUDWATCH_NAMESPACE_PATTERN, `a CloudWatch namespace is ${CLOUDWATCH_NAMESPACE_RULE}`)
        .meta({ description: 'CloudWatch namespace for ScenarioPassed and CheckPassed (--publish-metrics overrides it).' }),
    })
    .optional()
    .meta({ description: 'After the run, put ScenarioPassed (1/0) and CheckPassed per check (dimensions Scenario, Check) with cloudwatch:PutMetricData.' }),
  concurrency: z
    .int()
    .min(1)
    .max(64)
    .optional()
    .meta({
      description:
        'Most checks running at once (default 4); checks still wait for their needs and reports keep file order. 1 runs them one after the other: set it when checks have side effects. --concurrency overrides it.',
    }),
  defaults: z
    .strictObject({
      timeout: attemptTimeout.optional().meta({ description: 'Default per-attempt timeout.' }),
      retry: retrySchema.optional(),
    })
    .optional()
    .meta({ description: 'Defaults for every check; a check overrides them.' }),
  checks: z.array(z.unknown()).min(1, 'a scenario needs at least one check').meta({ description: 'The checks, run in this order.' }),
};
export const scenarioTopSchema = z.strictObject(scenarioShape);
export const commonCheckSchema = z.object(commonCheckShape).loose();

/** The object shape behind a check type's schema (through refinements, which zod 4 keeps in place). */
export function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  const candidate = schema as unknown as { shape?: Record<string, z.ZodType>; def?: { in?: z.ZodType } };
  if (candidate.shape) return candidate.shape;
  if (candidate.def?.in) return shapeOf(candidate.def.in);
  return {};
}

/** JSON Schema of a whole scenario, for editors (yaml-language-server) and `verify-deployment schema`. */
export function scenarioJsonSchema(checkTypes: readonly CheckType[]): Record<string, unknown> {
  const checkSchemas = checkTypes.map((check) =>
    z
      .strictObject({ ...commonCheckShape, ...shapeOf(check.schema), type: z.literal(check.type) })
      .meta({ title: check.type, description: check.summary }),
  );
  const checks = checkSchemas.length > 0 ? z.array(z.discriminatedUnion('type', checkSchemas as unknown as [z.ZodObject, ...z.ZodObject[]])) : z.array(z.unknown());
  const scenario = z
    .strictObject({ ...scenarioShape, checks: checks.min(1).meta({ description: 'The checks, run in this order.' }) })
    .meta({ title: 'verify-deployment scenario', description: 'Ordered post-deployment checks with retries and deadlines.' });
  return z.toJSONSchema(scenario, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
}
