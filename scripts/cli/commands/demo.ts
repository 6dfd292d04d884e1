/** `verify-deployment demo`: the incident, reproduced locally (no AWS account needed). */
import { defineCommand } from '../command.js';

export const demo = defineCommand({
  name: 'demo',
  summary: 'the incident, reproduced locally: a failing run, the fix, a passing run',
  usage: [{ lines: ['demo [--hook] [--keep]'], note: 'the incident, reproduced locally (no AWS account)' }],
  flags: { hook: { type: 'boolean' }, keep: { type: 'boolean' } },
  flagHelp: {
    hook: { text: 'gate blue/green rollouts paused at a PAUSE hook: ROLLBACK on the incident, CONTINUE after the fix' },
    keep: { text: 'leave the sandbox running at the end (Ctrl-C stops it)' },
  },
  positionals: { min: 0, max: 0, extra: () => 'takes no arguments' },
  details: 'Needs python3 with moto[server] and redis-server; everything listens on 127.0.0.1.',
  parse: (values) => ({ keep: values.keep ?? false, hook: values.hook ?? false }),
  async run({ keep, hook }) {
    const { runDemo } = await import('../../demo.js');
    return runDemo({ keep, hook });
  },
});
