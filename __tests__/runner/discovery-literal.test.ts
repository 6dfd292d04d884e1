/**
 * Flag values are literal text (#14 §3): `run --url 'https://x/${env.AWS_SECRET_ACCESS_KEY}'`
 * (and --cluster, --service) must not expand the environment when the zero-config chain is
 * written as scenario text and loaded, nor break out of the generated file's comments.
 */
import { describe, expect, it } from '@jest/globals';
import { checkTypes } from '../../checks/index.js';
import { scenarioText, type Discovered } from '../../runner/discovery/index.js';
import { parseScenario } from '../../runner/load.js';

const FOUND: Discovered = {
  taskDefinition: 'api:1',
  containers: [{ name: 'api', secrets: [], environment: [], logGroup: '/ecs/api' }],
  targetGroups: [
    { name: 'tg', arn: 'arn:tg/tg', healthCheckPath: '/healthz', healthCheck: { enabled: true, intervalSeconds: 5, healthyThreshold: 2, timeoutSeconds: 2, unhealthyThreshold: 2 } },
  ],
  securityGroups: [],
  region: 'us-east-1',
};
const ENV = { AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI-K7MDENG-bPxRfiCY', HOME: '/root' };
const load = (text: string) => parseScenario(text, { checkTypes, env: ENV, displayName: 'discovered', dir: process.cwd() });

describe('flag text in the generated scenario stays literal', () => {
  it.each<[string, { cluster: string; service: string; url?: string }, (s: ReturnType<typeof load>) => unknown, unknown]>([
    ['--url', { cluster: 'c', service: 's', url: 'https://x.example.com/${env.AWS_SECRET_ACCESS_KEY}' }, (s) => s.checks.find((c) => c.type === 'http')!.spec, { url: 'https://x.example.com/${env.AWS_SECRET_ACCESS_KEY}/healthz' }],
    ['--cluster', { cluster: 'c-${env.HOME}', service: 's' }, (s) => s.checks[0]!.spec, { cluster: 'c-${env.HOME}' }],
    ['--service', { cluster: 'c', service: 's-${vars.cluster}' }, (s) => [s.name, s.checks[0]!.spec], ['s-${vars.cluster}', { service: 's-${vars.cluster}' }]],
    ['an already escaped $${', { cluster: 'c', service: 's', url: 'https://x.example.com/$${a}' }, (s) => s.checks.find((c) => c.type === 'http')!.spec, { url: 'https://x.example.com/$${a}/healthz' }],
  ])('%s', (_, input, pick, expected) => {
    const text = scenarioText(input, FOUND);
    const scenario = load(text);
    expect(pick(scenario)).toMatchObject(expected as object);
    expect(JSON.stringify([scenario.name, scenario.vars, scenario.checks.map((c) => c.spec)])).not.toContain(ENV.AWS_SECRET_ACCESS_KEY);
  });

  it('a line break in a flag cannot end a comment and inject YAML', () => {
    const text = scenarioText({ cluster: 'c\nchecks: []\nname: injected', service: 's' }, FOUND);
    expect(text).not.toMatch(/^checks: \[\]$/m);
    expect(load(text).name).toBe('s');
  });

  it("the chain's own ${vars.*} references still resolve", () => {
    const scenario = load(scenarioText({ cluster: 'c1', service: 's1', url: 'https://api.example.com' }, FOUND));
    expect(scenario.checks[0]!.spec).toMatchObject({ cluster: 'c1', service: 's1' });
    expect(scenario.checks.find((c) => c.type === 'http')!.spec).toMatchObject({ url: 'https://api.example.com/healthz' });
  });
});
