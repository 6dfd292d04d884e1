/** `verify-deployment schema`: the scenario JSON Schema, for editors and CI linters. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const schema = defineCommand({
  name: 'schema',
  summary: 'print the scenario JSON Schema',
  usage: [{ lines: ['schema'], note: 'print the scenario JSON Schema' }],
  flags: {},
  flagHelp: {},
  positionals: { min: 0, max: 0, extra: () => 'takes no arguments' },
  details: 'Point your editor at it (yaml-language-server: $schema=...) for completion and checks as you type.',
  parse: () => ({}),
  async run() {
    const { scenarioJsonSchema, checkTypes } = await import('../../../runner/index.js');
    process.stdout.write(`${JSON.stringify(scenarioJsonSchema(checkTypes), null, 2)}\n`);
    return EXIT.passed;
  },
});
