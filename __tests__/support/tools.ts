/**
 * The one gate for tests that need a tool installed on the machine (the AWS emulator, redis-server,
 * terraform): the suite is skipped with a console line saying how to install the tool, except under
 * CI=true, where a missing tool fails the test file loudly — CI never passes by skipping.
 */
import { describe } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { INSTALL_HINTS, motoAvailable, redisAvailable } from '../../scripts/sandbox/services.js';

export type Tool = 'moto' | 'redis-server' | 'terraform';

let terraformProbe: boolean | undefined;

const TOOLS: Record<Tool, { available(): boolean; hint: string }> = {
  moto: { available: motoAvailable, hint: INSTALL_HINTS.moto },
  'redis-server': { available: redisAvailable, hint: INSTALL_HINTS.redis },
  terraform: {
    available: () => (terraformProbe ??= spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0),
    hint: 'terraform is not on PATH: install Terraform 1.x (/usr/local/bin/terraform on the dev machines)',
  },
};

/** Whether `tool` is installed (each probe runs once per test process). */
export function toolAvailable(tool: Tool): boolean {
  return TOOLS[tool].available();
}

/** The tools of `tools` that are not installed, with how to install each. */
export function missingTools(tools: readonly Tool[]): { tool: Tool; hint: string }[] {
  return tools.filter((t) => !toolAvailable(t)).map((tool) => ({ tool, hint: TOOLS[tool].hint }));
}

/**
 * `describe` when every tool is installed. Otherwise `describe.skip` plus a console line naming the
 * suite and the install hints — or, under CI=true, an Error thrown at once (the file fails).
 * Usage: `requireTool(['moto', 'redis-server'], 'the sandbox')('the sandbox', () => { ... })`.
 * @throws Error under CI=true when a tool is missing.
 */
export function requireTool(tool: Tool | readonly Tool[], suite = 'these tests'): typeof describe | typeof describe.skip {
  const missing = missingTools(typeof tool === 'string' ? [tool] : tool);
  if (missing.length === 0) return describe;
  const hints = missing.map((m) => m.hint).join('; ');
  if (process.env.CI === 'true') throw new Error(`${suite} need ${missing.map((m) => m.tool).join(' and ')} under CI: ${hints}`);
  console.warn(`SKIPPED ${suite}: ${hints}`);
  return describe.skip;
}
