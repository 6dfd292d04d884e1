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

const EMBED = /<!-- golden: ([\w.-]+) -->\n[\s\S]*?<!-- \/golden -->/g;

/**
 * The markdown with every `<!-- golden: FILE -->` … `<!-- /golden -->` block holding the golden
 * file's current content in a fenced block (the fence longer than any backtick run inside).
 */
export function embedGoldens(markdown: string): string {
  return markdown.replace(EMBED, (_block, name: string) => {
    const content = readFileSync(path.join(GOLDEN_DIR, name), 'utf8');
    const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
    const fence = '`'.repeat(Math.max(3, longestRun + 1));
    const language = name.endsWith('.json') ? 'json' : name.endsWith('.xml') ? 'xml' : name.endsWith('.md') ? 'markdown' : 'text';
    return `<!-- golden: ${name} -->\n${fence}${language}\n${content.endsWith('\n') ? content : `${content}\n`}${fence}\n<!-- /golden -->`;
  });
}

/** The golden file names a markdown text embeds. */
export function embeddedGoldens(markdown: string): string[] {
  return [...markdown.matchAll(EMBED)].map((match) => match[1]!);
}
