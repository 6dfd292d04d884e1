/**
 * The gate's AWS side against the emulator: finding the PAUSE hook (ListServiceDeployments +
 * DescribeServiceDeployments, as ext_ecs_deployments.py answers them in the API reference's
 * shapes), waiting for one, and ContinueServiceDeployment as the emulator records it.
 */
import { afterEach, expect, it } from '@jest/globals';
import { AttemptResultError } from '../../checks/types.js';
import { continueServiceDeployment } from '../../checks/support/service-deployments.js';
import { ClientPool } from '../../runner/clients.js';
import { callContext, findPausedHook, waitForPausedHook } from '../../runner/gate/index.js';
import { useMoto } from '../support/moto.js';
import { CLUSTER, SERVICE, pausedRollout, type PausedRollout } from '../support/paused-rollout.js';
import { requireTool } from '../support/tools.js';

requireTool('moto', 'gate hook integration tests')('finding and releasing a PAUSE hook in the emulator', () => {
  useMoto({ resetBetweenTests: true });
  let pool: ClientPool;
  let rollout: PausedRollout | undefined;
  afterEach(async () => {
    rollout?.destroy();
    rollout = undefined;
    await pool?.destroy();
  });
  const ctx = () => callContext((pool ??= new ClientPool({ region: 'us-east-1' })));
  const query = { cluster: CLUSTER, service: SERVICE };

  it('the emulator shows a PAUSE hook where the API reference puts it: lifecycleHookDetails of the deployment at its lifecycleStage', async () => {
    pool = new ClientPool({ region: 'us-east-1' });
    rollout = await pausedRollout({ pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' });
    const deployment = await rollout.newest();
    expect(deployment).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' });
    expect(deployment.lifecycleHookDetails).toEqual([
      expect.objectContaining({ targetType: 'PAUSE', status: 'AWAITING_ACTION', hookId: expect.any(String), timeoutAction: 'ROLLBACK', expiresAt: expect.any(Date) }),
    ]);
    expect(deployment.lifecycleHookDetails![0]!.targetArn).toBeUndefined(); // "For PAUSE hooks, this field is not set"
    expect(deployment.deploymentConfiguration?.lifecycleHooks).toEqual([expect.objectContaining({ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] })]);
  });

  it('finds the hook with the deployment, the stage and the target revision', async () => {
    pool = new ClientPool({ region: 'us-east-1' });
    rollout = await pausedRollout({ pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' });
    const deployment = await rollout.newest();
    const look = await findPausedHook(ctx(), query);
    expect(look.hook).toEqual({
      cluster: CLUSTER,
      service: SERVICE,
      serviceDeploymentArn: deployment.serviceDeploymentArn,
      hookId: deployment.lifecycleHookDetails![0]!.hookId,
      stage: 'POST_TEST_TRAFFIC_SHIFT',
      targetServiceRevisionArn: deployment.targetServiceRevision!.arn,
      expiresAt: expect.any(Date),
      timeoutAction: 'ROLLBACK',
    });
  });

  it.each([
    ['no hook configured', {}, undefined, /no PAUSE hook awaiting action/],
    ['a hook already released', { pauseHook: 'POST_TEST_TRAFFIC_SHIFT|SUCCEEDED' }, undefined, /no PAUSE hook awaiting action/],
    ['a hook at another stage', { pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION' }, 'PRODUCTION_TRAFFIC_SHIFT', /awaits action at POST_TEST_TRAFFIC_SHIFT, not at PRODUCTION_TRAFFIC_SHIFT/],
    ['a deployment that is over', { pauseHook: 'POST_TEST_TRAFFIC_SHIFT|AWAITING_ACTION', tags: { 'moto:deployment:status': 'SUCCESSFUL' } }, undefined, /no IN_PROGRESS service deployment/],
  ])('finds nothing with %s, and says what it saw', async (_what, options, stage, seen) => {
    pool = new ClientPool({ region: 'us-east-1' });
    rollout = await pausedRollout(options);
    const look = await findPausedHook(ctx(), { ...query, stage });
    expect(look.hook).toBeUndefined();
    expect(look.seen).toMatch(seen);
  });

  it('waits for a hook that appears later, and tallies what it saw before', async () => {
    pool = new ClientPool({ region: 'us-east-1' });
    rollout = await pausedRollout();
    const later = setTimeout(() => void rollout!.tag({ 'moto:deployment:pauseHook': 'PRODUCTION_TRAFFIC_SHIFT|AWAITING_ACTION' }), 700);
    const seen: string[] = [];
    try {
      const result = await waitForPausedHook(query, { clients: pool, waitMs: 10_000, intervalMs: 200, onLook: (s) => seen.push(s) });
      expect(result.hook?.stage).toBe('PRODUCTION_TRAFFIC_SHIFT');
      expect(result.looks).toBeGreaterThan(1);
      expect(seen[0]).toMatch(/no PAUSE hook awaiting action/);
    } finally {
      clearTimeout(later);
    }
  });

  it('gives up after --wait with the tally of what it saw', async () => {
    pool = new ClientPool({ region: 'us-east-1' });
    rollout = await pausedRollout();
    const result = await waitForPausedHook(query, { clients: pool, waitMs: 600, intervalMs: 200 });
    expect(result.hook).toBeUndefined();
    expect(result.hook ? '' : result.seen).toMatch(/no PAUSE hook awaiting action ×[3-9]/);
  });

  it.each(['CONTINUE', 'ROLLBACK'] as const)('ContinueServiceDeployment %s reaches the emulator, which records it', async (action) => {
    pool = new ClientPool({ region: 'us-east-1' });
    rollout = await pausedRollout({ pauseHook: 'POST_SCALE_UP|AWAITING_ACTION' });
    const { hook } = await findPausedHook(ctx(), query);
    await continueServiceDeployment(ctx(), { serviceDeploymentArn: hook!.serviceDeploymentArn, hookId: hook!.hookId, action });
    expect((await rollout.tags())['moto:deployment:continued']).toBe(`${action}|${hook!.hookId}`);
    const after = await rollout.newest();
    expect(after.lifecycleHookDetails?.[0]?.status).toBe(action === 'CONTINUE' ? 'SUCCEEDED' : 'FAILED');
    expect(after.status).toBe(action === 'CONTINUE' ? 'IN_PROGRESS' : 'ROLLBACK_REQUESTED');
  });

  it('a hook no longer awaiting action: ContinueServiceDeployment is an error with the reason, never silent', async () => {
    pool = new ClientPool({ region: 'us-east-1' });
    rollout = await pausedRollout({ pauseHook: 'POST_SCALE_UP|AWAITING_ACTION' });
    const { hook } = await findPausedHook(ctx(), query);
    await continueServiceDeployment(ctx(), { serviceDeploymentArn: hook!.serviceDeploymentArn, hookId: hook!.hookId, action: 'CONTINUE' });
    const again = continueServiceDeployment(ctx(), { serviceDeploymentArn: hook!.serviceDeploymentArn, hookId: hook!.hookId, action: 'ROLLBACK' });
    await expect(again).rejects.toBeInstanceOf(AttemptResultError);
    await expect(again).rejects.toMatchObject({ result: { outcome: 'error', message: expect.stringMatching(/ecs:ContinueServiceDeployment.*InvalidParameterException.*not AWAITING_ACTION/) } });
  });
});
