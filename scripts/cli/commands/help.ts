/** `verify-deployment help [COMMAND]`: the global help, or one command's. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderCommandHelp, renderGlobalHelp } from '../help.js';
import { UsageError } from '../usage-error.js';

export const help = defineCommand({
  name: 'help',
  summary: "print the usage, or a command's options and details",
  usage: [{ lines: ['help [COMMAND]'], note: "a command's options (also: COMMAND --help)" }],
  flags: {},
  flagHelp: {},
  positionals: { min: 0, max: 1, extra: () => 'takes at most one command name' },
  parse: (_values, [topic]) => ({ topic }),
  async run({ topic }, { commands }) {
    if (topic === undefined) {
      process.stdout.write(renderGlobalHelp(commands));
      return EXIT.passed;
    }
    const command = commands.find((c) => c.name === topic);
    if (!command) {
      const names = commands.map((c) => c.name);
      throw new UsageError(`unknown command "${topic}" (commands: ${names.join(', ')})`, { unknown: { word: topic, candidates: names, prefix: '' } });
    }
    process.stdout.write(renderCommandHelp(command));
    return EXIT.passed;
  },
});
