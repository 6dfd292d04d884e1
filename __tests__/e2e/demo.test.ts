/** `verify-deployment demo`, the README's first command, end to end through the built binary. */
import { expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { requireTool } from '../support/tools.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
requireTool(['moto', 'redis-server'], 'the demo test')('verify-deployment demo', () => {
  it('shows the failing verdict with the root cause, the fix, and then the passing verdict', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli/verify-deployment.js'), 'demo'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    expect({ code, stderrTail: code === 0 ? '' : stderr.slice(-2000) }).toEqual({ code: 0, stderrTail: '' });
    const failing = stdout.indexOf('✗ FAILED hokusai-api-development');
    const rootCause = stdout.indexOf('Root cause: redis ingress from the API');
    const fix = stdout.indexOf('aws ec2 authorize-security-group-ingress --group-id sg-0454e74e2924a7754 --protocol tcp --port 6379 --source-group sg-0864e6f6aee2a5cf4');
    const passing = stdout.indexOf('✓ PASSED hokusai-api-development: 9 passed, 0 failed, 0 errored, 0 skipped');
    expect(failing).toBeGreaterThan(-1);
    expect(rootCause).toBeGreaterThan(failing);
    expect(fix).toBeGreaterThan(rootCause);
    expect(passing).toBeGreaterThan(fix);
    // The incident as the team found it, from the start: no wait for the target to turn unhealthy.
    expect(stdout).toContain('The ALB marks target 10.0.1.23:8000 unhealthy (Target.Timeout), as the team found it.');
    expect(stdout.slice(0, fix)).toContain('✗ FAILED hokusai-api-development: 5 passed, 4 failed, 0 errored, 0 skipped');
    for (const name of ['redis ingress from the API', 'no redis errors in logs', 'health latency', 'targets healthy']) {
      expect(stdout.slice(0, fix)).toMatch(new RegExp(`✗ failed +${name} `));
    }
    expect(stdout).toContain('explains: no redis errors in logs, health latency, targets healthy');
    expect(stdout).toContain('Target.Timeout');
    expect(stdout).toContain('Demo complete');
  }, 180_000);
});
