/**
 * `verify-deployment schema` and `verify-deployment validate` through the built binary.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkTypes } from '../../checks/index.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { fixture, killAllCli, parseStdoutJson, ROOT, runCli, STACK_LINE, type CliResult } from '../support/cli.js';

const COMMITTED_SCHEMA = path.join(ROOT, 'scenario.schema.json');
const THREE = fixture('three-problems.yaml');
const BAD_YAML = fixture('bad-yaml.yaml');

let server: TestHttpServer;
let tmp: string;
let localScenario: string;
let schema: CliResult;
let several: CliResult;
let severalGood: CliResult;

/** Every `type` constant of the check variants in a JSON Schema. */
function checkTypeConstants(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => checkTypeConstants(item, into));
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    const typeConst = (record.properties as { type?: { const?: unknown } } | undefined)?.type?.const;
    if (typeof typeConst === 'string') into.add(typeConst);
    Object.values(record).forEach((value) => checkTypeConstants(value, into));
  }
  return into;
}

beforeAll(async () => {
  server = await startHttpServer();
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-cli-validate-'));
  // A scenario aimed at a live server: validate must not send it anything.
  localScenario = path.join(tmp, 'local.yaml');
  writeFileSync(localScenario, `name: local\nchecks:\n  - name: health\n    type: http\n    url: ${server.url}/health\n`);
  [schema, several, severalGood] = await Promise.all([
    runCli(['schema']),
    runCli(['validate', fixture('passing.yaml'), THREE, BAD_YAML, localScenario]),
    runCli(['validate', fixture('passing.yaml'), fixture('mixed.yaml'), localScenario]),
  ]);
}, 90_000);

afterAll(async () => {
  killAllCli();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('verify-deployment schema', () => {
  it('prints a JSON Schema listing every check type', () => {
    expect(schema.code).toBe(0);
    expect(schema.stderr).toBe('');
    const document = parseStdoutJson(schema) as Record<string, unknown>;
    expect(document.$schema).toMatch(/^https:\/\/json-schema\.org\//);
    const types = checkTypeConstants(document);
    expect([...types]).toEqual(expect.arrayContaining(['http', 'ecs-service-stable', 'sg-ingress', 'ecs-task-definition', 'alb-targets-healthy', 'logs-absent']));
    expect([...types].sort()).toEqual(checkTypes.map((c) => c.type).sort());
  });

  // The committed schema the scenarios point editors at (`npm run schema` regenerates it); skipped if absent.
  (existsSync(COMMITTED_SCHEMA) ? it : it.skip)('scenario.schema.json at the repository root is what `schema` prints', () => {
    expect(JSON.parse(readFileSync(COMMITTED_SCHEMA, 'utf8'))).toEqual(parseStdoutJson(schema));
  });
});

describe('verify-deployment validate', () => {
  it('good files → exit 0, each with its name and check count', () => {
    expect(severalGood.code).toBe(0);
    expect(severalGood.stdout).toBe(
      [`✓ ${fixture('passing.yaml')}: cli passing, 2 checks`, `✓ ${fixture('mixed.yaml')}: cli mixed, 3 checks`, `✓ ${localScenario}: local, 1 check`, ''].join('\n'),
    );
    expect(severalGood.stderr).toBe('');
  });

  it('a bad file → exit 2 listing every problem with file:line:column, no stack trace', () => {
    expect(several.code).toBe(2);
    const problems = several.stderr.split('\n').filter((line) => line.startsWith(`${THREE}:`));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(new RegExp(`^${escape(THREE)}:6:5 checks\\[0\\] \\(http\\)\\.timout: unknown key "timout" — did you mean "timeout"\\?`));
    expect(problems[1]).toMatch(new RegExp(`^${escape(THREE)}:8:11 checks\\[1\\].*unknown check type "htp" — did you mean "http"\\?`));
    expect(problems[2]).toMatch(new RegExp(`^${escape(THREE)}:13:13 checks\\[2\\].*needs unknown check "zzz"`));
    expect(several.stderr).toContain(`✗ ${THREE}: 3 problems`);
    expect(several.stderr).not.toContain(STACK_LINE);
  });

  it('several files: each is reported, a bad one does not stop the others, any bad → exit 2', () => {
    expect(several.code).toBe(2);
    expect(several.stdout).toBe(`✓ ${fixture('passing.yaml')}: cli passing, 2 checks\n✓ ${localScenario}: local, 1 check\n`);
    expect(several.stderr).toMatch(new RegExp(`${escape(BAD_YAML)}:\\d+:\\d+ invalid YAML`));
    expect(several.stderr).toContain(`✗ ${BAD_YAML}: 1 problem`);
  });

  it('never touches the network', () => {
    expect(server.connections()).toBe(0);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
