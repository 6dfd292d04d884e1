/**
 * `sandbox down` with nothing running is not an error: stopping is idempotent, so a cleanup script
 * under `set -e` can always call it. `status` still exits 2 (it cannot report on nothing).
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useTempDirs } from '../support/temp.js';

const tempDir = useTempDirs();

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI = path.join(ROOT, 'dist/cli/verify-deployment.js');

async function sandboxCli(file: string, action: string) {
  return spawnSync(process.execPath, [CLI, 'sandbox', action], { env: { ...process.env, VERIFY_DEPLOYMENT_SANDBOX_FILE: file }, encoding: 'utf8', timeout: 20_000 });
}

describe('sandbox down with no sandbox running', () => {
  it('exits 0, says there was nothing to stop on stderr, and stays idempotent on a second call', async () => {
    const file = path.join(await tempDir('vd-down-'), 'sandbox.json');
    for (let i = 0; i < 2; i++) {
      const down = await sandboxCli(file, 'down');
      expect({ status: down.status, stdout: down.stdout }).toEqual({ status: 0, stdout: '' });
      expect(down.stderr).toBe(`no sandbox is running (no ${file}): nothing to stop\n`);
    }
  });

  it('status with nothing running is unchanged: a usage error, exit 2', async () => {
    const file = path.join(await tempDir('vd-down-'), 'sandbox.json');
    const status = await sandboxCli(file, 'status');
    expect(status.status).toBe(2);
    expect(status.stderr).toContain('no sandbox is running');
  });

  it('a state file that is not one still exits 2 (something is there that down cannot judge)', async () => {
    const file = path.join(await tempDir('vd-down-'), 'sandbox.json');
    await writeFile(file, 'not json');
    const down = await sandboxCli(file, 'down');
    expect(down.status).toBe(2);
    expect(down.stderr).toContain('is not a sandbox state file');
  });
});
