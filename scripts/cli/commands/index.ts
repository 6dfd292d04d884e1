/**
 * The command table: every `verify-deployment` command, in the order the help lists them.
 * Adding a command: one file in this folder (copy schema.ts), its import and entry here, and the
 * README's usage block regenerated (`node dist/scripts/cli/readme-usage.js`; a test compares it).
 * Each command file imports its heavy modules inside its handler, so parsing argv loads none of them.
 */
import type { AnyCommand } from '../command.js';
import { demo } from './demo.js';
import { discover } from './discover.js';
import { gate } from './gate.js';
import { help } from './help.js';
import { init } from './init.js';
import { run } from './run.js';
import { sandbox } from './sandbox.js';
import { schema } from './schema.js';
import { summarize } from './summarize.js';
import { validate } from './validate.js';

export const COMMANDS: readonly AnyCommand[] = [run, gate, init, validate, schema, discover, summarize, demo, sandbox, help];
