/**
 * Verifies many services of one cluster in one process: for each, the discovered standard chain (or
 * one scenario file with `${vars.service}` filled in), several services at once, every run through
 * the same shared AWS clients (shared-clients.ts), one FleetReport at the end.
 */
import { checkTypes } from '../../checks/index.js';
import { ClientPool } from '../clients.js';
import { discover, DiscoveryError, scenarioText } from '../discovery/index.js';
import { loadScenario, parseScenario } from '../load.js';
import { formatProblem, ScenarioError } from '../problems.js';
import { runScenario } from '../run.js';
import type { Scenario } from '../scenario.js';
import { SharedClients, type SharedClientsOptions } from './shared-clients.js';
import type { FleetReport, FleetServiceResult } from './types.js';
import { fleetReport, verdictOf, type InconclusivePolicy } from './verdict.js';
import { timeoutSignal } from '../../checks/support/abort.js';

export interface FleetRunOptions {
  cluster: string;
  /** The services to verify, in report order (see listClusterServices and selectServices). */
  services: readonly string[];
  region?: string;
  /** A scenario file to run for every service instead of its discovered chain; `vars.cluster` and `vars.service` are set per service. */
  scenarioFile?: string;
  /** `--var` values for every service (cluster and service are set per service over them). */
  vars?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** Services verified at once (default 8). */
  concurrency?: number;
  /** Checks of one service run at once whose needs are met (default 1, as `run`). */
  checkConcurrency?: number;
  /** Per service: stop at its first failure. */
  failFast?: boolean;
  /** Deadline for the whole fleet, ms; each service gets what is left when it starts. */
  timeoutMs?: number;
  /** Abort to interrupt (reason "SIGINT"/"SIGTERM"): running services report it, the rest are not started. */
  signal?: AbortSignal;
  /** Shared clients to use (the bench counts through them); by default created here and destroyed at the end. */
  clients?: SharedClients;
  /**
   * How the default shared clients share (see SharedClientsOptions); `false`: every service's
   * run gets a client pool of its own, as separate processes would (the bench's baseline).
   */
  sharing?: SharedClientsOptions | false;
  /** Whether an inconclusive service lets the fleet pass (default `fail`). */
  inconclusive?: InconclusivePolicy;
  onServiceStart?(service: string): void;
  onServiceEnd?(result: FleetServiceResult): void;
  now?: () => Date;
}

export const DEFAULT_FLEET_CONCURRENCY = 8;
/** discover()'s own bound on a service's look-ups, ms. */
const DISCOVERY_TIMEOUT_MS = 30_000;
/** How many problems of a scenario that does not load a service's entry quotes. */
const PROBLEMS_SHOWN = 3;

/** The service's scenario: the file with its vars, or its discovered chain. Throws DiscoveryError, ScenarioError. */
async function scenarioFor(service: string, options: FleetRunOptions, signal: AbortSignal, timeoutMs: number): Promise<Scenario> {
  const { cluster, region } = options;
  // The fleet's own vars are set whether the file declares them or not; --var is checked.
  const fleetVars = { cluster, service };
  if (options.scenarioFile) return loadScenario(options.scenarioFile, { checkTypes, vars: options.vars, optionalVars: fleetVars, env: options.env });
  const target = { cluster, service, region };
  const found = await discover(target, { signal, timeoutMs: Math.min(DISCOVERY_TIMEOUT_MS, timeoutMs) });
  return parseScenario(scenarioText(target, found), { checkTypes, vars: options.vars, env: options.env, displayName: `discovered:${cluster}/${service}`, dir: process.cwd() });
}

function problemText(error: ScenarioError): string {
  const shown = error.problems.slice(0, PROBLEMS_SHOWN).map(formatProblem).join('; ');
  const more = error.problems.length - PROBLEMS_SHOWN;
  return `the scenario does not load: ${shown}${more > 0 ? `; and ${more} more` : ''}`;
}

function interruption(signal: AbortSignal | undefined): string | undefined {
  if (!signal?.aborted) return undefined;
  return signal.reason === 'SIGTERM' ? 'interrupted by SIGTERM' : signal.reason === 'SIGINT' ? 'interrupted by SIGINT' : 'interrupted';
}

/** One service, discovery (or loading) and run; a service that cannot be read is `errored`, never a crash. */
async function verifyService(service: string, options: FleetRunOptions, clients: SharedClients | undefined, deadline: number): Promise<FleetServiceResult> {
  const started = performance.now();
  const base = { cluster: options.cluster, service };
  const errored = (error: string): FleetServiceResult => ({ ...base, verdict: 'errored', error, durationMs: Math.round(performance.now() - started) });
  const stopped = interruption(options.signal);
  if (stopped) return errored(`${stopped} before it started`);
  const remainingMs = deadline - performance.now();
  if (remainingMs <= 0) return errored('the fleet timeout expired before it started');
  const bounded = Number.isFinite(remainingMs);
  const signal = bounded ? timeoutSignal(remainingMs, options.signal) : (options.signal ?? new AbortController().signal);
  let scenario: Scenario;
  try {
    scenario = await scenarioFor(service, options, signal, bounded ? remainingMs : DISCOVERY_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof DiscoveryError) return errored(error.message);
    if (error instanceof ScenarioError) return errored(problemText(error));
    throw error;
  }
  const report = await runScenario(scenario, {
    signal: options.signal,
    clients: clients?.scoped(scenario.aws),
    concurrency: options.checkConcurrency ?? 1,
    failFast: options.failFast,
    timeoutMs: Number.isFinite(deadline) ? Math.max(1, deadline - performance.now()) : undefined,
    now: options.now,
  });
  return { ...base, verdict: verdictOf(report), report, durationMs: Math.round(performance.now() - started) };
}

/**
 * Verifies `options.services` of `options.cluster`, `concurrency` at a time, and reports each.
 * AWS APIs: those of discovery (ecs:DescribeServices, ecs:DescribeTaskDefinition,
 * elasticloadbalancing:DescribeTargetGroups) and of the checks each scenario runs.
 * Never throws for a service that cannot be verified (it is `errored` with the reason); throws only
 * on a bug.
 */
export async function runFleet(options: FleetRunOptions): Promise<FleetReport> {
  const startedAt = (options.now ?? (() => new Date()))();
  const started = performance.now();
  const deadline = options.timeoutMs ? started + options.timeoutMs : Infinity;
  const clients = options.clients ?? (options.sharing === false ? undefined : new SharedClients(new ClientPool({ region: options.region }), options.sharing));
  const results: FleetServiceResult[] = new Array(options.services.length);
  let next = 0;
  const worker = async () => {
    while (next < options.services.length) {
      const index = next++;
      const service = options.services[index]!;
      options.onServiceStart?.(service);
      const result = await verifyService(service, options, clients, deadline);
      results[index] = result;
      options.onServiceEnd?.(result);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_FLEET_CONCURRENCY, options.services.length));
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    if (!options.clients) await clients?.destroy();
  }
  return fleetReport(results, { cluster: options.cluster, startedAt, durationMs: performance.now() - started, inconclusive: options.inconclusive });
}
