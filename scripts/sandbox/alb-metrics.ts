/**
 * The ALB stand-in's CloudWatch side: what the model API served and what the health checker decided,
 * published as ALB publishes it (namespace `AWS/ApplicationELB`, dimensions `LoadBalancer` =
 * `app/<name>/<id>` and `TargetGroup` = `targetgroup/<name>/<id>`), and the service's one deployment
 * alarm, which the sandbox evaluates itself (the emulator stores alarms but never evaluates them).
 * See docs/sandbox.md ("Metrics and the deployment alarm") for where it differs from ALB.
 */
import { PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand, type CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';

const NAMESPACE = 'AWS/ApplicationELB';

/** The deployment alarm: TargetResponseTime p95 over 10 s above 1 s, one datapoint to alarm. */
export const DEPLOYMENT_ALARM = { periodSeconds: 10, extendedStatistic: 'p95', thresholdSeconds: 1 } as const;

/** `<service>-target-response-time-p95`: the deployment alarm's name. */
export const deploymentAlarmName = (service: string) => `${service}-target-response-time-p95`;

export type AlarmState = 'OK' | 'ALARM';

/** One request the target served: its status code and how long it took (ms), ending at `at` (epoch ms). */
export interface ServedRequest {
  status: number;
  durationMs: number;
  at: number;
}

export interface AlbMetricsOptions {
  cloudwatch: CloudWatchClient;
  /** `app/<name>/<id>` and `targetgroup/<name>/<id>` (the ARNs' tails). */
  loadBalancer: string;
  targetGroup: string;
  alarmName: string;
  /** Healthy and unhealthy targets now (the health checker's view), read at each publication. */
  hosts(): { healthy: number; unhealthy: number };
  /** How often a batch is published (default 1000 ms). */
  publishEveryMs?: number;
  onAlarm?(state: AlarmState, reason: string): void;
}

export interface AlbMetrics {
  /** Buffers one served request for the next batch. */
  record(request: Omit<ServedRequest, 'at'> & { at?: number }): void;
  /**
   * Creates the alarm (PutMetricAlarm), publishes `history` (requests served before the sandbox
   * started, as found) with the current host counts, sets the alarm's state from it, and starts
   * publishing a batch every second.
   */
  start(history: ServedRequest[]): Promise<void>;
  alarmState(): AlarmState | undefined;
  /** Resolves when the alarm is in `state`; rejects after `timeoutMs` or when `signal` aborts. */
  waitForAlarm(state: AlarmState, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Stops publishing and waits for the batch in flight (what is still buffered is dropped). */
  stop(): Promise<void>;
}

/** `dd/MM/yy HH:mm:ss` (UTC), as CloudWatch writes a datapoint's time in a StateReason. */
export function reasonTime(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** Nearest-rank percentile `p` (0-100) of `values` (not empty). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** The second a request is published at: the one in which it ended (ALB does the same per minute). */
export const secondOf = (at: number) => Math.floor(at / 1000) * 1000;

/**
 * The alarm's verdict on the requests published at or after the whole second `periodSeconds`
 * before `now` (so it covers every later reading of that many seconds of data), with the
 * StateReason CloudWatch writes: a datapoint above the threshold is ALARM; none (missing data,
 * treated as not breaching) or one at or below it is OK.
 */
export function evaluateAlarm(requests: readonly ServedRequest[], now: number): { state: AlarmState; reason: string } {
  const { periodSeconds, extendedStatistic, thresholdSeconds } = DEPLOYMENT_ALARM;
  const from = secondOf(now) - periodSeconds * 1000;
  const inPeriod = requests.filter((r) => secondOf(r.at) >= from).map((r) => r.durationMs / 1000);
  if (inPeriod.length === 0) {
    return { state: 'OK', reason: 'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].' };
  }
  const value = round3(percentile(inPeriod, Number(extendedStatistic.slice(1))));
  const breaching = value > thresholdSeconds;
  const datapoint = `1 datapoint [${value} (${reasonTime(from)})]`;
  const threshold = `the threshold (${thresholdSeconds.toFixed(1)})`;
  return { state: breaching ? 'ALARM' : 'OK', reason: `Threshold Crossed: ${datapoint} was ${breaching ? '' : 'not '}greater than ${threshold}.` };
}

/**
 * One second's datapoints: RequestCount, HTTPCode_Target_5XX_Count (only when not zero, as ALB),
 * TargetResponseTime (seconds, every request's value) and the host counts (when given), at the second `at`.
 */
export function batchData(requests: readonly ServedRequest[], hosts: { healthy: number; unhealthy: number } | undefined, dimensions: { loadBalancer: string; targetGroup: string }, at: number): MetricDatum[] {
  const Dimensions = [
    { Name: 'LoadBalancer', Value: dimensions.loadBalancer },
    { Name: 'TargetGroup', Value: dimensions.targetGroup },
  ];
  const datum = (MetricName: string, Unit: 'Count' | 'Seconds', value: Pick<MetricDatum, 'Value' | 'Values' | 'Counts'>): MetricDatum => ({
    MetricName,
    Dimensions,
    Timestamp: new Date(at),
    Unit,
    StorageResolution: 1,
    ...value,
  });
  const data = hosts ? [datum('HealthyHostCount', 'Count', { Value: hosts.healthy }), datum('UnHealthyHostCount', 'Count', { Value: hosts.unhealthy })] : [];
  if (requests.length === 0) return data;
  const errors = requests.filter((r) => r.status >= 500).length;
  data.push(datum('RequestCount', 'Count', { Value: requests.length }));
  if (errors > 0) data.push(datum('HTTPCode_Target_5XX_Count', 'Count', { Value: errors }));
  data.push(datum('TargetResponseTime', 'Seconds', { Values: requests.map((r) => round3(r.durationMs / 1000)) }));
  return data;
}

/**
 * The publisher and alarm evaluator. AWS APIs: cloudwatch:PutMetricAlarm (once), PutMetricData
 * (one call per second with requests or host counts), SetAlarmState (when the state changes).
 */
// ~100 lines: one closure over the buffer, the alarm state and its waiters (start creates the alarm
// and publishes the history); the rules themselves are the pure functions above.
export function createAlbMetrics(options: AlbMetricsOptions): AlbMetrics {
  const { cloudwatch } = options;
  const everyMs = options.publishEveryMs ?? 1000;
  const periodMs = DEPLOYMENT_ALARM.periodSeconds * 1000;
  let buffer: ServedRequest[] = [];
  let recent: ServedRequest[] = [];
  let state: AlarmState | undefined;
  let timer: NodeJS.Timeout | undefined;
  let publishing = Promise.resolve();
  const waiters = new Set<() => void>();

  const publish = async (requests: ServedRequest[], now: number) => {
    const hosts = options.hosts();
    const seconds = [...new Set([secondOf(now), ...requests.map((r) => secondOf(r.at))])].sort();
    // Host counts for the current second only; a request that ended in an earlier second (the
    // batch straddles a boundary) goes in that second.
    const data = seconds.flatMap((second) => batchData(requests.filter((r) => secondOf(r.at) === second), second === secondOf(now) ? hosts : undefined, options, second));
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data }));
  };
  const evaluate = async (now: number) => {
    recent = recent.filter((r) => secondOf(r.at) >= secondOf(now) - periodMs);
    const verdict = evaluateAlarm(recent, now);
    if (verdict.state === state) return;
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: options.alarmName, StateValue: verdict.state, StateReason: verdict.reason }));
    state = verdict.state;
    options.onAlarm?.(state, verdict.reason);
    for (const wake of waiters) wake();
  };
  const tick = () => {
    const now = Date.now();
    const batch = buffer;
    buffer = [];
    // One batch at a time, in order; a failed call loses that second, never the sandbox.
    publishing = publishing.then(() => Promise.all([publish(batch, now), evaluate(now)])).then(() => {}, () => {});
    return publishing;
  };

  return {
    record(request) {
      const served = { ...request, at: request.at ?? Date.now() };
      buffer.push(served);
      recent.push(served);
    },
    async start(history) {
      const { periodSeconds, extendedStatistic, thresholdSeconds } = DEPLOYMENT_ALARM;
      await cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: options.alarmName,
          AlarmDescription: `Target response time p95 above ${thresholdSeconds} s: rolls the deployment back`,
          Namespace: NAMESPACE,
          MetricName: 'TargetResponseTime',
          Dimensions: [
            { Name: 'LoadBalancer', Value: options.loadBalancer },
            { Name: 'TargetGroup', Value: options.targetGroup },
          ],
          ExtendedStatistic: extendedStatistic,
          Period: periodSeconds,
          EvaluationPeriods: 1,
          DatapointsToAlarm: 1,
          Threshold: thresholdSeconds,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        }),
      );
      // The history: one batch per request, at the time it was served.
      const data = history.flatMap((r) => batchData([r], options.hosts(), options, secondOf(r.at)));
      for (let i = 0; i < data.length; i += 1000) await cloudwatch.send(new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data.slice(i, i + 1000) }));
      recent.push(...history);
      await evaluate(Date.now());
      timer = setInterval(() => void tick(), everyMs);
    },
    alarmState: () => state,
    waitForAlarm(target, timeoutMs, signal) {
      return new Promise((resolve, reject) => {
        if (state === target) return resolve();
        const done = (error?: Error) => {
          clearTimeout(timeout);
          waiters.delete(check);
          signal?.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        };
        const check = () => state === target && done();
        const onAbort = () => done(new Error(`stopped waiting for alarm ${options.alarmName} to be ${target}`));
        const timeout = setTimeout(() => done(new Error(`alarm ${options.alarmName} not ${target} within ${timeoutMs} ms (it is ${state})`)), timeoutMs);
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.add(check);
      });
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await publishing;
    },
  };
}
