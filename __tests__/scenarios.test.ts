/**
 * The scenarios shipped in scenarios/: every one validates (new files are picked up by listing the
 * directory), and http-smoke.yaml really runs and passes through the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { checkTypes } from '../checks/index.js';
import { loadScenario } from '../runner/load.js';
import { startHttpServer, type TestHttpServer } from './support/http-server.js';
import { killAllCli, parseStdoutJson, ROOT, runCli } from './support/cli.js';

const SCENARIOS_DIR = path.join(ROOT, 'scenarios');
const scenarioFiles = readdirSync(SCENARIOS_DIR)
  .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
  .sort();

describe('scenarios/*.yaml', () => {
  it('there are scenarios to check', () => {
    expect(scenarioFiles).toEqual(expect.arrayContaining(['hokusai-api-development.yaml', 'http-smoke.yaml']));
  });

  it.each(scenarioFiles)('%s validates', async (name) => {
    const scenario = await loadScenario(path.join(SCENARIOS_DIR, name), {
      checkTypes,
      env: { ...process.env, HOKUSAI_API_KEY: 'hk-test-key', SMOKE_API_KEY: 'smoke-test-key' },
    });
    expect(scenario.name).toEqual(expect.any(String));
    expect(scenario.checks.length).toBeGreaterThan(0);
  });
});

describe('scenarios/http-smoke.yaml', () => {
  const KEY = 'smoke-key-7c1d2e';
  let server: TestHttpServer;

  beforeAll(async () => {
    server = await startHttpServer();
    server.route('/health', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
    });
    server.route('/echo', (req, res, body) => {
      if (req.method !== 'POST' || req.headers.authorization !== `Bearer ${KEY}`) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('unauthorized');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });

  afterAll(async () => {
    killAllCli();
    await server?.stop();
  });

  it('runs and passes against a local service', async () => {
    const run = await runCli(['run', path.join(SCENARIOS_DIR, 'http-smoke.yaml'), '--var', `baseUrl=${server.url}`, '--reporter', 'json'], {
      env: { SMOKE_API_KEY: KEY },
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const report = parseStdoutJson(run);
    expect(report.status).toBe('passed');
    expect(report.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['health', 'passed'],
      ['authenticated echo', 'passed'],
    ]);
    // It really talked to this server: five health samples (more if a slow attempt was retried), then the authenticated call.
    expect(server.requests.filter((r) => r.url === '/health').length).toBeGreaterThanOrEqual(5);
    const echo = server.requests.filter((r) => r.url === '/echo');
    expect(echo).toHaveLength(1);
    expect(echo[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(echo[0]!.body)).toEqual({ ping: 1 });
    // The key is a declared secret: it never appears in the output.
    expect(run.stdout).not.toContain(KEY);
    expect(run.stderr).not.toContain(KEY);
  });
});
