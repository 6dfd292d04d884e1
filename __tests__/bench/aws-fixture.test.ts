/**
 * The benchmark's emulated AWS (scripts/bench/aws-fixture.ts, built from scripts/fixtures/) against a
 * real moto_server: what the figures poll is there, and the unhealthy/healthy switches flip it.
 */
import { expect, it } from '@jest/globals';
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { awsClients, CLUSTER, createFixture, FAILED_CLUSTER, LOG_GROUP, SERVICE, STOPPED_CLUSTER } from '../../scripts/bench/aws-fixture.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

requireTool('moto', 'the benchmark fixture test')('the benchmark fixture in moto', () => {
  const moto = useMoto({ pinEcsTasks: true });

  it('creates the four situations the figures poll, and flips the main service and its targets', async () => {
    const aws = await awsClients(moto.endpoint);
    try {
      const fixture = await createFixture(aws);
      const service = async (cluster: string) =>
        (await aws.ecs.send(new DescribeServicesCommand({ cluster, services: [SERVICE] }))).services![0]!;
      const targetStates = async () =>
        (await aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: fixture.targetGroupArn }))).TargetHealthDescriptions!.map((t) => t.TargetHealth?.State);

      await fixture.setUnhealthy();
      expect((await service(CLUSTER)).runningCount).toBe(0);
      expect(await targetStates()).toEqual(['initial', 'initial']);
      await fixture.setHealthy();
      const healthy = await service(CLUSTER);
      expect({ running: healthy.runningCount, rollout: healthy.deployments?.[0]?.rolloutState }).toEqual({ running: 2, rollout: 'COMPLETED' });
      expect(await targetStates()).toEqual(['healthy', 'healthy']);

      expect((await service(FAILED_CLUSTER)).deployments?.[0]?.rolloutState).toBe('FAILED');
      const stopped = await aws.ecs.send(new ListTasksCommand({ cluster: STOPPED_CLUSTER, desiredStatus: 'STOPPED' }));
      const tasks = (await aws.ecs.send(new DescribeTasksCommand({ cluster: STOPPED_CLUSTER, tasks: stopped.taskArns! }))).tasks!;
      expect(tasks.map((t) => [t.lastStatus, t.stopCode])).toEqual([['STOPPED', 'EssentialContainerExited']]);

      const events = await aws.logs.send(new FilterLogEventsCommand({ logGroupName: LOG_GROUP }));
      expect(events.events?.map((e) => e.message)).toEqual(['INFO: Health check requested', 'INFO: "GET /health HTTP/1.1" 200 OK']);
    } finally {
      aws.destroy();
    }
  }, 60_000);
});
