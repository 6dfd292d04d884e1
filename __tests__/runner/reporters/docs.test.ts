/**
 * docs/reporters.md shows real reporter output: each example is a golden file, embedded between
 * `<!-- golden: FILE -->` markers. UPDATE_GOLDEN=1 rewrites the examples from the golden files.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedGoldens, embeddedGoldens } from '../../golden/golden.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/reporters.md');
const GOLDEN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../golden');

describe('docs/reporters.md', () => {
  const markdown = readFileSync(DOC, 'utf8');

  it('embeds an example of every reporter, each a golden file that exists', () => {
    const embedded = embeddedGoldens(markdown);
    for (const suffix of ['.pretty.txt', '.json.json', '.junit.xml', '.github.txt', '.github-summary.md']) {
      expect(embedded.some((name) => name.endsWith(suffix))).toBe(true);
    }
    for (const name of embedded) expect(existsSync(path.join(GOLDEN_DIR, name))).toBe(true);
  });

  it('shows each golden file exactly as it is (UPDATE_GOLDEN=1 regenerates the examples)', () => {
    const regenerated = embedGoldens(markdown);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(DOC, regenerated);
    else expect(markdown).toBe(regenerated);
  });
});
