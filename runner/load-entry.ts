/**
 * What checking a scenario file needs of the library, and nothing else: the loader, its problems
 * and the check registry. `verify-deployment validate` imports this module instead of the library
 * index, so the CLI bundle gives it a chunk without the runner, the reporters, discovery, the gate
 * and the fleet (scripts/build-bundle.ts: every `await import()` is split on its own).
 */
export { loadScenario } from './load.js';
export { ScenarioError, formatProblem, type Problem } from './problems.js';
export { neutralize } from '../checks/support/untrusted.js';
export { checkTypes } from '../checks/index.js';
