/**
 * No log event matches a pattern in a time window: "no `Redis connection failed` since the
 * deployment". Matches are a `fail`, not a `retry`: the events are already in the window and
 * waiting only makes them disappear if the window slides past them, which would hide the problem.
 * Passing needs proof of absence: a scan that did not read the whole window never passes.
 */
import { defineCheck, type FailureView } from './types.js';
import { describeLogsSpec, logsSchema, searchLogs, searchReport, unfinishedScanResult } from './support/logs.js';
import { albBreached, httpTimedOutOrSlow } from './support/relations.js';

/** Only events actually found explain anything: an incomplete or failed scan is not evidence. */
const foundEvents = (cause: FailureView) => typeof cause.facts.logMatches === 'number' && cause.facts.logMatches > 0;

export const logsAbsent = defineCheck({
  type: 'logs-absent',
  summary: 'No CloudWatch Logs event matches a filter pattern in a time window (e.g. no "Redis connection failed").',
  schema: logsSchema,
  // Past evidence (events in a time window: lines from before a fix stay in it): its failure never cuts another check's retries.
  evidence: 'window',
  // Matches are final (fail); retries cover throttling, unreachable endpoints and incomplete scans.
  defaults: { timeoutMs: 30_000, retry: { attempts: 3, intervalMs: 2_000, backoff: 2, maxIntervalMs: 8_000 } },
  describe: (spec) => `no event matches ${describeLogsSpec(spec)}`,
  explains: [
    {
      effect: 'http',
      because: 'the errors in the logs are what the slow requests were waiting on',
      when: (cause, effect) => foundEvents(cause) && httpTimedOutOrSlow(effect),
    },
    { effect: 'alb-targets-healthy', because: 'the errors in the logs slow the health check past the load balancer\'s timeout', when: foundEvents },
    { effect: 'alb-metrics', because: 'the errors in the logs are the failed and slow requests the load balancer counted', when: (cause, effect) => foundEvents(cause) && albBreached(effect, '5xx', 'latency') },
  ],
  async run(spec, ctx) {
    const search = await searchLogs(spec, ctx);
    const report = searchReport(search, spec);
    const count = search.complete ? String(search.matchCount) : `at least ${search.matchCount}`;
    const observations = [
      { what: `events matching ${report.where}`, expected: '0', actual: count, ok: search.complete && search.matchCount === 0 },
      ...report.evidence('no match', false),
    ];
    const facts = { logGroup: search.logGroup, logPattern: search.pattern, logMatches: search.matchCount, logScanComplete: search.complete };
    // Insights counts separately from the evidence query: a count without evidence still fails.
    if (report.first || search.matchCount > 0) {
      const verb = search.matchCount === 1 ? 'event matches' : 'events match';
      const message = `${count} ${verb} ${report.where}${report.first ? `; first: ${report.first}` : ''}`;
      return { outcome: 'fail', message, observations, details: report.details, nextSteps: report.nextSteps, facts };
    }
    if (!search.complete) return unfinishedScanResult(search, spec, { observations, facts }, ', so absence is not proven');
    return { outcome: 'pass', message: `no event matches ${report.where}`, observations, details: report.details, facts };
  },
});
