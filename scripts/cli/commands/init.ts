/** `verify-deployment init`: the discovered standard chain, printed as a scenario to extend. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { serviceTarget, TARGET_FLAGS, TARGET_HELP } from '../flags.js';
import { discoveryFailure, UsageError } from '../usage-error.js';

export const init = defineCommand({
  name: 'init',
  summary: "write a discovered service's standard chain as a scenario to extend",
  usage: [{ lines: ['init --cluster C --service S [--url BASE] [--region R] > verify.yaml'], note: 'write that chain as a scenario to extend' }],
  flags: { ...TARGET_FLAGS },
  flagHelp: { ...TARGET_HELP },
  positionals: { min: 0, max: 0, extra: () => 'takes no file: redirect its output (init ... > verify.yaml)' },
  details: `Discovers, from the service as it runs now, its target groups, log group, security groups,
task definition and PRIMARY deployment, and prints the scenario (validated before it is printed).`,
  parse(values) {
    const target = serviceTarget(values);
    if (!target) throw new UsageError('needs --cluster and --service');
    return { target };
  },
  /** Prints the discovered standard chain as a scenario, after checking that it validates. */
  async run({ target }) {
    const { discover, scenarioText, DiscoveryError, parseScenario, checkTypes } = await import('../../../runner/index.js');
    const found = await discover(target).catch((error: unknown) => {
      if (error instanceof DiscoveryError) throw discoveryFailure(error);
      throw error;
    });
    const text = scenarioText(target, found);
    parseScenario(text, { checkTypes, displayName: 'init', dir: process.cwd() });
    process.stdout.write(text);
    return EXIT.passed;
  },
});
