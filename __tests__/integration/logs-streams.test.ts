/**
 * `streams: target-revision` against moto: hokusai-api rolled from revision 1 to 2, one RUNNING task
 * of each (started with run-task the way the scheduler would: moto's services start none), the old
 * task's stream full of errors. Searching the current rollout's streams ignores them, with both
 * engines; searching every stream finds them. The ecs::task state manager is pinned so describe-tasks
 * does not advance the tasks towards STOPPED.
 */
import { it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import * as sdk from '@aws-sdk/client-ecs';
import * as ec2sdk from '@aws-sdk/client-ec2';
import { logsAbsent } from '../../checks/logs-absent.js';
import { createNetwork, createSecurityGroup, registerTaskDefinition } from '../../scripts/fixtures/index.js';
import { fakeContext } from '../support/context.js';
import { useClientPool } from '../support/clients.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const suite = requireTool('moto', 'logs streams: target-revision integration tests');
const CLUSTER = 'hokusai';
const SERVICE = 'hokusai-api';
const GROUP = '/ecs/hokusai-api';

suite('streams: target-revision against moto', () => {
  useMoto({ resetBetweenTests: true, pinEcsTasks: true });
  const aws = useClientPool();
  let cwl: CloudWatchLogsClient;
  let ecs: sdk.ECSClient;
  let ec2: ec2sdk.EC2Client;
  const taskIds: Record<'old' | 'new', string> = { old: '', new: '' };

  beforeAll(() => {
    cwl = new CloudWatchLogsClient({});
    ecs = new sdk.ECSClient({});
    ec2 = new ec2sdk.EC2Client({});
  });
  afterAll(() => {
    cwl?.destroy();
    ecs?.destroy();
    ec2?.destroy();
  });

  beforeEach(async () => {
    const { vpcId, subnetIds } = await createNetwork(ec2);
    const group = await createSecurityGroup(ec2, { vpcId, name: 'ecs-tasks', description: 'api tasks' });
    const network = { awsvpcConfiguration: { subnets: subnetIds, securityGroups: [group] } };
    await ecs.send(new sdk.CreateClusterCommand({ clusterName: CLUSTER }));
    const logConfiguration = { logDriver: 'awslogs' as const, options: { 'awslogs-group': GROUP, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' } };
    for (const image of ['hokusai/api:1', 'hokusai/api:2']) {
      await registerTaskDefinition(ecs, SERVICE, [{ name: 'api', image, memory: 512, logConfiguration }]);
    }
    await ecs.send(new sdk.CreateServiceCommand({ cluster: CLUSTER, serviceName: SERVICE, taskDefinition: `${SERVICE}:1`, desiredCount: 1, launchType: 'FARGATE' }));
    await ecs.send(new sdk.UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: `${SERVICE}:2` }));
    for (const [which, revision] of [['old', 1], ['new', 2]] as const) {
      const out = await ecs.send(
        new sdk.RunTaskCommand({ cluster: CLUSTER, taskDefinition: `${SERVICE}:${revision}`, count: 1, launchType: 'FARGATE', networkConfiguration: network, group: `service:${SERVICE}` }),
      );
      taskIds[which] = out.tasks![0]!.taskArn!.split('/').pop()!;
    }
    await cwl.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    const now = Date.now();
    for (const [which, message] of [['old', 'ERROR: Redis connection failed'], ['new', 'INFO: Redis connected']] as const) {
      const logStreamName = `ecs/api/${taskIds[which]}`;
      await cwl.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName }));
      await cwl.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName, logEvents: [{ timestamp: now - 10_000, message }] }));
    }
  });

  const run = (spec: Record<string, unknown>) =>
    logsAbsent.run(logsAbsent.schema.parse({ cluster: CLUSTER, service: SERVICE, pattern: 'ERROR', since: '5m', ...spec }), fakeContext({ clients: aws.pool }));

  it('every stream: the old task\'s error fails the check', async () => {
    const result = await run({ engine: 'filter' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain(`ecs/api/${taskIds.old}`);
  });

  it.each([['filter'], ['insights']])('target-revision with engine %s: only the new task\'s stream is searched, the old error is ignored', async (engine) => {
    const result = await run({ engine, streams: 'target-revision' });
    expect(result.outcome).toBe('pass');
    expect(result.details).toMatchObject({ engine, logStreams: [`ecs/api/${taskIds.new}`] });
  });

  it('target-revision still fails on the new task\'s own errors', async () => {
    await cwl.send(
      new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: `ecs/api/${taskIds.new}`, logEvents: [{ timestamp: Date.now() - 5_000, message: 'ERROR: new revision broke' }] }),
    );
    const result = await run({ engine: 'insights', streams: 'target-revision' });
    expect(result.outcome).toBe('fail');
    expect(result.message).toContain('ERROR: new revision broke');
  });
});
