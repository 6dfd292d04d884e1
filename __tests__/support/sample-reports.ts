/**
 * Fixture RunReports every reporter is pinned against (see __tests__/golden/). Each uses the
 * shipped check types, the skip data the runner records, and goes through finalizeReport with the
 * shipped cause→effect relations: counts, verdict and root cause are what a real run would report.
 */
import { checkTypes } from '../../checks/index.js';
import { finalizeReport } from '../../runner/finalize.js';
import { Masker } from '../../runner/mask.js';
import type { CheckReport, RunReport, SkipInfo } from '../../runner/result.js';

const SCENARIO = 'hokusai-api-development';
const FILE = '/repo/scenarios/api.yaml';
const STARTED_AT = '2025-06-12T14:10:41.613Z';

type CheckInput = Partial<CheckReport> & Pick<CheckReport, 'name' | 'type' | 'status'>;

function check(overrides: CheckInput): CheckReport {
  if (!checkTypes.some((c) => c.type === overrides.type)) throw new Error(`fixture uses unknown check type ${overrides.type}`);
  const lastOutcome = { passed: 'pass', failed: 'retry', error: 'error', skipped: undefined, inconclusive: 'inconclusive' }[overrides.status] as CheckReport['lastOutcome'];
  return {
    attempts: 1,
    durationMs: 120,
    message: '',
    observations: [],
    details: {},
    flaky: false,
    description: `${overrides.type} check`,
    ...(lastOutcome ? { lastOutcome } : {}),
    ...overrides,
  };
}

/** A skipped check as the runner records it: `skip` as data, `skipReason` and message as text. */
function skipped(overrides: Omit<CheckInput, 'status'>, skip: SkipInfo, text: string): CheckReport {
  return check({ attempts: 0, durationMs: 0, ...overrides, status: 'skipped', message: `skipped: ${text}`, skipReason: text, skip });
}

function report(checks: CheckReport[], options: { durationMs: number; scenario?: string; interrupted?: RunReport['interrupted'] }): RunReport {
  return finalizeReport({
    scenario: { name: options.scenario ?? SCENARIO, file: FILE, masker: new Masker() },
    checkTypes,
    startedAt: STARTED_AT,
    durationMs: options.durationMs,
    checks,
    interrupted: options.interrupted,
  });
}

const serviceStable = check({
  name: 'service stable',
  type: 'ecs-service-stable',
  status: 'passed',
  attempts: 3,
  durationMs: 12_400,
  flaky: true,
  message: 'ECS service hokusai-api-development (cluster hokusai-development) is stable on hokusai-api-development:151: 1/1 running',
  description: 'ECS service hokusai-api-development is stable',
  location: { file: FILE, line: 8, column: 5 },
  observations: [
    { what: 'running tasks', expected: '1', actual: '1', ok: true },
    { what: 'deployments', expected: '1 COMPLETED', actual: '1 COMPLETED', ok: true },
  ],
});

const steadyService = check({ ...serviceStable, attempts: 1, flaky: false, durationMs: 640 });

const tasksRunning = check({
  name: 'tasks running',
  type: 'ecs-task-running',
  status: 'passed',
  durationMs: 210,
  message: 'ECS service hokusai-api-development: 1 RUNNING task of the PRIMARY deployment, none UNHEALTHY',
  location: { file: FILE, line: 12, column: 5 },
});

export const allPassed: RunReport = report(
  [
    steadyService,
    tasksRunning,
    check({
      name: 'redis reachable',
      type: 'redis-ping',
      status: 'passed',
      durationMs: 35,
      message: 'PONG from master.hokusai-redis-development.lenvj6.use1.cache.amazonaws.com:6379 in 12ms',
      location: { file: FILE, line: 20, column: 5 },
    }),
    check({
      name: 'health endpoint',
      type: 'http',
      status: 'passed',
      durationMs: 180,
      message: 'GET https://api.hokus.ai/health → 200 in 84ms',
      location: { file: FILE, line: 27, column: 5 },
    }),
  ],
  { durationMs: 14_850 },
);

