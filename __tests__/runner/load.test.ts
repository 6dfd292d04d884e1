import { describe, it, expect } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { RetryPolicy } from '../../checks/types.js';
import { BUILTIN_DEFAULTS, loadScenario } from '../../runner/load.js';
import { ScenarioError } from '../../runner/problems.js';
import { scenarioJsonSchema } from '../../runner/schema.js';
import { fakeChecks, scenarioFrom } from '../support/fake-checks.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VALID = path.join(HERE, '..', 'fixtures', 'valid');

/** A one-check scenario as YAML text. */
function oneCheck(check: Record<string, unknown>, top: Record<string, unknown> = {}): string {
  return stringify({ name: 'load test', ...top, checks: [{ name: 'c', ...check }] });
}

const FAKE = { type: 'fake', outcomes: ['pass'] };
const HTTP = { type: 'fake-http', url: 'https://example.com', expect: { status: 200 } };
const DEADLINE = { type: 'fake-deadline', target: 't' };
// fake-http's type defaults: timeout 7s, retry { attempts 4, interval 700ms, backoff 1.5, maxInterval 7s }.
const HTTP_TYPE: RetryPolicy = { attempts: 4, intervalMs: 700, backoff: 1.5, maxIntervalMs: 7000 };

describe('loadScenario: a complete valid file', () => {
  const file = path.join(VALID, 'full.yaml');
  const env = { API_TOKEN: 'tok-abc-123', SESSION: 'sess-42', DEPLOY_ENV: 'staging' };

  it('loads every part of the format, interpolated and resolved to milliseconds', async () => {
    const scenario = await loadScenario(file, { checkTypes: fakeChecks, env });
    expect(scenario).toMatchObject({
      file,
      dir: VALID,
      name: 'hokusai-api development',
      description: 'The API answers after a deployment.',
      vars: { env: 'development', host: 'api.staging.example.com', port: 8443, insecure: false },
      secrets: ['API_TOKEN'],
      aws: { region: 'us-east-1', profile: 'deploy' },
    });
    expect(scenario.checks.map((c) => [c.index, c.name, c.type, c.needs])).toEqual([
      [0, 'service stable', 'fake-deadline', []],
      [1, 'health', 'fake-http', ['service stable']],
      [2, 'literal', 'fake', []],
    ]);
    const health = scenario.checks[1]!;
    expect(health.spec).toEqual({
      url: 'https://api.staging.example.com:8443/health',
      port: 8443,
      insecure: false,
      headers: { Authorization: 'Bearer tok-abc-123', 'X-API-Key': 'key-from-default', Cookie: 'session=sess-42', Accept: 'application/json' },
      expect: { status: 200, maxLatency: 1500 },
    });
    expect(health.description).toBe('/health answers 200 quickly');
    expect(health.timeoutMs).toBe(2000);
    expect(health.retry).toEqual({ attempts: 6, intervalMs: 250, backoff: 2, maxIntervalMs: 2000, withinMs: 60_000 });
    expect(health.checkType.type).toBe('fake-http');
    // `$${` is a literal `${`; a lone `$` stays.
    expect(scenario.checks[2]!.spec).toMatchObject({ message: 'costs $5, template ${vars.env}' });
  });

  it('records the line and column of each check', async () => {
    const scenario = await loadScenario(file, { checkTypes: fakeChecks, env });
    expect(scenario.checks.map((c) => c.location)).toEqual([
      { file, line: 22, column: 5 },
      { file, line: 26, column: 5 },
      { file, line: 46, column: 5 },
    ]);
  });

  it('names the file as asked in locations', async () => {
    const scenario = await loadScenario(file, { checkTypes: fakeChecks, env, displayName: 'scenarios/full.yaml' });
    expect(scenario.file).toBe('scenarios/full.yaml');
    expect(scenario.checks[0]!.location.file).toBe('scenarios/full.yaml');
  });

  it('collects declared secrets and sensitive header values into the masker', async () => {
    const scenario = await loadScenario(file, { checkTypes: fakeChecks, env });
    const masked = scenario.masker.mask('token tok-abc-123 | key key-from-default | cookie session=sess-42 | accept application/json');
    expect(masked).toBe('token *** | key *** | cookie *** | accept application/json');
  });
});

