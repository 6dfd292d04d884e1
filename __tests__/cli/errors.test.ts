/**
 * Errors that name the problem (issue 16 item 6): a missing cluster or a wrong region says so with
 * the cluster and the region; a missing scenario file has no stray position; a YAML mapping used
 * as a key is one proper problem with no raw library warning.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killAllCli, runCli } from '../support/cli.js';
import { useMoto } from '../support/moto.js';
import { requireTool } from '../support/tools.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vd-errors-'));
afterAll(() => {
  killAllCli();
  rmSync(dir, { recursive: true, force: true });
});

describe('scenario file errors', () => {
  it('a missing file is "FILE: no such file", with no position', async () => {
    const result = await runCli(['validate', 'nothere.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nothere.yaml: no such file');
    expect(result.stderr).not.toMatch(/nothere\.yaml:\d+:\d+/);
  }, 30_000);

  it.each([
    ['a flow mapping as a key', '{a: 1}: x\nname: y\nchecks: []\n', 1],
    ['an explicit mapping key', 'name: y\n? {a: 1}\n: x\nchecks: []\n', 2],
    ['a sequence as a key', 'name: y\n[a, b]: x\nchecks: []\n', 2],
  ])('%s is reported as a problem at its line, with no raw YAML library warning', async (_, text, line) => {
    const file = path.join(dir, `key-${line}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/Warning|mapAsMap|trace-warnings/);
    expect(result.stderr).toMatch(new RegExp(`${path.basename(file)}:${line}:\\d+ .*used as a key`));
  }, 30_000);
});

requireTool('moto', 'ECS cluster and region errors')('a cluster that does not exist', () => {
  const moto = useMoto();

  it.each([
    ['init', ['init', '--cluster', 'nope', '--service', 'x']],
    ['run', ['run', '--cluster', 'nope', '--service', 'x']],
  ])('%s names the cluster and the region, not a bare ClusterNotFoundException', async (_, args) => {
    const result = await runCli(args, { env: moto.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cluster nope not found in region us-east-1/);
    expect(result.stderr).not.toMatch(/^[^\n]*: ClusterNotFoundException\s*$/m);
  }, 60_000);

  it('--region names the region searched', async () => {
    const result = await runCli(['init', '--cluster', 'nope', '--service', 'x', '--region', 'eu-west-3'], { env: moto.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cluster nope not found in region eu-west-3/);
  }, 60_000);
});

describe('output paths and AWS reachability (a new user tried these)', () => {
  const scenario = path.join(dir, 'one.yaml');
  writeFileSync(scenario, 'name: one\nchecks:\n  - name: fails fast\n    type: exec\n    command: ["false"]\n    retry: { attempts: 1 }\n');

  it('an empty --out path is a usage error before anything runs', async () => {
    const result = await runCli(['run', scenario, '--out', 'json='], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--out expects NAME=PATH with a file path, got "json="/);
    expect(result.stderr).not.toMatch(/fails fast/);
  }, 30_000);

  it('an --out in a directory that exists but takes no files (/proc) is refused before the checks start', async () => {
    const result = await runCli(['run', scenario, '--out', 'json=/proc/vd-cannot.json'], { cwd: dir });
    expect(result.code).toBe(1);
    const refused = result.stderr.indexOf('cannot create a file in /proc');
    expect(refused).toBeGreaterThanOrEqual(0);
    // Said before the first check's progress, and the internal temporary name is never shown.
    expect(refused).toBeLessThan(result.stderr.indexOf('fails fast'));
    expect(result.stderr).not.toMatch(/\.tmp/);
  }, 30_000);

  it('an AWS endpoint that refuses connections is exit 1 with the reason, not a usage error', async () => {
    const result = await runCli(['run', '--cluster', 'c', '--service', 's'], {
      cwd: dir,
      env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_MAX_ATTEMPTS: '1' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/verify-deployment run: cannot discover s: .*(ECONNREFUSED|reach)/);
    expect(result.stderr).not.toMatch(/for usage/);
  }, 60_000);
});
