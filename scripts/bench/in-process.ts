/** Runs a scenario through the library (runner/), in this process, the way the CLI does. */
import { checkTypes } from '../../checks/index.js';
import { parseScenario } from '../../runner/load.js';
import type { RunReport } from '../../runner/result.js';
import { runScenario, type RunOptions } from '../../runner/run.js';
import type { Scenario } from '../../runner/scenario.js';

export function scenarioFromYaml(yaml: string, name: string, dir: string): Scenario {
  return parseScenario(yaml, { checkTypes, displayName: `${name}.yaml`, dir, env: {} });
}

export interface TimedRun {
  report: RunReport;
  /** performance.now() before runScenario and when it resolved. */
  startedAt: number;
  endedAt: number;
  wallMs: number;
}

export async function runTimed(scenario: Scenario, options: RunOptions = {}): Promise<TimedRun> {
  const startedAt = performance.now();
  const report = await runScenario(scenario, options);
  const endedAt = performance.now();
  return { report, startedAt, endedAt, wallMs: endedAt - startedAt };
}
