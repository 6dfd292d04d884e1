/**
 * The verdict as CloudWatch metrics, so an alarm on `ScenarioPassed < 1` (an ECS service's
 * `deploymentConfiguration.alarms`) rolls a rollout back natively: `ScenarioPassed` (1/0, dimension
 * `Scenario`) and `CheckPassed` per check that ran (1/0, dimensions `Scenario`, `Check`).
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { awsErrorResult, cloudwatchClient } from '../checks/support/aws.js';
import type { ClientProvider } from '../checks/types.js';
import type { RunReport } from './result.js';
import { timeoutSignal } from '../checks/support/abort.js';

/** Where and how to publish. */
export interface PublishMetricsOptions {
  /** CloudWatch namespace (`--publish-metrics NAMESPACE` or the scenario's `publishMetrics.namespace`). */
  namespace: string;
  /** Where the CloudWatch client comes from (the CLI passes a ClientPool with the scenario's `aws:` settings). */
  clients: ClientProvider;
  /** Ends the call early (default: a 15 s budget). */
  signal?: AbortSignal;
  /** The datapoints' timestamp (default: now). */
  timestamp?: Date;
}

/** What publishing did: the datapoints put, or why none (or not all) were. */
export type PublishOutcome = { ok: true; datapoints: number } | { ok: false; reason: string };

/** Datapoints per PutMetricData call (the API takes up to 1,000). */
const BATCH = 500;
/** CloudWatch dimension values are at most 1,024 characters; shorter keeps alarms readable. */
const MAX_DIMENSION = 255;
const DEFAULT_TIMEOUT_MS = 15_000;

const dimension = (value: string) => (value.length > MAX_DIMENSION ? value.slice(0, MAX_DIMENSION) : value) || '-';

/**
 * The datapoints for `report` (already masked): ScenarioPassed, then CheckPassed for each check
 * that ran. Skipped checks (not selected, needs not met, fail-fast) put nothing: they have no
 * verdict of their own, and ScenarioPassed already says the run did not pass. Pure.
 */
export function verdictMetrics(report: Pick<RunReport, 'scenario' | 'status' | 'checks'>, timestamp = new Date()): MetricDatum[] {
  const scenario = dimension(report.scenario);
  const datum = (name: string, passed: boolean, extra: { Name: string; Value: string }[] = []): MetricDatum => ({
    MetricName: name,
    Dimensions: [{ Name: 'Scenario', Value: scenario }, ...extra],
    Value: passed ? 1 : 0,
    Unit: 'Count',
    Timestamp: timestamp,
  });
  return [
    datum('ScenarioPassed', report.status === 'passed'),
    ...report.checks.filter((c) => c.status !== 'skipped').map((c) => datum('CheckPassed', c.status === 'passed', [{ Name: 'Check', Value: dimension(c.name) }])),
  ];
}

/**
 * Puts verdictMetrics(report) into `namespace` (AWS API: cloudwatch:PutMetricData, in batches).
 * Never throws: an AWS error, a timeout or an abort comes back as `{ ok: false, reason }` for the
 * caller to warn about — the run's verdict (and exit code) stays what the checks decided.
 */
export async function publishVerdictMetrics(report: Pick<RunReport, 'scenario' | 'status' | 'checks'>, options: PublishMetricsOptions): Promise<PublishOutcome> {
  return putDatapoints(verdictMetrics(report, options.timestamp), options);
}

/** One service of a fleet run, as publishFleetMetrics reads it: its name and its report (absent when it could not be verified). */
export interface FleetServiceVerdict {
  service: string;
  report?: RunReport;
}

/**
 * The datapoints of a fleet run: for each service, verdictMetrics of its report with the
 * `Scenario` dimension set to the service's name (one scenario file runs for every service, so its
 * name would not tell them apart; a discovered chain is named after its service anyway). A service
 * that could not be verified (no report: discovery failed, its scenario did not load) puts
 * `ScenarioPassed` 0: no evidence opens no gate. Pure.
 */
export function fleetVerdictMetrics(services: readonly FleetServiceVerdict[], timestamp = new Date()): MetricDatum[] {
  return services.flatMap(({ service, report }) =>
    report
      ? verdictMetrics({ ...report, scenario: service }, timestamp)
      : verdictMetrics({ scenario: service, status: 'failed', checks: [] }, timestamp),
  );
}

/** publishVerdictMetrics for a fleet run: fleetVerdictMetrics in batches of PutMetricData (AWS API: cloudwatch:PutMetricData). Never throws. */
export async function publishFleetMetrics(services: readonly FleetServiceVerdict[], options: PublishMetricsOptions): Promise<PublishOutcome> {
  return putDatapoints(fleetVerdictMetrics(services, options.timestamp), options);
}

async function putDatapoints(data: MetricDatum[], options: PublishMetricsOptions): Promise<PublishOutcome> {
  const signal = options.signal ?? timeoutSignal(DEFAULT_TIMEOUT_MS);
  try {
    const { PutMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
    const client = await options.clients.get(cloudwatchClient);
    for (let at = 0; at < data.length; at += BATCH) {
      await client.send(new PutMetricDataCommand({ Namespace: options.namespace, MetricData: data.slice(at, at + BATCH) }), { abortSignal: signal });
    }
    return { ok: true, datapoints: data.length };
  } catch (error) {
    if (signal.aborted) return { ok: false, reason: `cloudwatch:PutMetricData did not answer in time (${String((signal.reason as Error)?.message ?? signal.reason)})` };
    const result = awsErrorResult(error, 'cloudwatch:PutMetricData');
    // Nothing retries a publish: "backing off and retrying" would not be true here.
    return { ok: false, reason: result.outcome === 'retry' ? `AWS throttled cloudwatch:PutMetricData (${String(result.details?.awsError)})` : result.message };
  }
}
