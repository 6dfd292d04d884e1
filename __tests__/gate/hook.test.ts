/**
 * Waiting for a PAUSE hook, with SDK mocks for what the emulator cannot do: throttling is one more
 * look, AccessDenied and malformed answers end the wait with the reason, never "nothing awaits".
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServiceDeploymentsCommand, ECSClient, ListServiceDeploymentsCommand, type ServiceDeployment } from '@aws-sdk/client-ecs';
import { ClientPool } from '../../runner/clients.js';
import { HookLookupError, waitForPausedHook } from '../../runner/gate/hook.js';

const ecs = mockClient(ECSClient);
const ARN = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/hokusai/hokusai-api/Xk7rT2';
const QUERY = { cluster: 'hokusai', service: 'hokusai-api' };
const paused: ServiceDeployment = {
  serviceDeploymentArn: ARN,
  status: 'IN_PROGRESS',
  lifecycleStage: 'POST_SCALE_UP',
  targetServiceRevision: { arn: 'arn:aws:ecs:us-east-1:123456789012:service-revision/hokusai/hokusai-api/2' },
  lifecycleHookDetails: [
    { hookId: 'lambda-1', targetType: 'AWS_LAMBDA', status: 'IN_PROGRESS' },
    { hookId: 'pause-1', targetType: 'PAUSE', status: 'AWAITING_ACTION', timeoutAction: 'ROLLBACK' },
  ],
};
const error = (name: string, status: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
const options = () => ({ clients: new ClientPool({ region: 'us-east-1' }), waitMs: 5_000, intervalMs: 10 });

beforeEach(() => {
  ecs.reset();
});

describe('waitForPausedHook', () => {
  it('a throttled look is one more look: the hook found next time, the PAUSE one (not the Lambda hook)', async () => {
    ecs.on(ListServiceDeploymentsCommand).rejectsOnce(error('ThrottlingException', 400)).resolves({ serviceDeployments: [{ serviceDeploymentArn: ARN, status: 'IN_PROGRESS' }] });
    ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [paused], failures: [] });
    const seen: string[] = [];
    const result = await waitForPausedHook(QUERY, { ...options(), onLook: (s) => seen.push(s) });
    expect(result).toMatchObject({ looks: 2, hook: { hookId: 'pause-1', stage: 'POST_SCALE_UP', serviceDeploymentArn: ARN } });
    expect(seen).toEqual([expect.stringMatching(/AWS throttled ecs:ListServiceDeployments/)]);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0]!.args[0].input).toMatchObject({ cluster: 'hokusai', service: 'hokusai-api', status: ['IN_PROGRESS'] });
  });

  it.each([
    ['AccessDenied', () => ecs.on(ListServiceDeploymentsCommand).rejects(error('AccessDeniedException', 400)), /AccessDenied: ecs:ListServiceDeployments is not allowed/],
    ['a malformed answer', () => ecs.on(ListServiceDeploymentsCommand).resolves({} as never), /unexpected response from ecs:ListServiceDeployments/],
    ['a denied DescribeServiceDeployments', () => {
      ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: ARN, status: 'IN_PROGRESS' }] });
      ecs.on(DescribeServiceDeploymentsCommand).rejects(error('AccessDeniedException', 400));
    }, /ecs:DescribeServiceDeployments is not allowed/],
  ])('%s ends the wait at once with the reason', async (_what, given, message) => {
    given();
    const wait = waitForPausedHook(QUERY, options());
    await expect(wait).rejects.toBeInstanceOf(HookLookupError);
    await expect(wait).rejects.toThrow(message);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(1);
  });

  it('an abort (SIGINT) while waiting rejects with its reason', async () => {
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    const controller = new AbortController();
    const wait = waitForPausedHook(QUERY, { ...options(), intervalMs: 1_000, signal: controller.signal });
    setTimeout(() => controller.abort('SIGINT'), 50);
    await expect(wait).rejects.toBe('SIGINT');
  });
});
