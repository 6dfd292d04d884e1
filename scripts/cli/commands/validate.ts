/** `verify-deployment validate`: check scenario files only, no network. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { VAR_FLAG, VAR_HELP, varsOf } from '../flags.js';

export const validate = defineCommand({
  name: 'validate',
  summary: 'check scenario files only, no network; exit 0 or 2',
  usage: [{ lines: ['validate <scenario.yaml>... [--var key=value]...'], note: 'check files only, no network; exit 0 or 2' }],
  flags: { ...VAR_FLAG },
  flagHelp: { ...VAR_HELP },
  positionals: { min: 1, max: Infinity, missing: 'needs at least one scenario file' },
  details: `Every problem of every file is listed as file:line:column path: what was expected.`,
  parse: (values, files) => ({ files, vars: varsOf(values.var) }),
  async run({ files, vars }) {
    const { loadScenario, ScenarioError, formatProblem, neutralize, checkTypes } = await import('../../../runner/index.js');
    let ok = true;
    for (const file of files) {
      try {
        const scenario = await loadScenario(file, { checkTypes, vars });
        const count = scenario.checks.length;
        // The name may interpolate a declared secret: mask it like every other output.
        process.stdout.write(`✓ ${file}: ${scenario.masker.mask(scenario.name)}, ${count} check${count === 1 ? '' : 's'}\n`);
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        ok = false;
        // Excerpts quote the scenario, which may come from someone else's pull request.
        for (const problem of error.problems) process.stderr.write(`${neutralize(formatProblem(problem))}\n`);
        process.stderr.write(`✗ ${file}: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}\n`);
      }
    }
    return ok ? EXIT.passed : EXIT.usage;
  },
});
