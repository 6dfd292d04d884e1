/** `verify-deployment demo`: the incident, reproduced locally (no AWS account needed). */
import { defineCommand } from '../command.js';

export const demo = defineCommand({
  name: 'demo',
  summary: 'the incident, reproduced locally: a failing run, the fix, a passing run',
  usage: [{ lines: ['demo [--keep]'], note: 'the incident, reproduced locally (no AWS account)' }],
  flags: { keep: { type: 'boolean' } },
  flagHelp: { keep: { text: 'leave the sandbox running at the end (Ctrl-C stops it)' } },
  positionals: { min: 0, max: 0, extra: () => 'takes no arguments' },
  details: 'Needs python3 with moto[server] and redis-server; everything listens on 127.0.0.1.',
  parse: (values) => ({ keep: values.keep ?? false }),
  async run({ keep }) {
    const { runDemo } = await import('../../demo.js');
    return runDemo({ keep });
  },
});