export const mixed: RunReport = report(
  [
    tasksRunning,
    serviceStable,
    check({
      name: 'targets healthy',
      type: 'alb-targets-healthy',
      status: 'failed',
      attempts: 5,
      durationMs: 16_000,
      message: 'target group hokusai-api-tg: 1 of 2 targets healthy (health check GET /health every 30s, timeout 5s) (gave up after 5 attempts)',
      location: { file: FILE, line: 18, column: 5 },
      observations: [
        { what: 'target 10.0.1.5:8000', expected: 'healthy', actual: 'healthy', ok: true },
        { what: 'target 10.0.2.7:8000', expected: 'healthy', actual: 'unhealthy (Target.Timeout: Request timed out)', ok: false },
      ],
      details: { targetGroup: 'hokusai-api-tg', healthCheckTimeoutSeconds: 5 },
      fix: { summary: 'Make /health answer within the ALB timeout (5s)' },
      nextSteps: [
        'aws elbv2 describe-target-health --target-group-arn arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/hokusai-api-tg/abc',
        'aws logs tail /ecs/hokusai-api-development --since 10m',
      ],
      facts: { targetTimeout: true, healthCheckPaths: ['/health'] },
    }),
    check({
      name: 'task definition',
      type: 'ecs-task-definition',
      status: 'error',
      attempts: 2,
      durationMs: 1_900,
      message: 'AWS ecs:DescribeTaskDefinition failed: AccessDeniedException: not authorized to perform ecs:DescribeTaskDefinition',
      location: { file: FILE, line: 34, column: 5 },
      nextSteps: ['aws sts get-caller-identity'],
    }),
    skipped({ name: 'predict endpoint', type: 'http', location: { file: FILE, line: 40, column: 5 } }, { reason: 'needs', because: 'targets healthy' }, 'needs "targets healthy", which failed'),
  ],
  { durationMs: 31_075 },
);

const redisIngress = check({
  name: 'redis ingress',
  type: 'sg-ingress',
  status: 'failed',
  lastOutcome: 'fail',
  attempts: 1,
  durationMs: 870,
  message: 'no ingress rule on sg-0454e74e2924a7754 allows tcp/6379 from sg-0864e6f6aee2a5cf4 (api tasks) (rules present: tcp/6379 from sg-0e61190afc2502b10)',
  location: { file: FILE, line: 20, column: 5 },
  observations: [{ what: 'ingress on sg-0454e74e2924a7754', expected: 'tcp/6379 from sg-0864e6f6aee2a5cf4', actual: 'no such rule; present: tcp/6379 from sg-0e61190afc2502b10', ok: false }],
  fix: {
    summary: 'Allow the API tasks security group into Redis on port 6379',
    command:
      'aws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754 --protocol tcp --port 6379 --source-group sg-0864e6f6aee2a5cf4 --region us-east-1',
  },
  nextSteps: ['terraform plan -target=aws_security_group_rule.redis_from_data_pipeline_ecs'],
  facts: { missingRule: true, port: 6379 },
});

