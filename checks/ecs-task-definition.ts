/**
 * ecs-task-definition: the task definition a service actually runs (or a named one) declares the
 * secrets and environment variables the app needs. Names only: values never leave AWS.
 */
import { z } from 'zod';
import type { ContainerDefinition, TaskDefinition } from '@aws-sdk/client-ecs';
import { AttemptResultError, defineCheck, type AttemptResult, type CheckContext, type FailureView, type Fix, type Observation } from './types.js';
import { describeService, runningTaskDefinitionArn } from './support/ecs.js';
import { findTaskDefinition } from './support/ecs.js';
import { taskDefinitionLabel } from './support/ecs-tasks.js';
import { albBreached, httpServerError } from './support/relations.js';
import { clientRegion, ecsClient } from './support/aws.js';
import { parseEndpoint } from './support/dependencies.js';
import { expectationWarnings } from './support/dependencies-match.js';
import { accountOf, missingSecrets, secretLabel, secretReferences, type SecretReference } from './support/dependencies-secrets.js';

const TASK_DEFINITION_REF = /^(?:arn:aws[a-z-]*:ecs:[a-z0-9-]*:\d*:task-definition\/)?[A-Za-z0-9_-]{1,255}(?::\d+)?$/;
const names = (description: string) =>
  z.array(z.string().min(1, { error: 'a name cannot be empty' })).optional().meta({ description });

const schema = z
  .strictObject({
    cluster: z.string().min(1).optional().meta({ description: 'ECS cluster of `service`. Use with `service`, or use `taskDefinition`.' }),
    service: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "ECS service whose PRIMARY deployment's task definition is inspected (not the latest registered revision)." }),
    taskDefinition: z
      .string()
      .regex(TASK_DEFINITION_REF, { error: (issue) => `expected "family", "family:revision" or a task definition ARN, got ${JSON.stringify(issue.input)}` })
      .optional()
      .meta({ description: 'Task definition to inspect instead of a service\'s: "family" (latest ACTIVE revision), "family:revision" or an ARN.' }),
    container: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Only this container must declare the names. Default: a name counts when ANY container declares it.' }),
    secrets: names('Secret names (containerDefinitions[].secrets[].name) that must be declared.'),
    environment: names('Environment variable names (containerDefinitions[].environment[].name) that must be declared.'),
    secretsExist: z
      .boolean()
      .optional()
      .meta({
        description:
          "Every valueFrom of the task definition (containers' secrets, log secretOptions, repositoryCredentials) names an existing Secrets Manager secret or SSM parameter (metadata only: values are never read). A missing one fails: tasks would stop with ResourceInitializationError.",
      }),
    connections: z
      .array(
        z.strictObject({
          variable: z.string().min(1).meta({ description: 'Environment variable holding the endpoint, e.g. REDIS_URL.' }),
          to: z.string().min(1).optional().meta({ description: 'What it should point at, for messages (e.g. "ElastiCache replication group hokusai-redis").' }),
          port: z.int().min(1).max(65535).optional().meta({ description: 'The port the resource listens on.' }),
          scheme: z
            .string()
            .regex(/^[a-z][a-z0-9+.-]*$/, { error: 'a URL scheme without "://", e.g. rediss' })
            .optional()
            .meta({ description: 'The scheme the resource needs, e.g. rediss (ElastiCache with in-transit encryption).' }),
        }),
      )
      .optional()
      .meta({
        description:
          'Endpoints the configuration should name correctly. Each smell is a warning, never a failure: a *_URL / *_URI without a scheme, redis:// against a TLS-only resource (or rediss:// against a plain one), a port other than `port`, a variable no longer declared.',
      }),
  })
  .superRefine((spec, ctx) => {
    const byService = spec.cluster !== undefined || spec.service !== undefined;
    if (spec.taskDefinition !== undefined && byService) {
      ctx.addIssue({ code: 'custom', path: ['taskDefinition'], message: 'give either taskDefinition or cluster + service, not both' });
    } else if (spec.taskDefinition === undefined && !byService) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give cluster + service (inspects the task definition the service runs) or taskDefinition' });
    } else if (byService && spec.service === undefined) {
      ctx.addIssue({ code: 'custom', path: ['service'], message: 'service is required with cluster' });
    } else if (byService && spec.cluster === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cluster'], message: 'cluster is required with service' });
    }
    if (!spec.secrets?.length && !spec.environment?.length && !spec.secretsExist && !spec.connections?.length) {
      ctx.addIssue({ code: 'custom', path: [], message: 'list at least one name under secrets or environment' });
    }
  });
type Spec = z.output<typeof schema>;

