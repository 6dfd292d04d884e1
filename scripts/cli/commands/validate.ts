/** `verify-deployment validate`: check scenario files only, no network, no production secrets. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { VAR_FLAG, VAR_HELP, varsOf } from '../flags.js';

export const validate = defineCommand({
  name: 'validate',
  summary: 'check scenario files only, no network; exit 0 or 2',
  usage: [{ lines: ['validate <scenario.yaml>... [--var key=value]... [--strict-env]'], note: 'check files only, no network; exit 0 or 2' }],
  flags: { ...VAR_FLAG, 'strict-env': { type: 'boolean' } },
  flagHelp: {
    ...VAR_HELP,
    'strict-env': { text: 'an unset environment variable is an error (exit 2), as for run; default: a warning' },
  },
  positionals: { min: 1, max: Infinity, missing: 'needs at least one scenario file' },
  details: `Every problem of every file is listed as file:line:column path: what was expected.
An environment variable the scenario reads but that is not set (a production secret on a CI lint
step) is a warning naming it, and what depends on it is not validated; run needs it. With
--strict-env it is an error, as for run.`,
  parse: (values, files) => ({ files, vars: varsOf(values.var), strictEnv: values['strict-env'] ?? false }),
  async run({ files, vars, strictEnv }) {
    const { loadScenario, ScenarioError, formatProblem, neutralize, checkTypes } = await import('../../../runner/load-entry.js');
    let ok = true;
    for (const file of files) {
      // Warnings come before the file's verdict, whether it validates or not (masked by the loader).
      const onWarning = (problem: Parameters<typeof formatProblem>[0]) =>
        process.stderr.write(`warning: ${neutralize(formatProblem(problem))} (--strict-env makes this an error)\n`);
      try {
        const scenario = await loadScenario(file, { checkTypes, vars, unsetEnv: strictEnv ? 'error' : 'warn', onWarning });
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
