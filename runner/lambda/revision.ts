/** The task definition behind an ECS service revision (DescribeServiceRevisions). */
import { awsCall, ecsClient } from '../../checks/support/aws.js';
import { AttemptResultError, type ClientProvider } from '../../checks/types.js';
import { callContext } from '../call-context.js';

/**
 * Resolves a service revision ARN to its task definition ARN.
 * @throws Error naming the reason (AccessDenied with the IAM action, not found, malformed answer).
 */
export type RevisionResolver = (serviceRevisionArn: string, options: { region?: string; signal: AbortSignal }) => Promise<string>;

/**
 * The resolver over the library's ECS client (through `clients`, so it is created once and
 * honours AWS_ENDPOINT_URL): calls `ecs:DescribeServiceRevisions`.
 */
export function describeServiceRevisionResolver(clients: ClientProvider): RevisionResolver {
  return async (serviceRevisionArn, { region, signal }) => {
    const { DescribeServiceRevisionsCommand } = await import('@aws-sdk/client-ecs');
    const client = await clients.get(ecsClient, region ? { region } : {});
    const ctx = callContext(clients, signal, 10_000);
    try {
      const out = await awsCall(
        ctx,
        'ecs:DescribeServiceRevisions',
        (abortSignal) => client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [serviceRevisionArn] }), { abortSignal }),
        { serviceRevisions: 'array', 'serviceRevisions[].taskDefinition': 'string' },
      );
      const revision = out.serviceRevisions?.find((r) => r.serviceRevisionArn === serviceRevisionArn) ?? out.serviceRevisions?.[0];
      if (!revision?.taskDefinition) {
        const failure = out.failures?.[0];
        throw new Error(`service revision ${serviceRevisionArn} not found (${failure?.reason ?? 'MISSING'}${failure?.detail ? `: ${failure.detail}` : ''})`);
      }
      return revision.taskDefinition;
    } catch (error) {
      if (error instanceof AttemptResultError) throw new Error(`cannot resolve the target task definition: ${error.result.message}`);
      throw error;
    }
  };
}
