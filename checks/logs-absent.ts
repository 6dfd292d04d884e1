/**
 * No log event matches a pattern in a time window: "no `Redis connection failed` since the
 * deployment". Matches are a `fail`, not a `retry`: the events are already in the window and
 * waiting only makes them disappear if the window slides past them, which would hide the problem.
 */
import { defineCheck } from './types.js';
import {
  describeLogsSpec,
  describeSearch,
  evidenceObservations,
  formatEvidence,
  logsNextSteps,
  logsSchema,
  searchDetails,
  searchLogs,
} from './support/logs.js';
import { httpTimedOutOrSlow } from './support/relations.js';

export const logsAbsent = defineCheck({
  type: 'logs-absent',
  summary: 'No CloudWatch Logs event matches a filter pattern in a time window (e.g. no "Redis connection failed").',
  schema: logsSchema,
  // Matches are final (fail); retries only cover throttling and unreachable endpoints.
  defaults: { timeoutMs: 30_000, retry: { attempts: 3, intervalMs: 2_000, backoff: 2, maxIntervalMs: 8_000 } },
  describe: (spec) => `no event matches ${describeLogsSpec(spec)}`,
  explains: [
    { effect: 'http', because: 'the errors in the logs are what the slow requests were waiting on', when: (_, effect) => httpTimedOutOrSlow(effect) },
    { effect: 'alb-targets-healthy', because: 'the errors in the logs slow the health check past the load balancer\'s timeout' },
  ],
  async run(spec, ctx) {
    const search = await searchLogs(spec, ctx);
    const where = describeSearch(search);
    const count = search.cut ? `at least ${search.matches}` : String(search.matches);
    const observations = [
      { what: `events matching ${where}`, expected: '0', actual: count, ok: search.matches === 0 },
      ...evidenceObservations(search, 'no match', false),
    ];
    const facts = { logGroup: search.logGroup, logPattern: search.pattern, logMatches: search.matches };
    const details = searchDetails(search);
    const first = search.evidence[0];
    if (first) {
      const verb = search.matches === 1 ? 'event matches' : 'events match';
      return {
        outcome: 'fail',
        message: `${count} ${verb} ${where}; first: ${formatEvidence(first, search.endTime)}`,
        observations,
        details,
        nextSteps: logsNextSteps(search, spec),
        facts,
      };
    }
    if (search.cut) {
      return {
        outcome: 'error',
        retryable: true,
        message: `no event matches ${where} in the ${search.pages} pages read, but the scan was cut (${search.cut}): narrow since or set logStreamPrefix`,
        observations,
        details,
        nextSteps: logsNextSteps(search, spec),
        facts,
      };
    }
    return { outcome: 'pass', message: `no event matches ${where}`, observations, details, facts };
  },
});
