/** Compares output with a golden file next to this helper; UPDATE_GOLDEN=1 rewrites the file instead. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@jest/globals';

const GOLDEN_DIR = path.dirname(fileURLToPath(import.meta.url));

export function expectGolden(fileName: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, fileName);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden file __tests__/golden/${fileName} is missing: run the test with UPDATE_GOLDEN=1 to create it`);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
