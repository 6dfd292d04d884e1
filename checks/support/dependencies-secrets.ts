/**
 * Do the secrets a task definition references exist? Every `valueFrom` (container `secrets`, log
 * configuration `secretOptions`, `repositoryCredentials`) names a Secrets Manager secret or an SSM
 * parameter; ECS fetches them when a task starts and stops it with ResourceInitializationError when
 * one is missing. Metadata only: DescribeSecret and DescribeParameters never return a value.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { AttemptResultError, type CheckContext } from '../types.js';
import { awsCall, type ResponseShape } from './aws.js';
import { secretsManagerClient, ssmClient } from './dependencies-aws.js';

/** One `valueFrom` of the task definition and what it names. */
export interface SecretReference {
  /** `secret STRIPE_KEY (container app)`, `log option apiKey (container app)`, `repository credentials (container app)`. */
  usedAs: string;
  store: 'secretsmanager' | 'ssm';
  /** The secret id (ARN without a JSON key / version suffix) or the parameter name. */
  id: string;
  /** The region of the ARN; undefined for a bare parameter name (the task's own region). */
  region?: string;
  /** The account of the ARN, when it is one. */
  account?: string;
}

const SECRET_ARN = /^(arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[^:]+)(?::.*)?$/;
const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):parameter\/(.+)$/;

/**
 * What a `valueFrom` names: a Secrets Manager ARN (a `:json-key:stage:version` tail is dropped), an
 * SSM parameter ARN (`parameter/prod/db` is the parameter `/prod/db`; `parameter/db` is `db`), or
 * else an SSM parameter name in the task's region. Pure.
 */
export function parseValueFrom(valueFrom: string, usedAs: string): SecretReference {
  const secret = SECRET_ARN.exec(valueFrom);
  if (secret) return { usedAs, store: 'secretsmanager', id: secret[1]!, region: secret[2], account: secret[3] };
  const parameter = PARAMETER_ARN.exec(valueFrom);
  if (parameter) {
    const path = parameter[3]!;
    return { usedAs, store: 'ssm', id: path.includes('/') ? `/${path.replace(/^\/+/, '')}` : path, region: parameter[1], account: parameter[2] };
  }
  return { usedAs, store: 'ssm', id: valueFrom };
}

/** Every `valueFrom` of the task definition, in container order. Pure. */
export function secretReferences(definition: TaskDefinition): SecretReference[] {
  return (definition.containerDefinitions ?? []).flatMap((c) => {
    const container = c.name ?? '?';
    return [
      ...(c.secrets ?? []).filter((s) => s.valueFrom).map((s) => parseValueFrom(s.valueFrom!, `secret ${s.name} (container ${container})`)),
      ...(c.logConfiguration?.secretOptions ?? []).filter((s) => s.valueFrom).map((s) => parseValueFrom(s.valueFrom!, `log option ${s.name} (container ${container})`)),
      ...(c.repositoryCredentials?.credentialsParameter ? [parseValueFrom(c.repositoryCredentials.credentialsParameter, `repository credentials (container ${container})`)] : []),
    ];
  });
}

/** The account of a task definition ARN (`arn:aws:ecs:us-east-1:123456789012:task-definition/api:7`). */
export function accountOf(arn: string | undefined): string | undefined {
  return /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(arn ?? '')?.[1];
}

const DESCRIBE_SECRET_SHAPE: ResponseShape = { ARN: 'string', Name: 'string' };
const DESCRIBE_PARAMETERS_SHAPE: ResponseShape = { Parameters: 'array', 'Parameters[].Name': 'string' };
/** DescribeParameters pages over every parameter even with a name filter: bound the walk. */
const MAX_PARAMETER_PAGES = 50;

async function secretExists(ctx: CheckContext, ref: SecretReference): Promise<boolean> {
  const { DescribeSecretCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = await ctx.clients.get(secretsManagerClient, ref.region ? { region: ref.region } : {});
  const out = await awsCall(
    ctx,
    'secretsmanager:DescribeSecret',
    async (abortSignal) => {
      try {
        return await client.send(new DescribeSecretCommand({ SecretId: ref.id }), { abortSignal });
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException' && !abortSignal.aborted) return undefined;
        throw error;
      }
    },
    DESCRIBE_SECRET_SHAPE,
  );
  // A secret scheduled for deletion still describes, but ECS cannot fetch it.
  return out !== undefined && !out.DeletedDate;
}

async function parameterExists(ctx: CheckContext, ref: SecretReference): Promise<boolean> {
  const { DescribeParametersCommand } = await import('@aws-sdk/client-ssm');
  const client = await ctx.clients.get(ssmClient, ref.region ? { region: ref.region } : {});
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PARAMETER_PAGES; page++) {
    const out = await awsCall(
      ctx,
      'ssm:DescribeParameters',
      (abortSignal) =>
        client.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [ref.id] }], MaxResults: 50, NextToken: nextToken }), { abortSignal }),
      DESCRIBE_PARAMETERS_SHAPE,
    );
    if (out.Parameters?.some((p) => p.Name === ref.id)) return true;
    nextToken = out.NextToken || undefined;
    if (!nextToken) return false;
  }
  throw new AttemptResultError({ outcome: 'error', retryable: true, message: `ssm:DescribeParameters did not finish within ${MAX_PARAMETER_PAGES} pages for ${ref.id}` });
}

/**
 * The references whose secret or parameter does not exist (Secrets Manager: ResourceNotFoundException
 * or scheduled for deletion; SSM: no parameter of that exact name). Each distinct one is asked once.
 * AWS APIs: secretsmanager:DescribeSecret, ssm:DescribeParameters.
 * @throws AttemptResultError for AWS errors (AccessDenied names the action) and malformed answers.
 */
export async function missingSecrets(ctx: CheckContext, references: readonly SecretReference[]): Promise<SecretReference[]> {
  const verdicts = new Map<string, Promise<boolean>>();
  const exists = (ref: SecretReference) => {
    const key = `${ref.store}|${ref.region ?? ''}|${ref.id}`;
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = ref.store === 'secretsmanager' ? secretExists(ctx, ref) : parameterExists(ctx, ref);
      verdicts.set(key, verdict);
    }
    return verdict;
  };
  const results = await Promise.all(references.map(async (ref) => ((await exists(ref)) ? undefined : ref)));
  return results.filter((ref): ref is SecretReference => ref !== undefined);
}

/** `Secrets Manager secret arn:…:secret:stripe-key` / `SSM parameter /prod/db`. */
export function secretLabel(ref: SecretReference): string {
  return ref.store === 'secretsmanager' ? `Secrets Manager secret ${ref.id}` : `SSM parameter ${ref.id}${ref.region ? ` (${ref.region})` : ''}`;
}
