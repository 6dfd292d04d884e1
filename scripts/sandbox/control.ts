/**
 * `verify-deployment sandbox up|down|break|fix|status`: the sandbox as a long-running local
 * environment. `up` runs in the foreground and records where it is in a state file; the other
 * commands read it. break/fix only change emulated AWS resources, like the incident's real fixes.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sandboxClients } from './aws.js';
import { startSandbox } from './index.js';
import type { SandboxResources } from './resources.js';
import { applyState, currentState, type SandboxState } from './states.js';

export interface SandboxRecord {
  pid: number;
  motoEndpoint: string;
  apiUrl: string;
  apiKey: string;
  resources: SandboxResources;
  env: Record<string, string>;
}

export function stateFile(env: Record<string, string | undefined> = process.env): string {
  return env.VERIFY_DEPLOYMENT_SANDBOX_FILE ?? path.join(tmpdir(), 'verify-deployment-sandbox.json');
}

export class SandboxNotRunning extends Error {}

export async function readRecord(file = stateFile()): Promise<SandboxRecord> {
  let record: SandboxRecord;
  try {
    record = JSON.parse(await readFile(file, 'utf8')) as SandboxRecord;
  } catch {
    throw new SandboxNotRunning(`no sandbox is running (no ${file}): start one with "verify-deployment sandbox up"`);
  }
  try {
    process.kill(record.pid, 0);
  } catch {
    await rm(file, { force: true });
    throw new SandboxNotRunning(`the sandbox recorded in ${file} (pid ${record.pid}) is gone: start one with "verify-deployment sandbox up"`);
  }
  return record;
}

/** Which incident state `break <what>` leads to from the current one. */
export function brokenState(current: SandboxState, what: 'sg-rule' | 'secret' | 'both'): SandboxState {
  const sg = what !== 'secret' || current === 'missing-sg-rule' || current === 'both';
  const secret = what !== 'sg-rule' || current === 'missing-secret' || current === 'both';
  return sg && secret ? 'both' : sg ? 'missing-sg-rule' : 'missing-secret';
}

export async function sandboxUp(initial: SandboxState, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  const file = stateFile();
  out.write('Starting the sandbox on 127.0.0.1 (AWS emulator, redis-server, model API, ALB health checker)...\n');
  const sandbox = await startSandbox({ state: initial });
  try {
    const record: SandboxRecord = { pid: process.pid, motoEndpoint: sandbox.motoEndpoint, apiUrl: sandbox.apiUrl, apiKey: sandbox.apiKey, resources: sandbox.resources, env: sandbox.env };
    await writeFile(file, JSON.stringify(record, null, 2), { mode: 0o600 });
    const exports = Object.entries(sandbox.env).map(([k, v]) => `export ${k}=${v}`).join('\n');
    out.write(
      [
        `Sandbox up in state "${initial}". In another shell:`,
        exports,
        `verify-deployment run scenarios/hokusai-api-development.yaml --var baseUrl=${sandbox.apiUrl}`,
        'verify-deployment sandbox break sg-rule|secret|both   /   sandbox fix   /   sandbox status   /   sandbox down',
        `(state in ${file}; Ctrl-C here stops everything)`,
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await sandbox.stop();
    // Removed last: `down` waits for the file to go (a stopped process can linger as a zombie).
    await rm(file, { force: true });
    out.write('Sandbox stopped.\n');
  }
}

export async function sandboxSetState(target: SandboxState | { break: 'sg-rule' | 'secret' | 'both' }): Promise<SandboxState> {
  const record = await readRecord();
  const aws = sandboxClients(record.motoEndpoint);
  try {
    const next = typeof target === 'string' ? target : brokenState(await currentState(aws, record.resources), target.break);
    await applyState(aws, record.resources, next);
    return next;
  } finally {
    aws.destroy();
  }
}

export async function sandboxStatus(): Promise<{ state: SandboxState; record: SandboxRecord }> {
  const record = await readRecord();
  const aws = sandboxClients(record.motoEndpoint);
  try {
    return { state: await currentState(aws, record.resources), record };
  } finally {
    aws.destroy();
  }
}

export async function sandboxDown(timeoutMs = 30_000): Promise<void> {
  const file = stateFile();
  const record = await readRecord(file);
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!existsSync(file)) return;
    try {
      process.kill(record.pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the sandbox (pid ${record.pid}) did not stop within ${timeoutMs / 1000}s`);
}
