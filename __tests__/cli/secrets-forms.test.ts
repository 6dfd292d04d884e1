/**
 * #14 §3 and §1, #16 item 3 through the built CLI: a secret with a quote never printed
 * shell-quoted (next-step curl commands, JUnit, the step summary), a PEM key in a response body
 * masked line by line in the folded excerpt, a 1–2 character secret refused at validation, flag
 * text never interpolated (`--url 'https://x/${env.X}'`), a mistyped --var refused with a
 * did-you-mean, and `validate` without production secrets.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { createWebService, type WebServiceClients } from '../../scripts/fixtures/index.js';
import { fixture, killAllCli, parseStdoutJson, runCli, STACK_LINE, startFixtureServer, type CliResult } from '../support/cli.js';
import type { TestHttpServer } from '../support/http-server.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const QUOTE_SECRET = `p'ss"w0rd$Q7x`;
const PEM_LINES = ['-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj', 'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3S', '-----END PRIVATE KEY-----'];
const PEM_KEY = `${PEM_LINES.join('\n')}\n`;

/** Every form of the secrets a reader could undo, lower-cased (leaks are searched case-insensitively). */
function formsOf(value: string): string[] {
  const xml = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  return [value, value.replace(/'/g, `'\\''`), JSON.stringify(value).slice(1, -1), encodeURIComponent(value), encodeURI(value), xml, Buffer.from(value).toString('base64').replace(/=+$/, '')];
}
const FORBIDDEN = [...new Set([...formsOf(QUOTE_SECRET), ...PEM_LINES.slice(1, -1).flatMap(formsOf), 'w0rd$q7x'].map((f) => f.toLowerCase()))];
const leaksIn = (text: string) => FORBIDDEN.filter((form) => text.toLowerCase().includes(form));

let server: TestHttpServer;
let tmp: string;

beforeAll(async () => {
  server = await startFixtureServer();
  server.route('/pem', (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`cannot load the key:\n${PEM_KEY}please check the configuration`);
  });
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-cli-secret-forms-'));
});

afterAll(async () => {
  killAllCli();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a quoted secret and a PEM key are masked in every form, in every output', () => {
  const runs: Record<string, CliResult> = {};
  const file = (name: string) => path.join(tmp, name);

  beforeAll(async () => {
    const env = { QUOTE_SECRET, PEM_KEY };
    const base = ['run', fixture('secret-forms.yaml'), '--var', `base=${server.url}`];
    const outs = ['json', 'junit', 'github', 'pretty'].flatMap((r) => ['--out', `${r}=${file(`report.${r}`)}`]);
    [runs.human, runs.json] = await Promise.all([
      runCli([...base, '--reporter', 'pretty', '--reporter', 'github', '--verbose', ...outs], { env: { ...env, GITHUB_STEP_SUMMARY: file('summary.md') } }),
      runCli([...base, '--reporter', 'json'], { env }),
    ]);
  }, 90_000);

  it('the checks really sent the secret and saw the key (so there was something to leak)', () => {
    expect(runs.json!.code).toBe(1);
    expect(server.requests.some((r) => decodeURIComponent(r.url ?? '').includes(QUOTE_SECRET))).toBe(true);
    const report = parseStdoutJson(runs.json!);
    expect(report.checks.map((c: { status: string }) => c.status)).toEqual(['failed', 'failed']);
    // The next step exists and is a curl command: the secret would have been shell-quoted into it.
    expect(report.checks[0].nextSteps.join('\n')).toMatch(/curl /);
    expect(report.checks[1].message).toMatch(/\*\*\*/);
  });

  it.each(['human', 'json'])('%s run: stdout and stderr hold no form of either secret', (name) => {
    expect(leaksIn(runs[name]!.stdout)).toEqual([]);
    expect(leaksIn(runs[name]!.stderr)).toEqual([]);
    expect(runs[name]!.stderr).not.toContain(STACK_LINE);
  });

  it.each(['report.json', 'report.junit', 'report.github', 'report.pretty', 'summary.md'])('%s holds no form of either secret', (name) => {
    const text = readFileSync(file(name), 'utf8');
    expect(text.length).toBeGreaterThan(0);
    expect(leaksIn(text)).toEqual([]);
  });
});

describe('declared secrets shorter than 4 characters are refused at validation', () => {
  it.each([
    ['1 character', 't'],
    ['2 characters', 'ab'],
  ])('%s → exit 2, file:line:col secrets[0], the value never printed', async (_, value) => {
    const run = await runCli(['validate', fixture('secret-short.yaml')], { env: { SHORT_ONE: value, LONG_ONE: 'long-enough-1' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`secret-short\\.yaml:2:11 secrets\\[0\\]: the value of SHORT_ONE is ${value.length} characters? long: a declared secret needs at least 4`));
    expect(run.stderr).not.toContain(STACK_LINE);
  });
});

describe('--var', () => {
  it('a mistyped --var is a usage error with a did-you-mean (exit 2), and nothing runs', async () => {
    const before = server.requests.length;
    const run = await runCli(['run', fixture('passing.yaml'), '--var', `bsae=${server.url}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/vars: unknown var "bsae" \(declared: base\): did you mean base\?/);
    expect(server.requests.length).toBe(before);
  });
});

