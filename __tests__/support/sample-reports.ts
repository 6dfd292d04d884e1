/** Fixture RunReports every reporter is pinned against (see __tests__/golden/). */
import type { CheckReport, RunReport } from '../../runner/result.js';

const SCENARIO = 'hokusai-api-development';
const FILE = '/repo/scenarios/api.yaml';
const STARTED_AT = '2025-06-12T14:10:41.613Z';

function check(overrides: Partial<CheckReport> & Pick<CheckReport, 'name' | 'type' | 'status'>): CheckReport {
  return {
    attempts: 1,
    durationMs: 120,
    message: '',
    observations: [],
    details: {},
    flaky: false,
    description: `${overrides.type} check`,
    ...overrides,
  };
}

function summarize(checks: CheckReport[]): RunReport['summary'] {
  const count = (status: CheckReport['status']) => checks.filter((c) => c.status === status).length;
  return { passed: count('passed'), failed: count('failed'), errored: count('error'), skipped: count('skipped') };
}

function report(overrides: Partial<RunReport> & Pick<RunReport, 'checks'>): RunReport {
  const summary = summarize(overrides.checks);
  return {
    version: 1,
    scenario: SCENARIO,
    file: FILE,
    status: summary.failed + summary.errored > 0 || overrides.interrupted ? 'failed' : 'passed',
    startedAt: STARTED_AT,
    durationMs: 48_200,
    summary,
    ...overrides,
  };
}

const clusterActive = check({
  name: 'cluster active',
  type: 'ecs-cluster',
  status: 'passed',
  durationMs: 210,
  message: 'cluster hokusai-development is ACTIVE',
  description: 'ECS cluster hokusai-development is ACTIVE',
  location: { file: FILE, line: 8, column: 5 },
  observations: [{ what: 'cluster status', expected: 'ACTIVE', actual: 'ACTIVE', ok: true }],
});

const serviceStable = check({
  name: 'service stable',
  type: 'ecs-service',
  status: 'passed',
  attempts: 3,
  durationMs: 12_400,
  flaky: true,
  message: '1/1 tasks RUNNING on revision 151',
  description: 'service hokusai-api-development runs its desired tasks on the latest revision',
  location: { file: FILE, line: 12, column: 5 },
  observations: [
    { what: 'running tasks', expected: '1', actual: '1', ok: true },
    { what: 'task definition revision', expected: '151', actual: '151', ok: true },
  ],
});

