/** Test support for the Lambda handler: a bundle directory of scenarios, fake contexts, log capture. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LambdaContext } from '../../runner/lambda/handler.js';

export const TASK_DEFINITION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/hokusai-api:152';

/** A fake Lambda context whose remaining time starts at `remainingMs` and runs down in real time. */
export function fakeContext(remainingMs: number): LambdaContext {
  const deadline = Date.now() + remainingMs;
  return { awsRequestId: 'test-request', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

/** Collects the handler's log lines, parsed. */
export function logCapture(): { log: (line: string) => void; lines: string[]; entries: () => Record<string, any>[] } {
  const lines: string[] = [];
  return { log: (line) => lines.push(line), lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, any>) };
}

/** A temporary "deployed bundle" holding scenario files; remove() deletes it. */
export function bundleDir(files: Record<string, string>): { root: string; remove: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'vd-lambda-bundle-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