export const withRootCause: RunReport = report(
  [
    tasksRunning,
    steadyService,
    redisIngress,
    check({
      name: 'health fast',
      type: 'http',
      status: 'failed',
      attempts: 5,
      durationMs: 21_300,
      message: 'GET https://api.hokus.ai/health → 200 in 2.1s (max 1s) (gave up after 5 attempts)',
      location: { file: FILE, line: 27, column: 5 },
      observations: [
        { what: 'status', expected: '200', actual: '200', ok: true },
        { what: 'latency', expected: '<= 1s', actual: '2.1s', ok: false },
      ],
      facts: { url: 'https://api.hokus.ai/health', status: 200, latencyMs: 2100, maxLatencyMs: 1000 },
    }),
    check({
      name: 'targets healthy',
      type: 'alb-targets-healthy',
      status: 'failed',
      attempts: 5,
      durationMs: 16_000,
      message: 'target group hokusai-api-tg: 0 of 1 targets healthy (gave up after 5 attempts)',
      location: { file: FILE, line: 33, column: 5 },
      observations: [{ what: 'target 10.0.2.7:8000', expected: 'healthy', actual: 'unhealthy (Target.Timeout)', ok: false }],
      facts: { targetTimeout: true, healthCheckPaths: ['/health'] },
    }),
    check({
      name: 'no redis errors in logs',
      type: 'logs-absent',
      status: 'failed',
      lastOutcome: 'fail',
      attempts: 1,
      durationMs: 9_400,
      message: '14 events match "Redis connection failed" in /ecs/hokusai-api-development',
      location: { file: FILE, line: 40, column: 5 },
      facts: { logGroup: '/ecs/hokusai-api-development', logPattern: '"Redis connection failed"', logMatches: 14 },
    }),
    skipped({ name: 'predict endpoint', type: 'http' }, { reason: 'needs', because: 'targets healthy' }, 'needs "targets healthy", which failed'),
    skipped({ name: 'model 21 predicts', type: 'http' }, { reason: 'needs', because: 'predict endpoint' }, 'needs "predict endpoint", which was skipped'),
  ],
  { durationMs: 48_200 },
);

/** Two failures no relation or need links (a missing page, a slow endpoint) and one errored check. */
export const independent: RunReport = report(
  [
    steadyService,
    check({
      name: 'docs page',
      type: 'http',
      status: 'failed',
      lastOutcome: 'fail',
      durationMs: 95,
      message: 'GET https://api.hokus.ai/docs → 404 (expected 200)',
      location: { file: FILE, line: 14, column: 5 },
      observations: [{ what: 'status', expected: '200', actual: '404', ok: false }],
      facts: { url: 'https://api.hokus.ai/docs', status: 404, latencyMs: 40 },
    }),
    check({
      name: 'search fast',
      type: 'http',
      status: 'failed',
      attempts: 3,
      durationMs: 7_400,
      message: 'GET https://api.hokus.ai/search?q=a → 200 in 2.4s (max 500ms) (gave up after 3 attempts)',
      location: { file: FILE, line: 20, column: 5 },
      observations: [{ what: 'latency', expected: '<= 500ms', actual: '2.4s', ok: false }],
      facts: { url: 'https://api.hokus.ai/search?q=a', status: 200, latencyMs: 2400, maxLatencyMs: 500 },
    }),
    check({
      name: 'no errors in logs',
      type: 'logs-absent',
      status: 'error',
      durationMs: 300,
      message: 'AWS logs:FilterLogEvents failed: AccessDeniedException: not authorized to perform logs:FilterLogEvents',
      location: { file: FILE, line: 26, column: 5 },
    }),
  ],
  { durationMs: 7_900 },
);

export const interrupted: RunReport = report(
  [
    tasksRunning,
    skipped(
      { name: 'service stable', type: 'ecs-service-stable', attempts: 2, durationMs: 7_000, description: serviceStable.description, location: serviceStable.location },
      { reason: 'interrupted' },
      'interrupted',
    ),
    skipped({ name: 'targets healthy', type: 'alb-targets-healthy', location: { file: FILE, line: 18, column: 5 } }, { reason: 'interrupted' }, 'interrupted'),
  ],
  { durationMs: 7_310, interrupted: 'SIGINT' },
);

const LONG_MESSAGE = `response body did not match: ${'expected "ok" but the body was a very long HTML error page '.repeat(8)}end`;