type Kind = 'secret' | 'environment';
interface Wanted {
  kind: Kind;
  name: string;
}
interface Requirement extends Wanted {
  /** Containers that declare it. */
  holders: string[];
  /** Where else it was found (the other kind), for a hint. */
  elsewhere: string[];
}

const declaredSecrets = (c: ContainerDefinition) => (c.secrets ?? []).map((s) => s.name ?? '');
const declaredEnvironment = (c: ContainerDefinition) => (c.environment ?? []).map((e) => e.name ?? '');

function wanted(spec: Spec): Wanted[] {
  return [
    ...(spec.secrets ?? []).map((name) => ({ kind: 'secret' as const, name })),
    ...(spec.environment ?? []).map((name) => ({ kind: 'environment' as const, name })),
  ];
}

function requirements(spec: Spec, containers: ContainerDefinition[]): Requirement[] {
  const holding = (declared: (c: ContainerDefinition) => string[], name: string) =>
    containers.filter((c) => declared(c).includes(name)).map((c) => c.name ?? '?');
  return wanted(spec).map(({ kind, name }) => {
    const [same, other] = kind === 'secret' ? [declaredSecrets, declaredEnvironment] : [declaredEnvironment, declaredSecrets];
    return { kind, name, holders: holding(same, name), elsewhere: holding(other, name) };
  });
}

function missingText(requirement: Requirement): string {
  if (requirement.elsewhere.length === 0) return 'missing';
  const other = requirement.kind === 'secret' ? 'plain environment (not a secret)' : 'a secret (not environment)';
  return `missing (declared as ${other} in ${requirement.elsewhere.join(', ')})`;
}

function observe(requirement: Requirement, container: string | undefined): Observation {
  return {
    what: `${requirement.kind} ${requirement.name}`,
    expected: container ? `declared in container ${container}` : 'declared in any container',
    actual: requirement.holders.length ? `declared in ${requirement.holders.join(', ')}` : missingText(requirement),
    ok: requirement.holders.length > 0,
  };
}

