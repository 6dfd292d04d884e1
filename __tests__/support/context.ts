import type { CheckContext } from '../../checks/types.js';
import { ClientPool } from '../../runner/clients.js';
import { Masker } from '../../runner/mask.js';

/** A CheckContext for calling a check type's run() directly in a test. */
export function fakeContext(overrides: Partial<CheckContext> = {}): CheckContext & { secrets: string[]; debugLines: string[] } {
  const secrets: string[] = [];
  const debugLines: string[] = [];
  return {
    signal: new AbortController().signal,
    attempt: 1,
    timeoutMs: 10_000,
    clients: new ClientPool({ region: 'us-east-1' }),
    scenarioDir: process.cwd(),
    log: { debug: (line: string) => debugLines.push(line) },
    addSecret: (value: string) => secrets.push(value),
    // Like the run's masker: every value added so far (in every form) becomes ***.
    mask: (text: string) => new Masker(secrets).mask(text),
    secrets,
    debugLines,
    ...overrides,
  };
}
