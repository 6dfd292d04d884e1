/**
 * The Lambda handler in-process, with real event shapes, fake contexts and real local HTTP servers
 * for the verdicts. The target revision's task definition is resolved by an injected resolver here:
 * moto has no DescribeServiceRevisions yet (wave1-deploy adds it to scripts/moto/).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { createHandler, type CodeDeployHookApi, type EcsHookResponse, type HandlerOptions, type RunResponse, type CodeDeployResponse } from '../../runner/lambda/handler.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { TARGET_REVISION, sampleEvent } from './fixtures.js';
import { TASK_DEFINITION, bundleDir, fakeContext, logCapture } from './support.js';
import { HOOK_EVENT_FIXTURES } from '../support/hook-events.js';
import { freePort } from '../support/ports.js';

let server: TestHttpServer;
let bundle: { root: string; remove: () => void };
/** Requests to /flaky answered so far: 503 for the first two, then 200. */
let flakyHits = 0;

const gate = (url: string) => `name: gate
vars:
  baseUrl: ${url}
checks:
  - name: health
    type: http
    url: \${vars.baseUrl}/ok?stage=\${vars.stage}&td=\${vars.taskDefinition}&svc=\${vars.cluster}/\${vars.service}&extra=\${vars.extra}
    retry: { attempts: 3, interval: 200ms }
`;