function listNames(items: Wanted[]): string {
  const of = (kind: Kind) => items.filter((r) => r.kind === kind).map((r) => r.name);
  const secrets = of('secret');
  const environment = of('environment');
  return [
    secrets.length ? `secret${secrets.length > 1 ? 's' : ''} ${secrets.join(', ')}` : '',
    environment.length ? `environment ${environment.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
}

function revisionLabel(definition: TaskDefinition): string {
  return definition.family && definition.revision !== undefined
    ? `${definition.family}:${definition.revision}`
    : taskDefinitionLabel(definition.taskDefinitionArn);
}

function inspectQuery(label: string): string {
  return (
    `aws ecs describe-task-definition --task-definition ${label} ` +
    `--query 'taskDefinition.containerDefinitions[].{name:name,secrets:secrets[].name,environment:environment[].name}'`
  );
}

interface Resolved {
  definition: TaskDefinition;
  /** Who runs it, for messages: "run by ECS service api (cluster c)" or "". */
  runBy: string;
}

async function resolve(spec: Spec, ctx: CheckContext): Promise<Resolved> {
  if (spec.cluster && spec.service) {
    const service = await describeService(ctx, { cluster: spec.cluster, service: spec.service });
    const arn = runningTaskDefinitionArn(service);
    const definition = arn ? await findTaskDefinition(ctx, arn) : undefined;
    if (!arn || !definition) {
      const region = await clientRegion(await ctx.clients.get(ecsClient));
      throw new AttemptResultError({
        outcome: 'fail',
        message: `ECS service ${spec.service} (cluster ${spec.cluster}) runs task definition ${arn ?? '(none)'}, which ECS cannot describe in region ${region}`,
        nextSteps: [`aws ecs describe-services --cluster ${spec.cluster} --services ${spec.service} --query 'services[0].deployments'`],
      });
    }
    return { definition, runBy: ` (run by ECS service ${spec.service}, cluster ${spec.cluster})` };
  }
  const reference = spec.taskDefinition ?? '';
  const definition = await findTaskDefinition(ctx, reference);
  if (!definition) {
    const family = taskDefinitionLabel(reference).split(':')[0];
    const region = await clientRegion(await ctx.clients.get(ecsClient));
    throw new AttemptResultError({
      outcome: 'fail',
      message: `task definition ${reference} not found in region ${region}`,
      observations: [{ what: `task definition ${reference}`, expected: 'registered', actual: 'not found', ok: false }],
      nextSteps: [`aws ecs list-task-definitions --family-prefix ${family} --sort DESC --max-items 5 --region ${region}`],
    });
  }
  return { definition, runBy: '' };
}

/**
 * When a service runs an older revision and the newest one of its family has every name, the fix
 * is a deploy, not a new revision (the incident: revision registered, never rolled out).
 */
async function fixFor(spec: Spec, ctx: CheckContext, definition: TaskDefinition, missing: Requirement[]): Promise<Fix> {
  const label = revisionLabel(definition);
  const what = listNames(missing);
  const where = spec.container ? ` (container ${spec.container})` : '';
  if (spec.cluster && spec.service && definition.family) {
    const latest = await findTaskDefinition(ctx, definition.family);
    if (latest && latest.revision !== definition.revision) {
      const latestContainers = (latest.containerDefinitions ?? []).filter((c) => !spec.container || c.name === spec.container);
      if (requirements(spec, latestContainers).every((r) => r.holders.length > 0)) {
        const latestLabel = revisionLabel(latest);
        return {
          summary: `${latestLabel} already declares ${what}: deploy it to ${spec.service} (it runs ${label})`,
          command: `aws ecs update-service --cluster ${spec.cluster} --service ${spec.service} --task-definition ${latestLabel}`,
        };
      }
    }
  }
  return { summary: `add ${what} to task definition ${label}${where} and redeploy`, command: inspectQuery(label) };
}

/** The query that shows where each secret of the task definition comes from (names and ARNs only). */
function inspectSecretsQuery(label: string): string {
  return `aws ecs describe-task-definition --task-definition ${label} --query 'taskDefinition.containerDefinitions[].{name:name,secrets:secrets}'`;
}

/**
 * Warnings for each `connections` entry: the variable's value parsed (never shown: only host:port),
 * compared with what the resource needs. A URL's password is handed to the masker first.
 */
function connectionWarnings(spec: Spec, containers: ContainerDefinition[], ctx: CheckContext): string[] {
  return (spec.connections ?? []).flatMap((connection) => {
    const holders = containers.filter((c) => (c.environment ?? []).some((e) => e.name === connection.variable));
    if (holders.length === 0) return [`${connection.variable} is no longer declared${connection.to ? ` (it pointed at ${connection.to})` : ''}`];
    return holders.flatMap((c) => {
      const value = c.environment!.find((e) => e.name === connection.variable)?.value ?? '';
      const parsed = parseEndpoint(value);
      if (parsed?.password) ctx.addSecret(parsed.password);
      if (!parsed) return [`${connection.variable} (container ${c.name}) does not name an endpoint (host:port or URL)${connection.to ? `; expected ${connection.to}` : ''}`];
      return expectationWarnings({ ...parsed, container: c.name ?? '?', variable: connection.variable }, connection);
    });
  });
}

interface SecretsVerdict {
  checked: number;
  missing: SecretReference[];
  observations: Observation[];
  /** References that cannot be verified from here (another account). */
  warnings: string[];
}

/** secretsExist: each valueFrom looked up (metadata only); those in another account are a warning, not a verdict. */
async function secretsVerdict(ctx: CheckContext, definition: TaskDefinition): Promise<SecretsVerdict> {
  const account = accountOf(definition.taskDefinitionArn);
  const references = secretReferences(definition);
  const foreign = references.filter((r) => account && r.account && r.account !== account);
  const local = references.filter((r) => !foreign.includes(r));
  const missing = await missingSecrets(ctx, local);
  return {
    checked: local.length,
    missing,
    observations: local.map((r) => ({ what: r.usedAs, expected: `${secretLabel(r)} exists`, actual: missing.includes(r) ? 'not found' : 'exists', ok: !missing.includes(r) })),
    warnings: foreign.map((r) => `${r.usedAs} → ${secretLabel(r)} is in account ${r.account}, not ${account}: not verified (its resource policy decides who may describe it)`),
  };
}

export const ecsTaskDefinition = defineCheck({
  type: 'ecs-task-definition',
  summary: 'The task definition an ECS service runs (or a named one) declares the required secret and environment names.',
  schema,
  evidence: 'state',
  defaults: { timeoutMs: 10_000, retry: { attempts: 2, intervalMs: 2_000, backoff: 1, maxIntervalMs: 2_000 } },
  describe(spec) {
    const subject = spec.taskDefinition
      ? `task definition ${spec.taskDefinition}`
      : `the task definition ECS service ${spec.service} (cluster ${spec.cluster}) runs`;
    const parts = [
      ...(wanted(spec).length ? [`declares ${listNames(wanted(spec))}${spec.container ? ` in container ${spec.container}` : ''}`] : []),
      ...(spec.secretsExist ? ['references only secrets that exist'] : []),
      ...(spec.connections?.length ? [`names ${spec.connections.map((c) => c.variable).join(', ')} correctly`] : []),
    ];
    return `${subject} ${parts.join(' and ')}`;
  },
  explains: [
    // A missing secret stops every task before the application starts: first, so its reason is the one shown.
    ...(['ecs-task-running', 'ecs-service-stable', 'ecs-deployment'] as const).map((effect) => ({
      effect,
      because: 'a secret the task definition references does not exist: ECS stops the tasks with ResourceInitializationError',
      when: (cause: FailureView) => Array.isArray(cause.facts.missingSecrets),
    })),
    { effect: 'http', because: 'the running task definition lacks configuration the application needs', when: (_, effect) => httpServerError(effect) },
    { effect: 'alb-metrics', because: 'the running task definition lacks configuration the application needs: its requests fail', when: (_, effect) => albBreached(effect, '5xx') },
    { effect: 'ecs-task-running', because: 'tasks without their configuration fail to start or stay unhealthy' },
    { effect: 'ecs-service-stable', because: 'tasks without their configuration keep the rollout from completing' },
  ],
  // Long on purpose: names, then secrets, then warnings share one result shape and read best in order.
  async run(spec, ctx): Promise<AttemptResult> {
    const { definition, runBy } = await resolve(spec, ctx);
    const label = revisionLabel(definition);
    const all = definition.containerDefinitions ?? [];
    const containers = all.filter((c) => !spec.container || c.name === spec.container);
    const facts = { taskDefinition: label, family: definition.family, revision: definition.revision };
    const details = {
      taskDefinition: label,
      containers: all.map((c) => ({
        name: c.name,
        secrets: declaredSecrets(c),
        environment: declaredEnvironment(c),
        ...(c.environmentFiles?.length ? { environmentFiles: c.environmentFiles.length } : {}),
      })),
    };
    if (spec.container && containers.length === 0) {
      return {
        outcome: 'fail',
        message: `task definition ${label}${runBy} has no container ${spec.container} (containers: ${all.map((c) => c.name).join(', ') || 'none'})`,
        observations: [{ what: `container ${spec.container}`, expected: 'present', actual: 'missing', ok: false }],
        details,
        nextSteps: [inspectQuery(label)],
        facts,
      };
    }

    const warnings = connectionWarnings(spec, containers, ctx);
    const withWarnings = (result: AttemptResult): AttemptResult => (warnings.length ? { ...result, warnings } : result);
    const checked = requirements(spec, containers);
    const observations = checked.map((r) => observe(r, spec.container));
    const missing = checked.filter((r) => r.holders.length === 0);
    if (missing.length > 0) {
      const envFiles = containers.some((c) => c.environmentFiles?.length) && missing.some((r) => r.kind === 'environment');
      return withWarnings({
        outcome: 'fail',
        message:
          `task definition ${label}${runBy} is missing ${listNames(missing)}${spec.container ? ` in container ${spec.container}` : ''}` +
          (envFiles ? ' (environmentFiles are not inspected: names there do not count)' : ''),
        observations,
        details,
        fix: await fixFor(spec, ctx, definition, missing),
        nextSteps: [inspectQuery(label)],
        facts,
      });
    }
    const declared = checked.length ? `declares ${listNames(checked)}` : '';
    if (!spec.secretsExist) {
      return withWarnings({ outcome: 'pass', message: `task definition ${label}${runBy} ${declared || 'names its endpoints as checked'}`, observations, details, facts });
    }
    const secrets = await secretsVerdict(ctx, definition);
    warnings.push(...secrets.warnings);
    const everything = [...observations, ...secrets.observations];
    if (secrets.missing.length === 0) {
      const exist = `references ${secrets.checked} secret${secrets.checked === 1 ? '' : 's'}, all existing`;
      return withWarnings({ outcome: 'pass', message: `task definition ${label}${runBy} ${[declared, exist].filter(Boolean).join(' and ')}`, observations: everything, details, facts });
    }
    const first = secrets.missing[0]!;
    return withWarnings({
      outcome: 'fail',
      message:
        `task definition ${label}${runBy} references ${secrets.missing.length === 1 ? 'a secret that does' : 'secrets that do'} not exist: ` +
        `${secrets.missing.map((m) => `${m.usedAs} → ${secretLabel(m)}`).join('; ')} (tasks stop with ResourceInitializationError)`,
      observations: everything,
      details,
      fix: {
        summary: `create ${secretLabel(first)} (or point ${first.usedAs} at the one that exists), then redeploy: ECS fetches secrets only when a task starts`,
        command:
          first.store === 'secretsmanager'
            ? `aws secretsmanager list-secrets${first.region ? ` --region ${first.region}` : ''} --query 'SecretList[].Name'`
            : `aws ssm describe-parameters${first.region ? ` --region ${first.region}` : ''} --query 'Parameters[].Name'`,
      },
      nextSteps: [inspectSecretsQuery(label)],
      facts: { ...facts, missingSecrets: secrets.missing.map((m) => m.id) },
    });
  },
});
