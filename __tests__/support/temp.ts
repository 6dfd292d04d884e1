/**
 * Temporary directories a test file makes, removed after its tests (afterAll): tests leave nothing
 * behind in the machine's temp directory.
 */
import { afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Call at the top level of a test file (it registers an afterAll). Returns `make(prefix)`, which
 * creates a fresh directory under the OS temp directory, named `<prefix><random>`, and records it
 * for removal.
 */
export function useTempDirs(): (prefix: string) => Promise<string> {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (prefix: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
