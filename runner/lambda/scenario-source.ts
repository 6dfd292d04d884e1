/**
 * Which scenario a hook runs: a path inside the deployed bundle (refusing paths that leave it), the
 * VERIFY_DEPLOYMENT_SCENARIO environment variable, or zero-config discovery of the event's service.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { checkTypes } from '../../checks/index.js';
import { loadScenario, parseScenario } from '../load.js';
import { ScenarioError, formatProblem } from '../problems.js';
import type { Scenario } from '../scenario.js';
import { discover, DiscoveryError, scenarioText } from './discovery.js';
import type { RolloutTarget } from './vars.js';

/** Why no scenario could be loaded, for the FAILED answer and the log line. */
export class ScenarioSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioSourceError';
  }
}

export interface ScenarioRequest {
  /** A path relative to the bundle root (from hookDetails.scenario or a plain input's scenario). */
  bundlePath?: string;
  /** Where bundlePath came from, for the report ("hookDetails.scenario", "input.scenario"). */
  bundlePathFrom?: string;
  /** Operator configuration (the function's environment): relative to the bundle root, or absolute. */
  envPath?: string;
  /**
   * The service to discover when no path is given; with the rollout's `stage` and target
   * `taskDefinition`, the discovered chain judges the target revision at that stage.
   */
  target?: RolloutTarget & { region?: string };
  /**
   * Vars set by a program, not typed by a person: the handler's cluster, service, taskDefinition
   * and stage from the event, over hookDetails.vars / a plain input's vars. Loaded as
   * `optionalVars`: defined whether or not the scenario declares them, never an "unknown var".
   */
  vars: Record<string, string>;
  env: Record<string, string | undefined>;
  /** The deployed bundle's root (LAMBDA_TASK_ROOT on Lambda). */
  bundleRoot: string;
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * The absolute path of `requested` inside `root`, following symlinks. Paths given by an event
 * (hookDetails, a Step Functions item) must stay in the bundle: `../`, absolute paths elsewhere and
 * symlinks pointing out are refused.
 * @throws ScenarioSourceError when the path leaves the bundle.
 */
export async function resolveInBundle(root: string, requested: string): Promise<string> {
  const realRoot = await realpath(root).catch(() => path.resolve(root));
  const lexical = path.resolve(realRoot, requested);
  if (requested.includes('\0') || !isInside(realRoot, lexical)) {
    throw new ScenarioSourceError(`scenario path "${requested.slice(0, 200)}" is outside the deployed bundle (${realRoot}): give a path relative to the bundle root`);
  }
  const real = await realpath(lexical).catch(() => lexical);
  if (!isInside(realRoot, real)) throw new ScenarioSourceError(`scenario path "${requested.slice(0, 200)}" leads outside the deployed bundle through a symlink`);
  return real;
}

function problemsText(error: ScenarioError): string {
  const shown = error.problems.slice(0, 5).map(formatProblem);
  return shown.join('; ') + (error.problems.length > 5 ? `; and ${error.problems.length - 5} more` : '');
}

/**
 * Loads the scenario a request names, with `vars` as optionalVars (see ScenarioRequest.vars).
 * @throws ScenarioSourceError for an unreadable or invalid scenario, a path outside the bundle, or a
 *   failed discovery (the message says which and why).
 */
export async function loadRequestedScenario(request: ScenarioRequest): Promise<{ scenario: Scenario; source: string }> {
  const options = { checkTypes, optionalVars: request.vars, env: request.env };
  try {
    if (request.bundlePath !== undefined) {
      const file = await resolveInBundle(request.bundleRoot, request.bundlePath);
      return { scenario: await loadScenario(file, { ...options, displayName: request.bundlePath }), source: request.bundlePathFrom ?? 'event' };
    }
    if (request.envPath) {
      const file = path.resolve(request.bundleRoot, request.envPath);
      return { scenario: await loadScenario(file, { ...options, displayName: request.envPath }), source: 'VERIFY_DEPLOYMENT_SCENARIO' };
    }
    if (!request.target) throw new ScenarioSourceError('no scenario: set hookDetails.scenario or VERIFY_DEPLOYMENT_SCENARIO, or send an event that names the service to discover');
    const found = await discover(request.target);
    const displayName = `discovered:${request.target.cluster}/${request.target.service}`;
    const scenario = parseScenario(scenarioText(request.target, found), { ...options, displayName, dir: request.bundleRoot });
    return { scenario, source: 'discovery' };
  } catch (error) {
    if (error instanceof ScenarioSourceError) throw error;
    if (error instanceof ScenarioError) throw new ScenarioSourceError(`invalid scenario: ${problemsText(error)}`);
    if (error instanceof DiscoveryError) throw new ScenarioSourceError(error.message);
    throw new ScenarioSourceError(`cannot load the scenario: ${(error as Error).message ?? String(error)}`);
  }
}
