import { beforeEach, describe, expect, it } from '@jest/globals';
import { DescribeServiceRevisionsCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { ClientPool } from '../../runner/clients.js';
import { describeServiceRevisionResolver } from '../../runner/lambda/revision.js';
import { TARGET_REVISION } from './fixtures.js';
import { TASK_DEFINITION } from './support.js';

const ecs = mockClient(ECSClient);
const resolve = () => describeServiceRevisionResolver(new ClientPool({ region: 'us-east-1' }))(TARGET_REVISION, { region: 'us-east-1', signal: new AbortController().signal });

describe('describeServiceRevisionResolver (ecs:DescribeServiceRevisions)', () => {
  beforeEach(() => {
    ecs.reset();
  });

  it('returns the task definition of the target revision', async () => {
    ecs.on(DescribeServiceRevisionsCommand, { serviceRevisionArns: [TARGET_REVISION] }).resolves({ serviceRevisions: [{ serviceRevisionArn: TARGET_REVISION, taskDefinition: TASK_DEFINITION }], failures: [] });
    await expect(resolve()).resolves.toBe(TASK_DEFINITION);
  });

  it.each<[string, () => void, RegExp]>([
    ['a revision ECS does not know', () => ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [], failures: [{ arn: TARGET_REVISION, reason: 'MISSING' }] }), /not found \(MISSING\)/],
    ['a malformed answer', () => ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [{ serviceRevisionArn: TARGET_REVISION }] } as never), /unexpected response from ecs:DescribeServiceRevisions: serviceRevisions\[0\]\.taskDefinition: missing/],
    ['AccessDenied', () => ecs.on(DescribeServiceRevisionsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })), /AccessDenied: ecs:DescribeServiceRevisions is not allowed/],
  ])('%s is an error naming the reason, never a task definition', async (_what, arrange, message) => {
    arrange();
    await expect(resolve()).rejects.toThrow(message);
  });
});