describe('defaults precedence: check > scenario defaults > check type defaults > built-in', () => {
  it.each<{ title: string; check: Record<string, unknown>; defaults?: Record<string, unknown>; retry: Partial<RetryPolicy> }>([
    { title: 'no type defaults: built-in', check: FAKE, retry: { ...BUILTIN_DEFAULTS.retry } },
    { title: 'type defaults', check: HTTP, retry: HTTP_TYPE },
    { title: 'scenario attempts over type attempts', check: HTTP, defaults: { retry: { attempts: 6 } }, retry: { ...HTTP_TYPE, attempts: 6 } },
    {
      title: 'check attempts over scenario attempts; scenario interval over type interval',
      check: { ...HTTP, retry: { attempts: 2 } },
      defaults: { retry: { attempts: 6, interval: '1s' } },
      retry: { ...HTTP_TYPE, attempts: 2, intervalMs: 1000 },
    },
    {
      title: 'scenario backoff, check maxInterval',
      check: { ...HTTP, retry: { maxInterval: '10s' } },
      defaults: { retry: { backoff: 3 } },
      retry: { ...HTTP_TYPE, backoff: 3, maxIntervalMs: 10_000 },
    },
    {
      title: 'each field from its own layer',
      check: { ...FAKE, retry: { backoff: 1 } },
      defaults: { retry: { interval: '2s' } },
      retry: { ...BUILTIN_DEFAULTS.retry, intervalMs: 2000, backoff: 1 },
    },
    { title: 'check `within` alone: retry until the deadline', check: { ...FAKE, retry: { within: '2m' } }, retry: { ...BUILTIN_DEFAULTS.retry, attempts: undefined, withinMs: 120_000 } },
    { title: 'scenario `within` alone', check: FAKE, defaults: { retry: { within: '30s' } }, retry: { ...BUILTIN_DEFAULTS.retry, attempts: undefined, withinMs: 30_000 } },
    {
      title: 'scenario `within` with check attempts: both bound the check',
      check: { ...FAKE, retry: { attempts: 5 } },
      defaults: { retry: { within: '30s' } },
      retry: { ...BUILTIN_DEFAULTS.retry, attempts: 5, withinMs: 30_000 },
    },
    { title: 'type defaults with a deadline only', check: DEADLINE, retry: { ...BUILTIN_DEFAULTS.retry, attempts: undefined, intervalMs: 5000, withinMs: 600_000 } },
    {
      title: 'scenario attempts over a deadline-only type',
      check: DEADLINE,
      defaults: { retry: { attempts: 3 } },
      retry: { ...BUILTIN_DEFAULTS.retry, attempts: 3, intervalMs: 5000, withinMs: 600_000 },
    },
    {
      // A deadline set without an attempt count means "retry until the deadline": the type's attempts no longer apply.
      title: 'check `within` over a type that sets attempts',
      check: { ...HTTP, retry: { within: '1m' } },
      retry: { ...HTTP_TYPE, attempts: undefined, withinMs: 60_000 },
    },
    {
      title: 'check `within` and `attempts` together keep both',
      check: { ...HTTP, retry: { within: '1m', attempts: 4 } },
      retry: { ...HTTP_TYPE, attempts: 4, withinMs: 60_000 },
    },
    {
      title: 'a check attempt count over a scenario deadline keeps the deadline',
      check: { ...HTTP, retry: { attempts: 2 } },
      defaults: { retry: { within: '30s' } },
      retry: { ...HTTP_TYPE, attempts: 2, withinMs: 30_000 },
    },
  ])('$title', ({ check, defaults, retry }) => {
    const scenario = scenarioFrom(oneCheck(check, defaults ? { defaults } : {}));
    const expected: Record<string, unknown> = { ...retry };
    if (expected.attempts === undefined) delete expected.attempts;
    expect(scenario.checks[0]!.retry).toEqual(expected);
  });

  it.each<{ title: string; check: Record<string, unknown>; defaults?: Record<string, unknown>; timeoutMs: number }>([
    { title: 'built-in', check: FAKE, timeoutMs: BUILTIN_DEFAULTS.timeoutMs },
    { title: 'type default', check: HTTP, timeoutMs: 7000 },
    { title: 'scenario default over type default', check: HTTP, defaults: { timeout: '3s' }, timeoutMs: 3000 },
    { title: 'scenario default over built-in', check: FAKE, defaults: { timeout: '250ms' }, timeoutMs: 250 },
    { title: 'check over everything', check: { ...HTTP, timeout: '1.5s' }, defaults: { timeout: '3s' }, timeoutMs: 1500 },
    { title: 'minutes and hours', check: { ...FAKE, timeout: '2m' }, defaults: { timeout: '1h' }, timeoutMs: 120_000 },
  ])('timeout: $title → $timeoutMs ms', ({ check, defaults, timeoutMs }) => {
    expect(scenarioFrom(oneCheck(check, defaults ? { defaults } : {})).checks[0]!.timeoutMs).toBe(timeoutMs);
  });
});