beforeAll(async () => {
  server = await startHttpServer();
  server.route('/ok', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  server.route('/denied', (_req, res) => res.writeHead(401).end('unauthorized'));
  server.route('/flaky', (_req, res) => {
    flakyHits++;
    res.writeHead(flakyHits >= 3 ? 200 : 503).end(flakyHits >= 3 ? 'ok' : 'warming up');
  });
  const url = server.url;
  bundle = bundleDir({
    'scenarios/gate.yaml': gate(url),
    'scenarios/broken.yaml': `name: broken\nchecks:\n  - name: health\n    type: http\n    url: ${url}/denied\n`,
    'scenarios/flaky.yaml': `name: flaky
checks:
  - name: ready
    type: http
    url: ${url}/ok?ready
  - name: health
    type: http
    url: ${url}/flaky
    timeout: 2s
    retry: { attempts: 10, interval: 1s, backoff: 1 }
`,
    'scenarios/service.yaml': `name: service
secrets: [API_TOKEN]
vars:
  region: us-east-1
checks:
  - name: health
    type: http
    url: ${url}/ok?for=\${vars.cluster}/\${vars.service}&region=\${vars.region}&token=\${env.API_TOKEN}
`,
    'scenarios/published.yaml': `name: published\naws: { region: us-east-1 }\npublishMetrics: { namespace: Deploy/Lambda }\nchecks:\n  - name: health\n    type: http\n    url: ${url}/ok\n`,
    'scenarios/service-broken.yaml': `name: service-broken\nchecks:\n  - name: health\n    type: http\n    url: ${url}/denied?for=\${vars.service}\n`,
  });
  symlinkSync('/etc/hostname', path.join(bundle.root, 'scenarios', 'escape.yaml'));
});

afterAll(async () => {
  await server.stop();
  bundle.remove();
});

afterEach(() => {
  server.requests.length = 0;
  flakyHits = 0;
});

const resolver: HandlerOptions['resolveTaskDefinition'] = async (arn) => {
  if (arn !== TARGET_REVISION) throw new Error(`unexpected revision ${arn}`);
  return TASK_DEFINITION;
};

function handlerWith(options: Partial<HandlerOptions> = {}) {
  const logs = logCapture();
  const handler = createHandler({ bundleRoot: bundle.root, env: {}, resolveTaskDefinition: resolver, log: logs.log, marginMs: 100, ...options });
  return { handler, logs };
}

function hookEvent(name: string, hookDetails: Record<string, unknown> = { scenario: 'scenarios/gate.yaml', vars: { extra: 'x1' } }) {
  const event = sampleEvent(name);
  event.hookDetails = hookDetails;
  return event;
}

describe('ECS lifecycle hooks', () => {
  it.each(HOOK_EVENT_FIXTURES.map(([fixture, stage]) => [fixture, stage]))('%s: runs hookDetails.scenario with cluster, service, taskDefinition, stage and hookDetails.vars set → SUCCEEDED', async (name, stage) => {
    const { handler, logs } = handlerWith();
    const response = (await handler(hookEvent(name), fakeContext(60_000))) as EcsHookResponse;
    expect(response).toEqual({ hookStatus: 'SUCCEEDED' });
    const url = new URL(server.requests[0]!.url, server.url);
    expect(Object.fromEntries(url.searchParams)).toEqual({ stage, td: TASK_DEFINITION, svc: 'hokusai/hokusai-api', extra: 'x1' });
    expect(logs.lines).toHaveLength(1);
    expect(logs.entries()[0]).toMatchObject({ msg: 'verify-deployment verdict', kind: 'ecs-lifecycle-hook', stage, cluster: 'hokusai', service: 'hokusai-api', verdict: 'passed', hookStatus: 'SUCCEEDED', taskDefinition: TASK_DEFINITION, report: { status: 'passed', scenario: 'gate' } });
  });

  it('a failing check answers FAILED, with the report in the log line', async () => {
    const { handler, logs } = handlerWith();
    const response = await handler(hookEvent('ecs-hook-post-test-traffic-shift', { scenario: 'scenarios/broken.yaml' }), fakeContext(60_000));
    expect(response).toEqual({ hookStatus: 'FAILED' });
    expect(logs.entries()[0]).toMatchObject({ verdict: 'failed', hookStatus: 'FAILED', report: { status: 'failed', checks: [{ name: 'health', status: 'failed' }] } });
  });

  it.each(['ecs-hook-rollback-test-traffic-shift', 'ecs-hook-rollback-production-traffic-shift'])('%s: SUCCEEDED at once, nothing run, the rollback logged', async (name) => {
    const { handler, logs } = handlerWith({ resolveTaskDefinition: async () => Promise.reject(new Error('must not be called on a rollback')) });
    const response = await handler(hookEvent(name, { scenario: 'scenarios/broken.yaml' }), fakeContext(60_000));
    expect(response).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(server.requests).toHaveLength(0);
    expect(logs.entries()[0]).toMatchObject({ hookStatus: 'SUCCEEDED', verdict: 'ignored', reason: expect.stringMatching(/^rollback in progress/) });
  });

  it('IN_PROGRESS while checks still retry as time runs low, then SUCCEEDED on the re-invocation; passed checks are not run again', async () => {
    const logs = logCapture();
    let clock = Date.parse('2025-07-17T12:00:00Z');
    const timed = createHandler({ bundleRoot: bundle.root, env: {}, resolveTaskDefinition: resolver, log: logs.log, marginMs: 100, now: () => clock });

    const first = (await timed(hookEvent('ecs-hook-post-test-traffic-shift', { scenario: 'scenarios/flaky.yaml', custom: 'kept' }), fakeContext(900))) as EcsHookResponse;
    expect(first.hookStatus).toBe('IN_PROGRESS');
    expect(first.callBackDelay).toBe(30);
    expect(first.hookDetails).toMatchObject({
      scenario: 'scenarios/flaky.yaml',
      custom: 'kept',
      verifyDeployment: { v: 1, stage: 'POST_TEST_TRAFFIC_SHIFT', invocations: 1, firstInvokedAt: '2025-07-17T12:00:00.000Z', taskDefinition: TASK_DEFINITION, passed: ['ready'] },
    });
    expect(flakyHits).toBe(1);
    expect(logs.entries()[0]).toMatchObject({ hookStatus: 'IN_PROGRESS', verdict: 'in-progress', invocation: 1, callBackDelay: 30 });
    expect(logs.entries()[0]!.report.interrupted).toBeUndefined();

    clock += 30_000;
    const second = (await timed(hookEvent('ecs-hook-post-test-traffic-shift', first.hookDetails), fakeContext(60_000))) as EcsHookResponse;
    expect(second).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(flakyHits).toBe(3);
    expect(server.requests.filter((r) => r.url.includes('ready'))).toHaveLength(1);
    expect(logs.lines).toHaveLength(2);
    expect(logs.entries()[1]).toMatchObject({
      hookStatus: 'SUCCEEDED',
      invocation: 2,
      firstInvokedAt: '2025-07-17T12:00:00.000Z',
      report: { status: 'passed', summary: { passed: 2, skipped: 0 }, checks: [{ name: 'ready', status: 'passed', message: 'passed in an earlier invocation of this hook' }, { name: 'health', status: 'passed' }] },
    });
  });

  it('past the scenario budget counted from the first invocation: FAILED', async () => {
    const logs = logCapture();
    let clock = Date.parse('2025-07-17T12:00:00Z');
    const timed = createHandler({ bundleRoot: bundle.root, env: {}, resolveTaskDefinition: resolver, log: logs.log, marginMs: 100, now: () => clock });
    const first = (await timed(hookEvent('ecs-hook-post-test-traffic-shift', { scenario: 'scenarios/flaky.yaml' }), fakeContext(900))) as EcsHookResponse;
    expect(first.hookStatus).toBe('IN_PROGRESS');
    // flaky.yaml: "ready" 1 × 10 s + "health" 10 × 2 s + 9 × 1 s waits = 39 s.
    clock += 40_000;
    const late = await timed(hookEvent('ecs-hook-post-test-traffic-shift', first.hookDetails), fakeContext(60_000));
    expect(late).toEqual({ hookStatus: 'FAILED' });
    expect(logs.entries()[1]).toMatchObject({ hookStatus: 'FAILED', budget: '39s', reason: expect.stringMatching(/budget of 39s is spent.*2 invocations/) });
  });

  it("publishMetrics that cannot reach CloudWatch: logged as metricsError, the hook's answer unchanged", async () => {
    const saved = { endpoint: process.env.AWS_ENDPOINT_URL, attempts: process.env.AWS_MAX_ATTEMPTS };
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${await freePort()}`;
    process.env.AWS_MAX_ATTEMPTS = '1';
    try {
      const { handler, logs } = handlerWith();
      expect(await handler(hookEvent('ecs-hook-post-test-traffic-shift', { scenario: 'scenarios/published.yaml' }), fakeContext(20_000))).toEqual({ hookStatus: 'SUCCEEDED' });
      const entry = logs.entries()[0]!;
      expect(entry).toMatchObject({ verdict: 'passed', hookStatus: 'SUCCEEDED' });
      expect(entry.metricsError).toMatch(/^the verdict was not published to CloudWatch namespace Deploy\/Lambda: .*cloudwatch:PutMetricData/);
      expect(entry).not.toHaveProperty('metricsPublished');
    } finally {
      for (const [name, value] of [['AWS_ENDPOINT_URL', saved.endpoint], ['AWS_MAX_ATTEMPTS', saved.attempts]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('state of another service deployment in hookDetails is ignored (a fresh start)', async () => {
    const { handler, logs } = handlerWith();
    const stale = { v: 1, stage: 'POST_TEST_TRAFFIC_SHIFT', serviceDeploymentArn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/hokusai/hokusai-api/OLD', firstInvokedAt: '2020-01-01T00:00:00.000Z', invocations: 9, taskDefinition: 'old:1', passed: ['health'] };
    const response = await handler(hookEvent('ecs-hook-post-test-traffic-shift', { scenario: 'scenarios/gate.yaml', vars: { extra: 'e' }, verifyDeployment: stale }), fakeContext(60_000));
    expect(response).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(logs.entries()[0]).toMatchObject({ invocation: 1, taskDefinition: TASK_DEFINITION });
  });

  it.each<[string, unknown, RegExp]>([
    ['an empty object', {}, /unrecognised event/],
    ['a string', 'garbage', /expected a JSON object/],
    ['a hook event without executionDetails', (() => { const e = sampleEvent('ecs-hook-post-scale-up'); delete e.executionDetails; return e; })(), /malformed ECS lifecycle hook event: executionDetails/],
  ])('malformed event (%s): returns FAILED with the reason logged, never throws', async (_what, event, reason) => {
    const { handler, logs } = handlerWith();
    const response = (await handler(event, fakeContext(60_000))) as EcsHookResponse;
    expect(response.hookStatus).toBe('FAILED');
    expect(response.error).toMatch(reason);
    expect(logs.lines).toHaveLength(1);
    expect(logs.entries()[0]).toMatchObject({ hookStatus: 'FAILED', verdict: 'errored', reason: expect.stringMatching(reason) });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a missing file', { scenario: 'scenarios/missing.yaml' }, /no such file/],
    ['a path escaping the bundle', { scenario: '../../../etc/passwd' }, /outside the deployed bundle/],
    ['an absolute path elsewhere', { scenario: '/etc/passwd' }, /outside the deployed bundle/],
    ['a symlink pointing out of the bundle', { scenario: 'scenarios/escape.yaml' }, /leads outside the deployed bundle through a symlink/],
    ['bad hookDetails.vars', { scenario: 'scenarios/gate.yaml', vars: { 'no spaces': 'x' } }, /invalid hookDetails: hookDetails\.vars/],
    ['malformed carried state', { scenario: 'scenarios/gate.yaml', verifyDeployment: { v: 2 } }, /invalid hookDetails\.verifyDeployment/],
  ])('unreadable scenario or details (%s): FAILED with the reason logged', async (_what, hookDetails, reason) => {
    const { handler, logs } = handlerWith();
    const response = await handler(hookEvent('ecs-hook-post-test-traffic-shift', hookDetails), fakeContext(60_000));
    expect(response).toEqual({ hookStatus: 'FAILED' });
    expect(server.requests).toHaveLength(0);
    expect(logs.entries()[0]).toMatchObject({ hookStatus: 'FAILED', verdict: 'errored', reason: expect.stringMatching(reason) });
  });

  it('an invalid scenario: FAILED naming the problem with its position', async () => {
    const local = bundleDir({ 'bad.yaml': 'name: bad\nchecks:\n  - name: x\n    type: htp\n' });
    try {
      const { logs } = handlerWith();
      const handler = createHandler({ bundleRoot: local.root, env: {}, resolveTaskDefinition: resolver, log: logs.log });
      expect(await handler(hookEvent('ecs-hook-post-scale-up', { scenario: 'bad.yaml' }), fakeContext(60_000))).toEqual({ hookStatus: 'FAILED' });
      expect(logs.entries()[0]!.reason).toMatch(/invalid scenario: bad\.yaml:4:11 .*unknown check type "htp"/);
    } finally {
      local.remove();
    }
  });

  it('VERIFY_DEPLOYMENT_SCENARIO is used when hookDetails names none', async () => {
    const { handler } = handlerWith({ env: { VERIFY_DEPLOYMENT_SCENARIO: 'scenarios/broken.yaml' } });
    expect(await handler(hookEvent('ecs-hook-post-scale-up', {}), fakeContext(60_000))).toEqual({ hookStatus: 'FAILED' });
    expect(server.requests[0]!.url).toBe('/denied');
  });

  it('a failing task definition look-up answers FAILED with the reason', async () => {
    const { handler, logs } = handlerWith({ resolveTaskDefinition: async () => Promise.reject(new Error('cannot resolve the target task definition: AccessDenied: ecs:DescribeServiceRevisions is not allowed')) });
    expect(await handler(hookEvent('ecs-hook-post-scale-up'), fakeContext(60_000))).toEqual({ hookStatus: 'FAILED' });
    expect(logs.entries()[0]!.reason).toMatch(/ecs:DescribeServiceRevisions is not allowed/);
  });
});

describe('CodeDeploy hooks', () => {
  let stub: TestHttpServer;
  let answer = 200;
  beforeAll(async () => {
    stub = await startHttpServer();
    // The CodeDeploy JSON protocol (awsJson1_1): POST /, X-Amz-Target names the operation.
    stub.route('/', (_req, res) => res.writeHead(answer, { 'content-type': 'application/x-amz-json-1.1' }).end(answer === 200 ? '{"lifecycleEventHookExecutionId":"x"}' : '{"__type":"InternalFailure","message":"boom"}'));
  });
  afterAll(() => stub.stop());
  afterEach(() => {
    stub.requests.length = 0;
    answer = 200;
  });

  /** A CodeDeployHookApi speaking the JSON protocol to the local stub (what the SDK client sends). */
  const viaStub = (): CodeDeployHookApi => ({
    async putLifecycleEventHookExecutionStatus(input, signal) {
      const response = await fetch(`${stub.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus' },
        body: JSON.stringify(input),
        signal,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    },
  });

  const env = (scenario: string) => ({ VERIFY_DEPLOYMENT_SCENARIO: scenario, VERIFY_DEPLOYMENT_CLUSTER: 'hokusai', VERIFY_DEPLOYMENT_SERVICE: 'hokusai-api', AWS_REGION: 'us-east-1', API_TOKEN: 'tok-codedeploy-9d2e' });

  function statusCalls() {
    return stub.requests.map((r) => ({ target: r.headers['x-amz-target'], body: JSON.parse(r.body) as Record<string, string> }));
  }

  it.each([
    ['scenarios/service.yaml', 'Succeeded', 'passed'],
    ['scenarios/service-broken.yaml', 'Failed', 'failed'],
    ['scenarios/missing.yaml', 'Failed', 'errored'],
  ])('%s: runs, then reports %s with PutLifecycleEventHookExecutionStatus', async (scenario, status, verdict) => {
    const { handler, logs } = handlerWith({ env: env(scenario), codeDeploy: viaStub });
    const event = sampleEvent('codedeploy-hook');
    const response = (await handler(event, fakeContext(60_000))) as CodeDeployResponse;
    expect(response).toMatchObject({ status, statusReported: true, verdict, deploymentId: 'd-8HDEXAMPLE' });
    expect(statusCalls()).toEqual([{ target: 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus', body: { deploymentId: 'd-8HDEXAMPLE', lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId, status } }]);
    expect(logs.entries()[0]).toMatchObject({ kind: 'codedeploy-hook', codeDeployStatus: status, statusReported: true, verdict });
  });

  it('the default client (@aws-sdk/client-codedeploy) sends the status call in the CodeDeploy JSON protocol', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_CODEDEPLOY: stub.url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });
    try {
      const { handler, logs } = handlerWith({ env: env('scenarios/service-broken.yaml') });
      const event = sampleEvent('codedeploy-hook');
      const response = (await handler(event, fakeContext(60_000))) as CodeDeployResponse;
      expect(response).toMatchObject({ status: 'Failed', statusReported: true, verdict: 'failed' });
      expect(stub.requests).toHaveLength(1);
      expect(stub.requests[0]!.headers).toMatchObject({ 'x-amz-target': 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus', 'content-type': 'application/x-amz-json-1.1', authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=testing\/\d{8}\/us-east-1\/codedeploy\//) });
      expect(JSON.parse(stub.requests[0]!.body)).toEqual({ deploymentId: 'd-8HDEXAMPLE', lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId, status: 'Failed' });
      expect(logs.entries()[0]).toMatchObject({ codeDeployStatus: 'Failed', statusReported: true });
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('a failing status call is logged and answered, never thrown', async () => {
    answer = 500;
    const { handler, logs } = handlerWith({ env: env('scenarios/service.yaml'), codeDeploy: viaStub });
    const response = (await handler(sampleEvent('codedeploy-hook'), fakeContext(60_000))) as CodeDeployResponse;
    expect(response).toMatchObject({ status: 'Succeeded', statusReported: false });
    expect(logs.entries()[0]!.statusError).toMatch(/PutLifecycleEventHookExecutionStatus failed: HTTP 500/);
  });
});

describe('EventBridge events and plain input', () => {
  it('ECS Deployment State Change (COMPLETED): runs for resources[0] and returns the report', async () => {
    const { handler, logs } = handlerWith({ env: { VERIFY_DEPLOYMENT_SCENARIO: 'scenarios/service.yaml', API_TOKEN: 'tok-3f9a7c1e55' } });
    const response = (await handler(sampleEvent('eventbridge-service-deployment-completed'), fakeContext(60_000))) as RunResponse;
    expect(response).toMatchObject({ cluster: 'hokusai', service: 'hokusai-api', verdict: 'passed', report: { status: 'passed' } });
    expect(server.requests[0]!.url).toContain('for=hokusai/hokusai-api');
    expect(logs.entries()[0]).toMatchObject({ kind: 'ecs-deployment-state-change', eventName: 'SERVICE_DEPLOYMENT_COMPLETED', verdict: 'passed' });
  });

  it('the log line and the answer never carry a declared secret', async () => {
    const secret = 'tok-3f9a7c1e55';
    const { handler, logs } = handlerWith({ env: { VERIFY_DEPLOYMENT_SCENARIO: 'scenarios/service.yaml', API_TOKEN: secret } });
    const response = await handler({ ...sampleEvent<Record<string, unknown>>('plain'), scenario: 'scenarios/service.yaml', vars: {} }, fakeContext(60_000));
    expect(server.requests[0]!.url).toContain(secret);
    expect(JSON.stringify(response)).not.toContain(secret);
    expect(logs.lines[0]).not.toContain(secret);
    expect(logs.lines[0]).toContain('***');
  });

  it('SERVICE_DEPLOYMENT_FAILED runs too (the report says what is broken)', async () => {
    const { handler } = handlerWith({ env: { VERIFY_DEPLOYMENT_SCENARIO: 'scenarios/service-broken.yaml' } });
    expect(await handler(sampleEvent('eventbridge-service-deployment-failed'), fakeContext(60_000))).toMatchObject({ verdict: 'failed', report: { status: 'failed' } });
  });

  it('SERVICE_DEPLOYMENT_IN_PROGRESS is ignored (nothing run)', async () => {
    const { handler, logs } = handlerWith({ env: { VERIFY_DEPLOYMENT_SCENARIO: 'scenarios/service.yaml' } });
    expect(await handler(sampleEvent('eventbridge-service-deployment-in-progress'), fakeContext(60_000))).toMatchObject({ verdict: 'ignored' });
    expect(server.requests).toHaveLength(0);
    expect(logs.entries()[0]).toMatchObject({ verdict: 'ignored' });
  });

  it('plain input {cluster, service, scenario, vars}: returns {cluster, service, verdict, report}', async () => {
    const { handler } = handlerWith({ env: { API_TOKEN: 'tok-plain-1234' } });
    const event = { cluster: 'c1', service: 's1', scenario: 'scenarios/service.yaml', vars: { region: 'eu-west-1', cluster: 'ignored' } };
    const response = (await handler(event, fakeContext(60_000))) as RunResponse;
    expect(response).toMatchObject({ cluster: 'c1', service: 's1', verdict: 'passed', report: { scenario: 'service', status: 'passed' } });
    expect(server.requests[0]!.url).toContain('for=c1/s1&region=eu-west-1');
  });

  it('plain input whose checks outlast the invocation: failed, the log saying the time ran out', async () => {
    const { handler, logs } = handlerWith();
    const response = (await handler({ cluster: 'c1', service: 's1', scenario: 'scenarios/flaky.yaml' }, fakeContext(900))) as RunResponse;
    expect(response).toMatchObject({ verdict: 'failed', report: { status: 'failed' } });
    expect(logs.entries()[0]!.reason).toMatch(/ran out of time before every check ended.*budget is 39s/);
  });

  it('plain input with a scenario outside the bundle: errored with the reason', async () => {
    const { handler } = handlerWith();
    const response = (await handler({ cluster: 'c1', service: 's1', scenario: '../x.yaml' }, fakeContext(60_000))) as RunResponse;
    expect(response).toMatchObject({ verdict: 'errored', error: expect.stringMatching(/outside the deployed bundle/) });
    expect(response.report).toBeUndefined();
  });
});
