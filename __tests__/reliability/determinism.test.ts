/**
 * Determinism: the shipped incident scenario, run 20 times in a row against the sandbox (the
 * incident's twin: moto, redis-server behind a security-group gate, the model API, an ALB
 * stand-in), gives the same verdict and the same status for every check every time — healthy, and
 * with the HUGGINGFACE_API_KEY secret missing from the task definition.
 *
 * In-process (loadScenario + runScenario, a fresh client pool per run, as the CLI does), so 40 runs
 * fit the time budget; the CLI over the sandbox is covered by __tests__/e2e/sandbox.test.ts.
 * process.env points the SDK at the sandbox's emulator during the runs and is restored afterwards.
 */
import { beforeAll, expect, it } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTypes } from '../../checks/index.js';
import { loadScenario } from '../../runner/load.js';
import type { RunReport } from '../../runner/result.js';
import { runScenario } from '../../runner/run.js';
import type { Sandbox } from '../../scripts/sandbox/index.js';
import { METRICS_WINDOW_S, useSandbox } from '../support/sandbox.js';
import { requireTool } from '../support/tools.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCENARIO = path.join(ROOT, 'scenarios/hokusai-api-development.yaml');
const RUNS = 20;
const LOG_WINDOW_S = 4;
const ALB_WAIT_S = 6;

const describeSandbox = requireTool(['moto', 'redis-server'], 'the determinism test');

const statusOf = (report: RunReport) => Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
const ALL_PASSED = {
  'service stable': 'passed',
  'task definition has HUGGINGFACE_API_KEY': 'passed',
  'tasks running': 'passed',
  'redis ingress from the API': 'passed',
  'elasticache available': 'passed',
  'no redis errors in logs': 'passed',
  'health latency': 'passed',
  'targets healthy': 'passed',
  'model 21 predict': 'passed',
  'deployment alarm': 'passed',
  'alb metrics': 'passed',
};

describeSandbox(`the incident scenario run ${RUNS} times in a row`, () => {
  const twin = useSandbox({ logWindowSeconds: LOG_WINDOW_S, setProcessEnv: true });
  const waitForCleanLogs = () => twin.waitForCleanLogs();
  let sandbox: Sandbox;
  beforeAll(() => {
    sandbox = twin.sandbox;
  });

  /** Runs the scenario `RUNS` times, one after another, with the sandbox's variables and API key. */
  const runMany = async (): Promise<RunReport[]> => {
    const reports: RunReport[] = [];
    for (let i = 0; i < RUNS; i++) {
      const scenario = await loadScenario(SCENARIO, {
        checkTypes,
        vars: { baseUrl: sandbox.apiUrl, logWindow: `${LOG_WINDOW_S}s`, albWait: `${ALB_WAIT_S}s`, metricsWindow: `${METRICS_WINDOW_S}s` },
        env: { ...process.env, HOKUSAI_API_KEY: sandbox.apiKey },
      });
      reports.push(await runScenario(scenario));
    }
    return reports;
  };

  it('healthy: every check passes, every time', async () => {
    await waitForCleanLogs();
    const reports = await runMany();
    const distinct = new Set(reports.map((r) => JSON.stringify({ verdict: r.status, checks: statusOf(r) })));
    expect([...distinct].map((d) => JSON.parse(d) as unknown)).toEqual([{ verdict: 'passed', checks: ALL_PASSED }]);
    for (const report of reports) expect(report.rootCause).toBeUndefined();
  }, 120_000);

  it('missing secret: the task definition and predict fail (predict on its first attempt), everything else passes, every time', async () => {
    await sandbox.setState('missing-secret');
    await sandbox.waitForTarget('healthy', 30_000);
    await waitForCleanLogs();
    const reports = await runMany();
    const distinct = new Set(
      reports.map((r) =>
        JSON.stringify({
          verdict: r.status,
          checks: statusOf(r),
          predictAttempts: r.checks.find((c) => c.name === 'model 21 predict')?.attempts,
          rootCause: r.rootCause?.check,
        }),
      ),
    );
    expect([...distinct].map((d) => JSON.parse(d) as unknown)).toEqual([
      {
        verdict: 'failed',
        checks: { ...ALL_PASSED, 'task definition has HUGGINGFACE_API_KEY': 'failed', 'model 21 predict': 'failed' },
        predictAttempts: 1,
        rootCause: 'task definition has HUGGINGFACE_API_KEY',
      },
    ]);
    for (const report of reports) {
      expect(report.checks.find((c) => c.name === 'model 21 predict')!.message).toContain('HuggingFace token not configured');
      expect(JSON.stringify(report)).not.toContain(sandbox.apiKey);
    }
  }, 120_000);
});