describe('vars', () => {
  const withVars = (vars: Record<string, unknown>, check: Record<string, unknown>) => oneCheck(check, { vars });

  it.each<{ title: string; vars: Record<string, unknown>; cli?: Record<string, string>; field: Record<string, unknown>; expected: Record<string, unknown> }>([
    { title: 'a var in a string', vars: { host: 'a.example.com' }, field: { url: 'https://${vars.host}/x' }, expected: { url: 'https://a.example.com/x' } },
    { title: '--var overrides a var', vars: { host: 'a.example.com' }, cli: { host: 'b.example.com' }, field: { url: 'https://${vars.host}/x' }, expected: { url: 'https://b.example.com/x' } },
    { title: 'a number var keeps its type', vars: { port: 8080 }, field: { port: '${vars.port}' }, expected: { port: 8080 } },
    { title: 'a boolean var keeps its type', vars: { insecure: true }, field: { insecure: '${vars.insecure}' }, expected: { insecure: true } },
    { title: '--var over a number var stays a number', vars: { port: 8080 }, cli: { port: '9090' }, field: { port: '${vars.port}' }, expected: { port: 9090 } },
    { title: '--var over a boolean var stays a boolean', vars: { insecure: true }, cli: { insecure: 'false' }, field: { insecure: '${vars.insecure}' }, expected: { insecure: false } },
    { title: 'a number var inside a string', vars: { port: 8080 }, field: { url: 'https://h:${vars.port}/' }, expected: { url: 'https://h:8080/' } },
    { title: 'a var from the environment', vars: { host: '${env.HOST:-fallback.example.com}' }, field: { url: 'https://${vars.host}' }, expected: { url: 'https://fallback.example.com' } },
  ])('$title', ({ vars, cli, field, expected }) => {
    const scenario = scenarioFrom(withVars(vars, { ...HTTP, ...field }), { vars: cli });
    expect(scenario.checks[0]!.spec).toMatchObject(expected);
  });

  it('a --var that is not a number where a number is needed is a problem that names the check', () => {
    expect(() => scenarioFrom(withVars({ port: 8080 }, { ...HTTP, port: '${vars.port}' }), { vars: { port: 'eighty' } })).toThrow(
      /checks\[0\] \(fake-http\)\.port: expected a number, got "eighty"/,
    );
  });

  it('takes env values from LoadOptions.env, not process.env', () => {
    process.env.VD_LOAD_TEST_ONLY_IN_PROCESS = 'from-process';
    try {
      expect(() => scenarioFrom(oneCheck({ ...HTTP, url: 'https://${env.VD_LOAD_TEST_ONLY_IN_PROCESS}' }), { env: {} })).toThrow(ScenarioError);
      const scenario = scenarioFrom(oneCheck({ ...HTTP, url: 'https://${env.VD_LOAD_TEST_ONLY_IN_PROCESS}' }), { env: { VD_LOAD_TEST_ONLY_IN_PROCESS: 'from-options' } });
      expect(scenario.checks[0]!.spec).toMatchObject({ url: 'https://from-options' });
    } finally {
      delete process.env.VD_LOAD_TEST_ONLY_IN_PROCESS;
    }
  });
});

