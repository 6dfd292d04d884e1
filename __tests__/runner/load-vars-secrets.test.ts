/**
 * The loader's part in "no leaked secret, no silent wrong target" (#14 §1 and §3, #16 item 3):
 * --var names must be declared, vars keep the text they were written as, declared secrets are
 * long enough to mask, every sensitive value is known at load, a cut validation excerpt cannot
 * leak, and `unsetEnv: 'warn'` lets validate run without production secrets.
 */
import { describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import type { Problem } from '../../runner/problems.js';
import { ScenarioError } from '../../runner/problems.js';
import { scenarioFrom } from '../support/fake-checks.js';

const HTTP = { type: 'fake-http', url: 'https://example.com', expect: { status: 200 } };
const scenario = (top: Record<string, unknown>, check: Record<string, unknown> = HTTP) => stringify({ name: 'vars test', ...top, checks: [{ name: 'c', ...check }] });

function problemsOf(run: () => unknown): Problem[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('--var: a name the scenario does not declare is a problem, with a did-you-mean', () => {
  const declared = { baseUrl: 'https://prod.example.com', apiVersion: '1' };
  it.each<[string, Record<string, unknown>, Record<string, string>, RegExp]>([
    ['a typo', declared, { baseUlr: 'https://staging.example.com' }, /^unknown var "baseUlr" \(declared: baseUrl, apiVersion\): did you mean baseUrl\?$/],
    ['another case', declared, { baseurl: 'x' }, /unknown var "baseurl" .*did you mean baseUrl\?/],
    ['nothing close', declared, { region: 'eu-west-1' }, /^unknown var "region" \(declared: baseUrl, apiVersion\): declare it under vars: to use \$\{vars\.region\}$/],
    ['no vars: at all', {}, { baseUrl: 'x' }, /^unknown var "baseUrl" \(the scenario declares no vars:\)/],
  ])('%s', (_, vars, cli, message) => {
    const problems = problemsOf(() => scenarioFrom(scenario(Object.keys(vars).length ? { vars } : {}, { ...HTTP, url: '${vars.baseUrl:-https://d.example.com}/x' }), { vars: cli }));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.path).toBe('vars');
  });

  it('points at the vars: mapping', () => {
    const text = `name: t\nvars:\n  baseUrl: https://prod.example.com\nchecks:\n  - { name: c, type: fake-http, url: "\${vars.baseUrl}", expect: { status: 200 } }\n`;
    expect(problemsOf(() => scenarioFrom(text, { vars: { baseUlr: 'x' } }))[0]).toMatchObject({ line: 3, column: 3, path: 'vars' });
  });

  it('a declared --var is used, never the default (the staging gate checks staging)', () => {
    const loaded = scenarioFrom(scenario({ vars: declared }, { ...HTTP, url: '${vars.baseUrl}/health' }), { vars: { baseUrl: 'https://staging.example.com' } });
    expect(loaded.checks[0]!.spec).toMatchObject({ url: 'https://staging.example.com/health' });
  });

  it('a --var value is literal text: ${env...} in it is not expanded', () => {
    const loaded = scenarioFrom(scenario({ vars: declared }, { ...HTTP, url: '${vars.baseUrl}/health' }), {
      vars: { baseUrl: 'https://x.example.com/${env.AWS_SECRET_ACCESS_KEY}' },
      env: { AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG' },
    });
    expect(loaded.checks[0]!.spec).toMatchObject({ url: 'https://x.example.com/${env.AWS_SECRET_ACCESS_KEY}/health' });
  });

  it('optionalVars (a program\'s, like the Lambda handler\'s) are defined whether declared or not, and win', () => {
    const loaded = scenarioFrom(scenario({ vars: { cluster: 'default' } }, { ...HTTP, url: 'https://h/${vars.cluster}/${vars.stage}' }), {
      vars: { cluster: 'from-input' },
      optionalVars: { cluster: 'from-event', stage: 'PRODUCTION' },
    });
    expect(loaded.checks[0]!.spec).toMatchObject({ url: 'https://h/from-event/PRODUCTION' });
  });
});

describe('vars are text: interpolated into a string, a var is what was written', () => {
  it.each<[string, string, Record<string, string> | undefined, Record<string, unknown>]>([
    ['a YAML default 1.10', 'apiVersion: 1.10', undefined, { url: 'https://h/v1.10/x', port: 8080 }],
    ['--var 2.0 over a number default', 'apiVersion: 1.10', { apiVersion: '2.0' }, { url: 'https://h/v2.0/x' }],
    ['--var 2.0 over a string default', 'apiVersion: "1"', { apiVersion: '2.0' }, { url: 'https://h/v2.0/x' }],
    ['a YAML default 0x1F (hex)', 'apiVersion: 0x1F', undefined, { url: 'https://h/v0x1F/x' }],
    ['a YAML default 1e3', 'apiVersion: 1e3', undefined, { url: 'https://h/v1e3/x' }],
    ['a YAML default 007', 'apiVersion: 007', undefined, { url: 'https://h/v007/x' }],
  ])('%s', (_, line, cli, expected) => {
    const text = `name: t\nvars:\n  ${line}\n  port: 8080\nchecks:\n  - { name: c, type: fake-http, url: "https://h/v\${vars.apiVersion}/x", port: "\${vars.port}", expect: { status: 200 } }\n`;
    expect(scenarioFrom(text, cli ? { vars: cli } : {}).checks[0]!.spec).toMatchObject(expected);
  });

  it('alone, a var is its number when the number spells its text (port: 8080), else its text', () => {
    const text = `name: t\nvars:\n  port: 8080\n  version: 1.10\nchecks:\n  - { name: c, type: fake-http, url: "https://h", port: "\${vars.port}", expect: { status: 200 } }\n`;
    const loaded = scenarioFrom(text);
    expect(loaded.checks[0]!.spec).toMatchObject({ port: 8080 });
    expect(loaded.vars).toMatchObject({ port: 8080, version: '1.10' });
  });
});

describe('declared secrets must be long enough to mask', () => {
  it.each([
    ['1 character', 't', /the value of SHORT_SECRET is 1 character long: a declared secret needs at least 4/],
    ['2 characters', 'ab', /is 2 characters long/],
    ['3 characters, padded with spaces', '  xyz ', /is 3 characters long/],
  ])('%s → a problem at secrets[i], the value never shown', (_, value, message) => {
    const text = `name: t\nsecrets: [OK_SECRET, SHORT_SECRET]\nchecks:\n  - { name: c, type: fake-http, url: "https://h", expect: { status: 200 } }\n`;
    const problems = problemsOf(() => scenarioFrom(text, { env: { OK_SECRET: 'long-enough', SHORT_SECRET: value } }));
    expect(problems).toEqual([expect.objectContaining({ line: 2, column: 22, path: 'secrets[1]', message: expect.stringMatching(message) })]);
  });

  it('4 characters is enough; an unset or empty one is no problem', () => {
    const text = `name: t\nsecrets: [A, B, C]\nchecks:\n  - { name: c, type: fake-http, url: "https://h", expect: { status: 200 } }\n`;
    expect(scenarioFrom(text, { env: { A: 'abcd', C: '' } }).masker.size).toBe(1);
  });

  it('a short secret does not garble the report: the one-character value is never registered', () => {
    const text = `name: t\nsecrets: [T]\nchecks:\n  - { name: c, type: fake-http, url: "https://h", expect: { status: 200 } }\n`;
    const problems = problemsOf(() => scenarioFrom(text, { env: { T: 't' } }));
    expect(problems[0]!.path).toBe('secrets[0]');
    expect(problems[0]!.message).not.toMatch(/\*\*\*/);
  });
});

describe('every sensitive value is known at load, before the first byte of output', () => {
  it.each<[string, string, Record<string, string>, string]>([
    ['a credential in a URL', 'url: "https://user:pa55-word@h/x"', {}, 'pa55-word'],
    ['a token query parameter', 'url: "https://h/x?access_token=qq-tok-99"', {}, 'qq-tok-99'],
    ['a var named like a credential', 'url: "https://h/${vars.apiToken}"', {}, 'var-token-1'],
    ['an environment variable named like a credential', 'url: "https://h/${env.GITHUB_TOKEN}"', { GITHUB_TOKEN: 'ghp_abcdef' }, 'ghp_abcdef'],
  ])('%s', (_, field, env, secret) => {
    const text = `name: t\nvars: { apiToken: var-token-1 }\nchecks:\n  - { name: c, type: fake-http, ${field}, expect: { status: 200 } }\n`;
    expect(scenarioFrom(text, { env }).masker.mask(`saw ${secret}`)).toBe('saw ***');
  });
});

describe('a validation excerpt is masked before it is cut', () => {
  it('a 60-character excerpt that cuts a secret in two shows none of it', () => {
    const secret = 'S3cr3t-0123456789-abcdefghij';
    const value = `${'x'.repeat(45)} ${secret}`;
    const text = `name: t\nsecrets: [API_SECRET]\nchecks:\n  - { name: c, type: fake-http, url: "https://h", port: "\${env.API_SECRET_URL}", expect: { status: 200 } }\n`;
    const problems = problemsOf(() => scenarioFrom(text, { env: { API_SECRET: secret, API_SECRET_URL: value } }));
    const message = problems.map((p) => p.message).join('\n');
    expect(message).toMatch(/expected a number, got "x+ \*\*\*"/);
    expect(message).not.toContain(secret.slice(0, 6));
  });
});

describe("unsetEnv: 'warn' (validate without production secrets)", () => {
  const text = [
    'name: t',
    'secrets: [HOKUSAI_API_KEY]',
    'vars: { base: "${env.BASE_URL}" }',
    'checks:',
    '  - { name: a, type: fake-http, url: "${vars.base}/x", headers: { X-API-Key: "${env.HOKUSAI_API_KEY}" }, expect: { status: 200 } }',
    '  - { name: b, type: fake-http, url: "https://h", expect: { status: "${env.STATUS_CODE}" } }',
    '',
  ].join('\n');

  it('reports each unset variable as a warning with its position, and validates the rest', () => {
    const warnings: Problem[] = [];
    scenarioFrom(text, { unsetEnv: 'warn', onWarning: (p) => warnings.push(p) });
    expect(warnings.map((w) => [w.line, w.path, w.message])).toEqual([
      [3, 'vars.base', 'environment variable BASE_URL is not set: run needs it; what depends on it was not validated'],
      [5, 'checks[0] (fake-http).headers.X-API-Key', 'environment variable HOKUSAI_API_KEY is not set: run needs it; what depends on it was not validated'],
      [6, 'checks[1] (fake-http).expect.status', 'environment variable STATUS_CODE is not set: run needs it; what depends on it was not validated'],
    ]);
  });

  it('still reports real problems next to the warnings', () => {
    const broken = text.replace('name: b, type: fake-http', 'name: b, type: fake-htp');
    const warnings: Problem[] = [];
    const problems = problemsOf(() => scenarioFrom(broken, { unsetEnv: 'warn', onWarning: (p) => warnings.push(p) }));
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/unknown check type "fake-htp"/)]);
    expect(warnings).toHaveLength(3);
  });

  it("'error' (the default, for run) keeps them errors", () => {
    expect(problemsOf(() => scenarioFrom(text)).map((p) => p.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/environment variable BASE_URL is not set/), expect.stringMatching(/HOKUSAI_API_KEY is not set/)]),
    );
  });
});
