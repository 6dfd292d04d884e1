import { describe, expect, it } from '@jest/globals';
import { isRollbackInvocation, parseDeploymentEvent, parseEcsArn, type DeploymentEvent } from '../../runner/deployment-event.js';
import { SOURCE_REVISION, TARGET_REVISION, sampleEvent } from './fixtures.js';
import { HOOK_EVENT_FIXTURES } from '../support/hook-events.js';

function parsed(input: unknown): DeploymentEvent {
  const result = parseDeploymentEvent(input);
  if (!result.ok) throw new Error(`expected a parsed event, got: ${result.error}`);
  return result.event;
}

function errorOf(input: unknown): string {
  const result = parseDeploymentEvent(input);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.event)}`);
  return result.error;
}

describe('parseEcsArn', () => {
  it.each([
    ['arn:aws:ecs:us-east-1:123456789012:service/hokusai/hokusai-api', { resourceType: 'service', cluster: 'hokusai', service: 'hokusai-api', region: 'us-east-1' }],
    ['arn:aws:ecs:eu-west-1:123456789012:service/hokusai-api', { resourceType: 'service', service: 'hokusai-api', region: 'eu-west-1' }],
    ['arn:aws:ecs:us-east-1:123456789012:service-deployment/c1/s1/NCWGC2ZR-taGbVELwAXJyH', { resourceType: 'service-deployment', cluster: 'c1', service: 's1', id: 'NCWGC2ZR-taGbVELwAXJyH' }],
    ['arn:aws:ecs:us-east-1:123456789012:service-revision/c1/s1/4980306466373577095', { resourceType: 'service-revision', cluster: 'c1', service: 's1', id: '4980306466373577095' }],
    ['arn:aws-cn:ecs:cn-north-1:123456789012:service/c/s', { resourceType: 'service', cluster: 'c', service: 's', region: 'cn-north-1' }],
  ])('%s', (arn, expected) => {
    expect(parseEcsArn(arn)).toMatchObject(expected);
    if (!('cluster' in expected)) expect(parseEcsArn(arn)).not.toHaveProperty('cluster');
  });

  it.each([
    'arn:aws:ecs:us-east-1:123456789012:task/c/abc',
    'arn:aws:ecs:us-east-1:123456789012:service/a/b/c',
    'arn:aws:ecs:us-east-1:123456789012:service-deployment/c/s',
    'arn:aws:ecs:us-east-1:12345:service/c/s',
    'arn:aws:ecs:us-east-1:123456789012:service/c/s with space',
    'not an arn',
  ])('rejects %s', (arn) => {
    expect(parseEcsArn(arn)).toBeUndefined();
  });
});

describe('ECS lifecycle hook events', () => {
  it.each(HOOK_EVENT_FIXTURES.map(([fixture, stage]) => [fixture, stage]))('%s: cluster, service, stage and target revision, not a rollback', (name, stage) => {
    const event = parsed(sampleEvent(name));
    expect(event).toMatchObject({
      kind: 'ecs-lifecycle-hook',
      cluster: 'hokusai',
      service: 'hokusai-api',
      region: 'us-east-1',
      stage,
      targetServiceRevisionArn: TARGET_REVISION,
      serviceDeploymentArn: expect.stringContaining(':service-deployment/hokusai/hokusai-api/'),
      hookDetails: { scenario: 'scenarios/gate.yaml' },
      rollback: false,
    });
  });

  it.each([
    ['ecs-hook-rollback-test-traffic-shift', 'TEST_TRAFFIC_SHIFT'],
    ['ecs-hook-rollback-production-traffic-shift', 'PRODUCTION_TRAFFIC_SHIFT'],
  ])('%s is a rollback invocation', (name, stage) => {
    expect(parsed(sampleEvent(name))).toMatchObject({ stage, rollback: true });
  });

  it('takes hookDetails given as JSON text (CloudFormation HookDetails is a JSON string)', () => {
    const event = sampleEvent('ecs-hook-post-test-traffic-shift');
    event.hookDetails = '{"scenario":"x.yaml","vars":{"a":"1"}}';
    expect(parsed(event)).toMatchObject({ hookDetails: { scenario: 'x.yaml', vars: { a: '1' } } });
  });

  it('treats a missing hookDetails and missing weights as empty', () => {
    const event = sampleEvent('ecs-hook-test-traffic-shift');
    delete event.hookDetails;
    delete event.executionDetails.testTrafficWeights;
    expect(parsed(event)).toMatchObject({ hookDetails: {}, testTrafficWeights: {}, rollback: false });
  });

  it.each<[string, (e: Record<string, any>) => void, RegExp]>([
    ['no executionDetails', (e) => delete e.executionDetails, /executionDetails/],
    ['an unknown stage', (e) => (e.lifecycleStage = 'SOMETIME'), /lifecycleStage/],
    ['a weight above 100', (e) => (e.executionDetails.productionTrafficWeights[TARGET_REVISION] = 120), /productionTrafficWeights/],
    ['hookDetails not an object', (e) => (e.hookDetails = 'not json'), /hookDetails/],
    ['a serviceArn that is a task ARN', (e) => (e.executionDetails.serviceArn = 'arn:aws:ecs:us-east-1:123456789012:task/hokusai/abc'), /not an ECS service ARN/],
    ['an old-format serviceArn', (e) => (e.executionDetails.serviceArn = 'arn:aws:ecs:us-east-1:123456789012:service/hokusai-api'), /old-format service ARN.*cluster/],
    ['a resourceArn that is no service deployment', (e) => (e.resourceArn = e.executionDetails.serviceArn), /service deployment ARN/],
    ['resourceArn and serviceArn naming other services', (e) => (e.resourceArn = e.resourceArn.replace('/hokusai-api/', '/other/')), /names hokusai\/other but/],
  ])('rejects %s', (_what, mutate, message) => {
    const event = sampleEvent('ecs-hook-post-test-traffic-shift');
    mutate(event);
    expect(errorOf(event)).toMatch(message);
  });
});

describe('isRollbackInvocation', () => {
  const T = TARGET_REVISION;
  const S = SOURCE_REVISION;
  it.each<[string, Parameters<typeof isRollbackInvocation>[0], Record<string, number>, Record<string, number>, boolean]>([
    ['normal test shift: target at 0 % of production by design', 'TEST_TRAFFIC_SHIFT', { [T]: 100, [S]: 0 }, { [T]: 0, [S]: 100 }, false],
    ['test shift back to the source', 'TEST_TRAFFIC_SHIFT', { [T]: 0, [S]: 100 }, { [T]: 0, [S]: 100 }, true],
    ['normal production shift', 'PRODUCTION_TRAFFIC_SHIFT', { [T]: 100, [S]: 0 }, { [T]: 100, [S]: 0 }, false],
    ['linear production shift at 10 %', 'PRODUCTION_TRAFFIC_SHIFT', {}, { [T]: 10, [S]: 90 }, false],
    ['production shift back to the source', 'PRODUCTION_TRAFFIC_SHIFT', { [T]: 100, [S]: 0 }, { [T]: 0, [S]: 100 }, true],
    ['no test listener: no test weights', 'TEST_TRAFFIC_SHIFT', {}, { [S]: 100 }, false],
    ['other stages never', 'POST_PRODUCTION_TRAFFIC_SHIFT', { [T]: 0, [S]: 100 }, { [T]: 0, [S]: 100 }, false],
    ['target alone at 0 (nothing shifted anywhere)', 'PRODUCTION_TRAFFIC_SHIFT', {}, { [T]: 0 }, false],
  ])('%s → %s', (_what, stage, test, production, expected) => {
    expect(isRollbackInvocation(stage, T, test, production)).toBe(expected);
  });
});

describe('CodeDeploy hook events', () => {
  it('reads the deployment and hook execution ids', () => {
    expect(parsed(sampleEvent('codedeploy-hook'))).toEqual({ kind: 'codedeploy-hook', deploymentId: 'd-8HDEXAMPLE', lifecycleEventHookExecutionId: expect.any(String) });
  });
  it.each([
    [{ DeploymentId: 'd-8HDEXAMPLE' }, /LifecycleEventHookExecutionId/],
    [{ DeploymentId: 'deploy-1', LifecycleEventHookExecutionId: 'x' }, /DeploymentId.*d-ABCDEF123/],
  ])('rejects %j', (event, message) => {
    expect(errorOf(event)).toMatch(message);
  });
});

describe('EventBridge ECS events', () => {
  it.each([
    ['eventbridge-service-deployment-completed', 'SERVICE_DEPLOYMENT_COMPLETED'],
    ['eventbridge-service-deployment-failed', 'SERVICE_DEPLOYMENT_FAILED'],
    ['eventbridge-service-deployment-in-progress', 'SERVICE_DEPLOYMENT_IN_PROGRESS'],
  ])('%s: cluster and service from resources[0]', (name, eventName) => {
    expect(parsed(sampleEvent(name))).toMatchObject({ kind: 'ecs-deployment-state-change', cluster: 'hokusai', service: 'hokusai-api', region: 'us-east-1', eventName, deploymentId: 'ecs-svc/7427289312954830123' });
  });

  it('an old-format service ARN names no cluster: the error says to give it', () => {
    expect(errorOf(sampleEvent('eventbridge-old-format-arn'))).toMatch(/old-format service ARN with no cluster.*give the cluster explicitly/);
  });

  it('ECS Hook State Change: service from the service deployment, stage and hook id', () => {
    expect(parsed(sampleEvent('eventbridge-hook-state-change'))).toMatchObject({
      kind: 'ecs-hook-state-change',
      cluster: 'hokusai',
      service: 'hokusai-api',
      eventName: 'HOOK_AWAITING_ACTION',
      stage: 'POST_TEST_TRAFFIC_SHIFT',
      hookId: expect.stringMatching(/^ecs-pause-/),
    });
  });

  it.each<[string, (e: Record<string, any>) => void, RegExp]>([
    ['another detail-type', (e) => (e['detail-type'] = 'ECS Task State Change'), /unsupported EventBridge detail-type "ECS Task State Change"/],
    ['another source', (e) => (e.source = 'aws.ec2'), /source/],
    ['no resources', (e) => (e.resources = []), /resources is empty/],
    ['no eventName', (e) => delete e.detail.eventName, /detail.eventName/],
  ])('rejects %s', (_what, mutate, message) => {
    const event = sampleEvent('eventbridge-service-deployment-completed');
    mutate(event);
    expect(errorOf(event)).toMatch(message);
  });
});

describe('plain input', () => {
  it('reads cluster, service, scenario and vars (as strings)', () => {
    expect(parsed(sampleEvent('plain'))).toEqual({ kind: 'plain', cluster: 'hokusai', service: 'hokusai-api', scenario: 'scenarios/gate.yaml', vars: { baseUrl: 'http://127.0.0.1:8080', minHealthy: '2' } });
  });
  it.each([
    [{ cluster: 'c' }, /service/],
    [{ cluster: 'c', service: 's', extra: 1 }, /extra/],
    [{ cluster: 'c/x', service: 's' }, /cluster/],
    [{ cluster: 'c', service: 's', vars: { 'bad name': 'x' } }, /vars\.bad name: Invalid key/],
  ])('rejects %j', (event, message) => {
    expect(errorOf(event)).toMatch(message);
  });
});

describe('anything else', () => {
  it.each([
    [null, /got null/],
    [[1, 2], /got an array/],
    ['text', /got string/],
    [{ hello: 'world' }, /unrecognised event \(keys: "hello"\)/],
  ])('%j is a clear error, never a throw', (input, message) => {
    expect(errorOf(input)).toMatch(message);
  });
});
