/**
 * The bundled CLI's entry (scripts/cli-entry.ts) turns zod's JIT off through zod's global settings
 * object, before zod loads. If zod stopped reading that global, the setting would be silently lost
 * (only a cold-start cost, never a behaviour change): this checks that the installed zod reads it.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

describe("zod's global settings", () => {
  it.each([
    ['set before zod loads, zod uses it', "globalThis.__zod_globalConfig = { jitless: true }; const { z } = await import('zod'); console.log(z.config().jitless === true);", 'true'],
    ['not set, zod keeps its JIT on', "const { z } = await import('zod'); console.log(z.config().jitless === true);", 'false'],
  ])('%s', (_name, script, expected) => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe(expected);
  });

  it('the entry sets that global', () => {
    expect(readFileSync('scripts/cli-entry.ts', 'utf8')).toMatch(/const ZOD_GLOBAL_CONFIG = '__zod_globalConfig';/);
  });
});