describe('masker', () => {
  it.each<[string, Record<string, string>, string]>([
    ['Authorization', { Authorization: 'Bearer abc-999' }, 'abc-999'],
    ['authorization (any case)', { authorization: 'Basic Zm9vOmJhcg==' }, 'Zm9vOmJhcg=='],
    ['X-API-Key', { 'X-API-Key': 'key-777' }, 'key-777'],
    ['Cookie', { Cookie: 'sid=xyz-1' }, 'sid=xyz-1'],
    ['X-Auth-Token', { 'X-Auth-Token': 'tt-555' }, 'tt-555'],
  ])('collects the value of a %s header', (_, headers, leaked) => {
    const scenario = scenarioFrom(oneCheck({ ...HTTP, headers }));
    expect(scenario.masker.mask(`saw ${leaked}`)).toBe('saw ***');
  });

  it('does not collect ordinary header values', () => {
    const scenario = scenarioFrom(oneCheck({ ...HTTP, headers: { Accept: 'text/plain', 'X-Request-Id': 'r-1' } }));
    expect(scenario.masker.size).toBe(0);
  });

  it('collects the values of declared secrets that are set', () => {
    const scenario = scenarioFrom(oneCheck(FAKE, { secrets: ['A_SECRET', 'UNSET_SECRET'] }), { env: { A_SECRET: 'value-1' } });
    expect(scenario.secrets).toEqual(['A_SECRET', 'UNSET_SECRET']);
    expect(scenario.masker.size).toBe(1);
    expect(scenario.masker.mask('value-1')).toBe('***');
  });
});

describe('scenarioJsonSchema', () => {
  const schema = scenarioJsonSchema(fakeChecks) as {
    type: string;
    required: string[];
    additionalProperties: boolean;
    properties: Record<string, any>;
  };

  it('describes the top level strictly', () => {
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'checks']));
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'description', 'vars', 'secrets', 'aws', 'defaults', 'checks']));
    expect(schema.properties.aws.additionalProperties).toBe(false);
    expect(schema.properties.checks).toMatchObject({ type: 'array', minItems: 1 });
  });

  it('makes the checks a union discriminated by a `type` const, one strict branch per check type', () => {
    const items = schema.properties.checks.items;
    const branches: any[] = items.oneOf ?? items.anyOf;
    expect(branches.map((b) => b.properties.type.const)).toEqual(fakeChecks.map((c) => c.type));
    for (const branch of branches) {
      expect(branch.additionalProperties).toBe(false);
      expect(branch.required).toEqual(expect.arrayContaining(['name', 'type']));
      expect(Object.keys(branch.properties)).toEqual(expect.arrayContaining(['name', 'type', 'description', 'needs', 'timeout', 'retry']));
      expect(branch.properties.retry.additionalProperties).toBe(false);
    }
    const http = branches.find((b) => b.properties.type.const === 'fake-http');
    expect(http.title).toBe('fake-http');
    expect(http.required).toEqual(expect.arrayContaining(['url', 'expect']));
    expect(http.properties.expect.additionalProperties).toBe(false);
  });

  it('writes durations as strings (the input form), not as the milliseconds they become', () => {
    const http = (schema.properties.checks.items.oneOf ?? schema.properties.checks.items.anyOf).find((b: any) => b.properties.type.const === 'fake-http');
    expect(http.properties.expect.properties.maxLatency.type).toBe('string');
    expect(http.properties.timeout.type).toBe('string');
    expect(schema.properties.defaults.properties.timeout.type).toBe('string');
    for (const key of ['interval', 'maxInterval', 'within']) expect(schema.properties.defaults.properties.retry.properties[key].type).toBe('string');
  });

  it('accepts no check types at all (checks then stay open)', () => {
    const empty = scenarioJsonSchema([]) as { properties: Record<string, any> };
    expect(empty.properties.checks.type).toBe('array');
  });
});
