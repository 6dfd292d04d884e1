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
 * The package of the AWS SDK client. Imported by a name held in a variable so the project builds
 * and type-checks while the dependency is not installed yet; the call fails with a clear message then.
 */
export const CODEDEPLOY_CLIENT_PACKAGE = '@aws-sdk/client-codedeploy';

interface CodeDeployModule {
  CodeDeployClient: new (config: { region?: string }) => { send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>; destroy(): void };
  PutLifecycleEventHookExecutionStatusCommand: new (input: LifecycleEventStatusInput) => unknown;
}

/**
 * The CodeDeploy API over `@aws-sdk/client-codedeploy` (lazily imported; AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_CODEDEPLOY are honoured by the SDK). One client per call: a hook calls it once.
 */
export function sdkCodeDeploy(region?: string): CodeDeployHookApi {
  return {
    async putLifecycleEventHookExecutionStatus(input, signal) {
      let sdk: CodeDeployModule;
      try {
        sdk = (await import(CODEDEPLOY_CLIENT_PACKAGE)) as CodeDeployModule;
      } catch (error) {
        throw new Error(`${CODEDEPLOY_CLIENT_PACKAGE} is not installed in this bundle (${(error as Error).message.split('\n')[0]}): rebuild it with npm run package:lambda`);
      }
      const client = new sdk.CodeDeployClient(region ? { region } : {});
      try {
        await client.send(new sdk.PutLifecycleEventHookExecutionStatusCommand(input), { abortSignal: signal });
      } finally {
        client.destroy();
      }
    },
  };
}
