/**
 * The one CodeDeploy call a blue/green hook needs: PutLifecycleEventHookExecutionStatus. Behind a
 * small interface so tests (and users with their own client) can replace it.
 */

export type LifecycleEventStatus = 'Succeeded' | 'Failed';

export interface LifecycleEventStatusInput {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
  status: LifecycleEventStatus;
}

/** What the handler needs from CodeDeploy. */
export interface CodeDeployHookApi {
  /**
   * Reports the hook's verdict (`codedeploy:PutLifecycleEventHookExecutionStatus`).
   * @throws the SDK's error when the call fails.
   */
  putLifecycleEventHookExecutionStatus(input: LifecycleEventStatusInput, signal: AbortSignal): Promise<void>;
}

/**
 * The CodeDeploy API over `@aws-sdk/client-codedeploy`, imported on first use (a lifecycle-hook
 * invocation never loads it). AWS_ENDPOINT_URL(_CODEDEPLOY) is honoured by the SDK itself.
 */
export function sdkCodeDeploy(region?: string): CodeDeployHookApi {
  return {
    async putLifecycleEventHookExecutionStatus(input, signal) {
      const { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } = await import('@aws-sdk/client-codedeploy');
      const client = new CodeDeployClient(region ? { region } : {});
      try {
        await client.send(new PutLifecycleEventHookExecutionStatusCommand(input), { abortSignal: signal });
      } finally {
        client.destroy();
      }
    },
  };
}
