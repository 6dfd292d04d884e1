/**
 * The help texts and the README's usage block come from the command table and stay complete:
 * every command listed, every flag in its command's usage and help, the README block equal to
 * what the table renders (regenerate it with `node dist/scripts/cli/readme-usage.js`).
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FlagsConfig } from '../../scripts/cli/command.js';
import { COMMANDS } from '../../scripts/cli/commands/index.js';
import { renderCommandHelp, renderGlobalHelp, renderUsageBlock } from '../../scripts/cli/help.js';
import { readmeUsageBlock } from '../../scripts/cli/readme-usage.js';
import { ROOT } from '../support/cli.js';

const flagsOf = (command: (typeof COMMANDS)[number]) => Object.entries(command.flags as FlagsConfig);
const allFlags = COMMANDS.flatMap((command) => flagsOf(command).map(([flag, spec]) => [command.name, flag, spec] as const));

describe('the command table', () => {
  it('has unique command names, the documented ones', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(['run', 'gate', 'init', 'validate', 'schema', 'discover', 'summarize', 'demo', 'sandbox', 'help']);
  });

  it('gives a flag the same definition in every command that takes it (flags may precede the command)', () => {
    const seen = new Map<string, unknown>();
    for (const [, flag, spec] of allFlags) {
      if (seen.has(flag)) expect(spec).toEqual(seen.get(flag));
      else seen.set(flag, spec);
    }
  });

  it.each(allFlags.map(([command, flag]) => [command, flag]))('%s: --%s is in its usage lines and its help', (name, flag) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const usage = command.usage.flatMap((u) => u.lines).join(' ');
    expect(usage).toMatch(new RegExp(`--${flag}\\b`));
    expect(renderCommandHelp(command)).toMatch(new RegExp(`^ +(-[a-z], )?--${flag}\\b.* {2,}\\S`, 'm'));
  });

  it.each(COMMANDS.map((c) => [c.name]))('global help lists %s', (name) => {
    expect(renderGlobalHelp(COMMANDS)).toContain(`\n  verify-deployment ${name}`);
  });

  it('keeps every usage line within 100 columns', () => {
    for (const line of renderUsageBlock(COMMANDS).split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('README usage block', () => {
  it('equals what the command table renders', () => {
    // Stale? `npm run build && node dist/scripts/cli/readme-usage.js` rewrites it.
    expect(readmeUsageBlock(readFileSync(path.join(ROOT, 'README.md'), 'utf8'))).toBe(renderUsageBlock(COMMANDS));
  });
});
