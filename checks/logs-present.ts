/**
 * Some log event matches a pattern in a time window: "`Application startup complete` since the
 * deployment". Stops reading at the first page with a match; no match yet is a `retry`.
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

export const logsPresent = defineCheck({
  type: 'logs-present',
  summary: 'At least one CloudWatch Logs event matches a filter pattern in a time window (e.g. "Application startup complete").',
  schema: logsSchema,
  defaults: { timeoutMs: 30_000, retry: { intervalMs: 10_000, backoff: 1, maxIntervalMs: 10_000, withinMs: 300_000 } },
  describe: (spec) => `an event matches ${describeLogsSpec(spec)}`,
  async run(spec, ctx) {
    const search = await searchLogs(spec, ctx, { stopAtFirstMatch: true });
    const where = describeSearch(search);
    const observations = [
      { what: `events matching ${where}`, expected: 'at least 1', actual: String(search.matches), ok: search.matches > 0 },
      ...evidenceObservations(search, 'a match', true),
    ];
    const facts = { logGroup: search.logGroup, logPattern: search.pattern, logMatched: search.matches > 0 };
    const details = searchDetails(search);
    const first = search.evidence[0];
    if (first) {
      return { outcome: 'pass', message: `found ${where}: ${formatEvidence(first, search.endTime)}`, observations, details, facts };
    }
    if (search.cut) {
      return {
        outcome: 'error',
        retryable: true,
        message: `no event matches ${where} in the ${search.pages} pages read, and the scan was cut (${search.cut}): narrow since or set logStreamPrefix`,
        observations,
        details,
        nextSteps: logsNextSteps(search, spec),
        facts,
      };
    }
    return { outcome: 'retry', message: `no event matches ${where} yet`, observations, details, nextSteps: logsNextSteps(search, spec), facts };
  },
});