export const allPassed: RunReport = report({
  durationMs: 14_850,
  checks: [
    clusterActive,
    check({ ...serviceStable, attempts: 1, flaky: false, durationMs: 640 }),
    check({
      name: 'redis reachable',
      type: 'tcp',
      status: 'passed',
      durationMs: 35,
      message: 'connected to master.hokusai-redis-development.lenvj6.use1.cache.amazonaws.com:6379 in 12ms',
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
});

export const mixed: RunReport = report({
  durationMs: 31_075,
  checks: [
    clusterActive,
    serviceStable,
    check({
      name: 'targets healthy',
      type: 'elbv2-target-health',
      status: 'failed',
      attempts: 5,
      durationMs: 16_000,
      message: '0/2 targets healthy in hokusai-api-tg',
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
    }),
    check({
      name: 'model secret',
      type: 'ecs-secret',
      status: 'error',
      attempts: 2,
      durationMs: 1_900,
      message: 'AccessDeniedException: not authorized to perform secretsmanager:DescribeSecret',
      location: { file: FILE, line: 34, column: 5 },
      nextSteps: ['aws sts get-caller-identity'],
    }),
    check({
      name: 'predict endpoint',
      type: 'http',
      status: 'skipped',
      attempts: 0,
      durationMs: 0,
      skipReason: 'needs: targets healthy failed',
      location: { file: FILE, line: 40, column: 5 },
    }),
  ],
});

const redisReachable = check({
  name: 'redis reachable',
  type: 'security-group-path',
  status: 'failed',
  attempts: 1,
  durationMs: 870,
  message: 'sg-0454e74e2924a7754 (redis) has no ingress on 6379 from sg-0864e6f6aee2a5cf4 (api tasks)',
  location: { file: FILE, line: 20, column: 5 },
  observations: [
    { what: 'ingress 6379 from sg-0864e6f6aee2a5cf4', expected: 'allowed', actual: 'no matching rule', ok: false },
    { what: 'ingress 6379 from sg-0e61190afc2502b10', expected: 'allowed', actual: 'allowed', ok: true },
  ],
  fix: {
    summary: 'Allow the API tasks security group into Redis on port 6379',
    command:
      'aws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754 --protocol tcp --port 6379 --source-group sg-0864e6f6aee2a5cf4 --region us-east-1',
  },
  nextSteps: ['terraform plan -target=aws_security_group_rule.redis_from_data_pipeline_ecs'],
});

export const withRootCause: RunReport = report({
  checks: [
    clusterActive,
    check({ ...serviceStable, attempts: 1, flaky: false, durationMs: 640 }),
    redisReachable,
    check({
      name: 'health fast',
      type: 'http',
      status: 'failed',
      attempts: 5,
      durationMs: 21_300,
      message: 'GET https://api.hokus.ai/health → 200 in 2.1s (max 1s)',
      location: { file: FILE, line: 27, column: 5 },
      observations: [
        { what: 'status', expected: '200', actual: '200', ok: true },
        { what: 'latency', expected: '<= 1s', actual: '2.1s', ok: false },
      ],
    }),
    check({
      name: 'targets healthy',
      type: 'elbv2-target-health',
      status: 'failed',
      attempts: 5,
      durationMs: 16_000,
      message: '0/1 targets healthy: Target.Timeout',
      location: { file: FILE, line: 33, column: 5 },
      observations: [{ what: 'target 10.0.2.7:8000', expected: 'healthy', actual: 'unhealthy (Target.Timeout)', ok: false }],
    }),
    check({
      name: 'no redis errors in logs',
      type: 'log-absent',
      status: 'failed',
      attempts: 1,
      durationMs: 9_400,
      message: '14 lines match /Redis connection failed/ in /ecs/hokusai-api-development',
      location: { file: FILE, line: 40, column: 5 },
    }),
    check({
      name: 'predict endpoint',
      type: 'http',
      status: 'skipped',
      attempts: 0,
      durationMs: 0,
      skipReason: 'needs: targets healthy failed',
    }),
    check({
      name: 'model 21 predicts',
      type: 'http',
      status: 'skipped',
      attempts: 0,
      durationMs: 0,
      skipReason: 'needs: predict endpoint skipped',
    }),
  ],
  rootCause: {
    check: 'redis reachable',
    reason: 'the API tasks cannot reach Redis: its security group has no ingress rule for them',
    consequences: ['health fast', 'targets healthy', 'no redis errors in logs'],
    fix: redisReachable.fix,
  },
});

export const interrupted: RunReport = report({
  durationMs: 7_310,
  interrupted: 'SIGINT',
  checks: [
    clusterActive,
    check({
      name: 'service stable',
      type: 'ecs-service',
      status: 'failed',
      attempts: 2,
      durationMs: 7_000,
      message: 'interrupted during attempt 2: 0/1 tasks RUNNING (1 PENDING)',
      location: { file: FILE, line: 12, column: 5 },
    }),
    check({ name: 'targets healthy', type: 'elbv2-target-health', status: 'skipped', attempts: 0, durationMs: 0, skipReason: 'interrupted' }),
  ],
});

const LONG_MESSAGE = `response body did not match: ${'expected "ok" but the body was a very long HTML error page '.repeat(8)}end`;

/** Strings that break naive escaping in every output format. */
export const nasty: RunReport = report({
  scenario: 'nasty <scenario> & "quotes"',
  durationMs: 2_500,
  checks: [
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
    check({
      name: 'skipped with <reason>',
      type: 'http',
      status: 'skipped',
      attempts: 0,
      durationMs: 0,
      skipReason: 'needs: "api: health, v2 100%" failed & <more>',
    }),
  ],
});

export const sampleReports = { allPassed, mixed, withRootCause, interrupted, nasty } as const;
export type SampleName = keyof typeof sampleReports;
