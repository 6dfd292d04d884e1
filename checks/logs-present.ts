/**
 * Some log event matches a pattern in a time window: "`Application startup complete` since the
 * deployment". Stops reading at the first page with a match (that is the evidence); no match yet
 * is a `retry`, and so is a scan that could not read the whole window.
 */
import { defineCheck } from './types.js';
import { describeLogsSpec, logsSchema, searchLogs, searchReport, unfinishedScanResult } from './support/logs.js';

export const logsPresent = defineCheck({
  type: 'logs-present',
  summary: 'At least one CloudWatch Logs event matches a filter pattern in a time window (e.g. "Application startup complete").',
  schema: logsSchema,
  // Past evidence (events in a time window): its failure never cuts another check's retries.
  evidence: 'window',
  defaults: { timeoutMs: 30_000, retry: { intervalMs: 10_000, backoff: 1, maxIntervalMs: 10_000, withinMs: 300_000 } },
  describe: (spec) => `an event matches ${describeLogsSpec(spec)}`,
  async run(spec, ctx) {
    const search = await searchLogs(spec, ctx, { stopAtFirstMatch: true });
    const report = searchReport(search, spec);
    const observations = [
      { what: `events matching ${report.where}`, expected: 'at least 1', actual: String(search.matchCount), ok: search.matchCount > 0 },
      ...report.evidence('a match', true),
    ];
    const facts = { logGroup: search.logGroup, logPattern: search.pattern, logMatched: search.matchCount > 0 };
    if (report.first) return { outcome: 'pass', message: `found ${report.where}: ${report.first}`, observations, details: report.details, facts };
    if (!search.complete) return unfinishedScanResult(search, spec, { observations, facts });
    return { outcome: 'retry', message: `no event matches ${report.where} yet`, observations, details: report.details, nextSteps: report.nextSteps, facts };
  },
});