describe('validate needs no production secrets', () => {
  const env = { VD_PROD_API_KEY: undefined, VD_PROD_BASE_URL: undefined };

  it('unset environment variables are warnings naming each (exit 0)', async () => {
    const run = await runCli(['validate', fixture('unset-env.yaml')], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: .*unset-env\.yaml:5:9 vars\.base: environment variable VD_PROD_BASE_URL is not set/);
    expect(run.stderr).toMatch(/warning: .*unset-env\.yaml:11:18 checks\[0\] \(http\)\.headers\.X-API-Key: environment variable VD_PROD_API_KEY is not set/);
    expect(run.stdout).toContain('✓');
  });

  it('--strict-env makes them errors (exit 2), as for run', async () => {
    const [strict, run] = await Promise.all([runCli(['validate', '--strict-env', fixture('unset-env.yaml')], { env }), runCli(['run', fixture('unset-env.yaml')], { env })]);
    for (const result of [strict, run]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/environment variable VD_PROD_API_KEY is not set/);
      expect(result.stderr).not.toMatch(/^warning:/m);
    }
  });
});

requireTool('moto', 'zero-config flag tests')('zero-config flags are literal text', () => {
  const moto = useMoto({ pinEcsTasks: true });
  const LEAK = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
  let aws: WebServiceClients;

  beforeAll(async () => {
    aws = { ec2: new EC2Client({}), ecs: new ECSClient({}), elbv2: new ElasticLoadBalancingV2Client({}), logs: new CloudWatchLogsClient({}) };
    await createWebService(aws, { cluster: 'lit', service: 'api', healthCheck: { path: '/ok', intervalSeconds: 5, timeoutSeconds: 2 } });
  }, 60_000);

  afterAll(() => {
    for (const client of Object.values(aws ?? {})) client.destroy();
  });

  it("init --url 'http://…/${env.X}' writes the text as given (escaped), never the variable's value", async () => {
    const run = await runCli(['init', '--cluster', 'lit', '--service', 'api', '--url', 'http://127.0.0.1:1/${env.VD_LEAK_ME}'], { env: { ...moto.env, VD_LEAK_ME: LEAK } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('baseUrl: http://127.0.0.1:1/$${env.VD_LEAK_ME}');
    expect(run.stdout + run.stderr).not.toContain(LEAK);
  });

  it("run --url 'http://…/${env.X}' requests the literal path", async () => {
    const before = server.requests.length;
    const run = await runCli(['run', '--cluster', 'lit', '--service', 'api', '--url', `${server.url}/\${env.VD_LEAK_ME}`, '--only', 'health', '--reporter', 'json'], {
      env: { ...moto.env, VD_LEAK_ME: LEAK },
    });
    const requested = server.requests.slice(before).map((r) => decodeURIComponent(r.url ?? ''));
    expect(requested.length).toBeGreaterThan(0);
    for (const url of requested) expect(url).toBe('/${env.VD_LEAK_ME}/ok');
    expect(run.stdout + run.stderr).not.toContain(LEAK);
  });

  it('--var with zero-config: a var the generated scenario does not declare is a clear usage error', async () => {
    const run = await runCli(['run', '--cluster', 'lit', '--service', 'api', '--var', 'baseUrl=http://127.0.0.1:1'], { env: moto.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown var "baseUrl" \(declared: cluster, service\)/);
  });
});