/** Strings that break naive escaping in every output format. */
export const nasty: RunReport = report(
  [
    check({
      name: 'control chars: \u0000\u0007\u001b[31mred\u001b[0m\u000b\u000c',
      type: 'http',
      status: 'failed',
      durationMs: 50,
      message: 'NUL\u0000 BEL\u0007 ESC\u001b[2J VT\u000b FF\u000c lone surrogate \ud800 DEL\u007f done',
      location: { file: '/repo/scenarios/nasty.yaml', line: 3, column: 5 },
      observations: [{ what: 'body\u0001', expected: 'ok', actual: '\u0002binary\u0003', ok: false }],
    }),
    check({
      name: 'cdata ]]> and <tags> & "quotes" \'apos\'',
      type: 'http',
      status: 'error',
      durationMs: 60,
      message: 'body contained ]]> and <![CDATA[ and </failure> & "quoted" \'single\'',
      location: { file: '/repo/scenarios/nasty.yaml', line: 9, column: 5 },
    }),
    check({
      name: 'api: health, v2 100%',
      type: 'http',
      status: 'failed',
      attempts: 3,
      durationMs: 3_000,
      message: 'line one\r\nline two 100% sure | pipes | here\nline three %0A literal',
      location: { file: '/repo/scenarios/nasty.yaml', line: 15, column: 7 },
      observations: [{ what: 'a|b', expected: 'x\ny', actual: '50%', ok: false }],
      fix: { summary: 'escape | pipes', command: 'echo "a|b" && printf \'%s\\n\' ```' },
    }),
    check({
      name: 'emoji 🚀 deploy ✅ 日本語',
      type: 'http',
      status: 'passed',
      attempts: 2,
      flaky: true,
      durationMs: 900,
      message: 'rocket 🚀 landed 👍🏽 👨‍👩‍👧 ok',
    }),
    check({
      name: 'very long message',
      type: 'http',
      status: 'failed',
      durationMs: 75,
      message: LONG_MESSAGE,
    }),
    skipped({ name: 'skipped with <reason> & more', type: 'http' }, { reason: 'needs', because: 'api: health, v2 100%' }, 'needs "api: health, v2 100%", which failed'),
  ],
  { durationMs: 2_500, scenario: 'nasty <scenario> & "quotes"' },
);

/**
 * Nothing failed, but the evidence is missing: no traffic reached the ALB in the window and a
 * deployment alarm has INSUFFICIENT_DATA. The run is inconclusive (it fails unless
 * `--inconclusive pass`); a metric with data passes next to them.
 */
export const inconclusive: RunReport = report(
  [
    steadyService,
    check({
      name: 'alb 5xx rate',
      type: 'alb-metrics',
      status: 'inconclusive',
      attempts: 5,
      durationMs: 120_300,
      message: 'no 5xx rate: 3 requests over 5m (minRequests 20); p95 response time 120ms over 5m ≤ 1s (no data after 5 attempts)',
      location: { file: FILE, line: 14, column: 5 },
      observations: [
        { what: '5xx rate over 5m', expected: '≤ 1 %', actual: '3 requests over 5m (minRequests 20)', ok: false },
        { what: 'p95 response time over 5m', expected: '≤ 1s', actual: '120ms', ok: true },
      ],
    }),
    check({
      name: 'deployment alarms quiet',
      type: 'cloudwatch-alarms',
      status: 'inconclusive',
      attempts: 7,
      durationMs: 120_100,
      message: 'no evidence: alarm hokusai-api-5xx in INSUFFICIENT_DATA since 2025-06-12T14:08:00Z (2m41s ago): Insufficient Data: 1 datapoint was unknown. (no data after 7 attempts)',
      location: { file: FILE, line: 22, column: 5 },
      observations: [{ what: 'alarm hokusai-api-5xx', expected: 'OK', actual: 'INSUFFICIENT_DATA since 2025-06-12T14:08:00Z (2m41s ago)', ok: false }],
      nextSteps: ['aws cloudwatch describe-alarm-history --alarm-name hokusai-api-5xx --history-item-type StateUpdate --max-items 5 --region us-east-1'],
    }),
    check({
      name: 'cpu below 80%',
      type: 'cloudwatch-metric',
      status: 'passed',
      durationMs: 410,
      message: 'Maximum CPUUtilization ≤ 80 over 5m: highest 41.5 of 5 datapoints',
      location: { file: FILE, line: 28, column: 5 },
    }),
  ],
  { durationMs: 241_000 },
);

export const sampleReports = { allPassed, mixed, withRootCause, independent, interrupted, nasty, inconclusive } as const;
export type SampleName = keyof typeof sampleReports;
