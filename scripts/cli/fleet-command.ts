/** `verify-deployment run --cluster C --all-services`: every selected service of a cluster, one process, one report. */
import type { FleetReport, FleetServiceResult, Scenario } from '../../runner/index.js';
import { EXIT } from './exit-codes.js';
import { describeSelection, type FleetSelection } from './fleet-flags.js';
import { writeFleetReports } from './fleet-outputs.js';
import { planRun, prepareOutputs, type RunArgs, type RunIo, type Streams } from './run-command.js';
import { UsageError } from './usage-error.js';

type Library = typeof import('../../runner/index.js');
type FleetLibrary = (typeof import('../../runner/index.js'))['fleet'];

/** The selected services, sorted; warns about --exclude names that match nothing. Throws UsageError. */
async function selectedServices(selection: FleetSelection, fleet: FleetLibrary, stderr: Streams['stderr'], signal?: AbortSignal): Promise<string[]> {
  const names = await fleet.listClusterServices(selection.cluster, { region: selection.region, signal }).catch((error: unknown) => {
    if (error instanceof fleet.FleetError) throw new UsageError(error.message);
    throw error;
  });
  for (const name of fleet.unknownExclusions(names, selection.exclude)) {
    stderr.write(`verify-deployment: --exclude ${name}: no such service in cluster ${selection.cluster} (nothing excluded)\n`);
  }
  const services = fleet.selectServices(names, selection);
  if (services.length === 0) throw new UsageError(`no services ${describeSelection(selection)} (the cluster has ${names.length})`);
  return services;
}

/**
 * A scenario file is checked once (with the first service's vars) before any service runs: a
 * mistake in it is a usage error with every problem, not N errored services. Returns the exit
 * code to stop with, else the scenario as loaded for that service (undefined without a file).
 */
async function checkScenarioFile(args: RunArgs, selection: FleetSelection, service: string, lib: Library, streams: Streams): Promise<number | Scenario | undefined> {
  if (!args.file) return undefined;
  try {
    return await lib.loadScenario(args.file, { checkTypes: lib.checkTypes, vars: args.vars, optionalVars: { cluster: selection.cluster, service }, env: streams.env });
  } catch (error) {
    if (!(error instanceof lib.ScenarioError)) throw error;
    for (const problem of error.problems) streams.stderr.write(`${lib.formatProblem(problem)}\n`);
    return EXIT.usage;
  }
}

/** One progress line per service as it ends, on stderr: `✓ api passed (4/4 checks, 1.2s)`. */
function progressLine(result: FleetServiceResult, lib: Library, color: boolean): string {
  const paint = lib.createPaint(color);
  const look = { passed: ['✓', 'green'], failed: ['✗', 'red'], errored: ['!', 'red'], inconclusive: ['?', 'yellow'] } as const;
  const [symbol, style] = look[result.verdict];
  const checks = result.report ? `${result.report.checks.filter((c) => c.status === 'passed').length}/${result.report.checks.length} checks, ` : '';
  const why = result.error ? `: ${lib.oneLine(result.error)}` : '';
  return `${paint(style, symbol)} ${lib.oneLine(result.service)} ${result.verdict} (${checks}${lib.formatDuration(result.durationMs)})${why}\n`;
}

/**
 * Puts each service's verdict into CloudWatch when --publish-metrics or the scenario file's
 * `publishMetrics` asks (runner/publish-metrics.ts: dimension Scenario = the service's name), with
 * the file's `aws:` settings. Not after an interruption (the verdicts are not the services' own).
 * A publish that fails is a warning: the exit code stays the fleet's verdict.
 */
async function publishFleet(args: RunArgs, selection: FleetSelection, scenario: Scenario | undefined, fleet: FleetReport, stderr: Streams['stderr']): Promise<void> {
  const namespace = args.publishMetrics ?? scenario?.publishMetrics?.namespace;
  if (!namespace) return;
  const [{ publishFleetMetrics }, { ClientPool }] = await Promise.all([import('../../runner/publish-metrics.js'), import('../../runner/clients.js')]);
  const clients = new ClientPool({ ...scenario?.aws, region: selection.region ?? scenario?.aws.region });
  try {
    const outcome = await publishFleetMetrics(fleet.services, { namespace, clients });
    const mask = (text: string) => scenario?.masker.mask(text) ?? text;
    if (!outcome.ok) stderr.write(`verify-deployment: warning: the verdicts were not published to CloudWatch namespace ${mask(namespace)}: ${mask(outcome.reason)} (the exit code is unchanged)\n`);
  } finally {
    await clients.destroy();
  }
}

/**
 * Lists the cluster's services, selects them, verifies each (its discovered chain or `args.file`)
 * `args.concurrency` at a time through shared AWS clients, and reports the fleet.
 * Exit codes: 0 every service passed; 1 one did not, or a report could not be written; 2 usage
 * (no such cluster, nothing selected, an invalid scenario file); 130/143 interrupted.
 */
export async function runFleetCommand(args: RunArgs, selection: FleetSelection, io: RunIo = {}): Promise<number> {
  const streams: Streams = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, env: io.env ?? process.env };
  const [lib, fleetLib] = await Promise.all([import('../../runner/index.js'), import('../../runner/index.js').then((lib) => lib.fleet)]);
  const plan = planRun(args, lib);
  const services = await selectedServices(selection, fleetLib, streams.stderr, io.signal);
  const scenario = await checkScenarioFile(args, selection, services[0]!, lib, streams);
  if (typeof scenario === 'number') return scenario;
  const refused = await prepareOutputs(args, streams.stderr);
  const color = lib.shouldUseColor({ env: streams.env, isTTY: Boolean(streams.stderr.isTTY), flag: args.color });
  const inFlight = Math.min(args.concurrency ?? fleetLib.DEFAULT_FLEET_CONCURRENCY, services.length);
  streams.stderr.write(`verifying ${services.length} service${services.length === 1 ? '' : 's'} ${describeSelection(selection)}, ${inFlight} at a time\n`);
  const fleet = await fleetLib.runFleet({
    cluster: selection.cluster,
    region: selection.region,
    services,
    scenarioFile: args.file,
    vars: args.vars,
    env: streams.env,
    concurrency: args.concurrency,
    failFast: args.failFast,
    timeoutMs: plan.timeoutMs,
    signal: io.signal,
    ...(args.inconclusive ? { inconclusive: args.inconclusive } : {}),
    onServiceEnd: (result) => streams.stderr.write(progressLine(result, lib, color)),
  });
  const failures = await writeFleetReports({ stdoutReporters: plan.stdoutReporters, outs: args.outs, color: args.color }, fleet, refused, streams);
  for (const failure of failures) streams.stderr.write(`verify-deployment: ${failure}\n`);
  const reason: unknown = io.signal?.aborted ? io.signal.reason : undefined;
  if (reason === 'SIGINT' || reason === 'SIGTERM') return EXIT[reason];
  await publishFleet(args, selection, scenario, fleet, streams.stderr);
  return fleet.status === 'passed' && failures.length === 0 ? EXIT.passed : EXIT.failed;
}
