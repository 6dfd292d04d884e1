/**
 * Merges JSON reports written by separate runs (a GitHub Actions matrix, a Step Functions
 * Distributed Map) into one FleetReport: per-service `run --reporter json` reports, fleet reports,
 * or `{cluster, service, verdict, report}` answers of the Lambda handler. Verdicts are recomputed
 * from each report's status and summary; anything unreadable is an `errored` service, never dropped.
 */
import type { CheckReport, RunReport } from '../result.js';
import type { FleetReport, FleetServiceResult } from './types.js';
import { fleetReport, verdictOf, type InconclusivePolicy } from './verdict.js';

/** One input: where it came from (for messages) and its parsed JSON, or why it could not be read. */
export interface ReportInput {
  source: string;
  json?: unknown;
  error?: string;
}

/** A service the merged reports must cover (from `discover --format json|jsonl|matrix`). */
export interface ExpectedService {
  cluster?: string;
  service: string;
}

export interface MergeOptions {
  /** Services that must each have a report; a missing one is `errored` ("no report"). */
  expect?: readonly ExpectedService[];
  inconclusive?: InconclusivePolicy;
  now?: () => Date;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const COUNTS = ['passed', 'failed', 'errored', 'skipped'] as const;

function checkFromJson(value: unknown): CheckReport | undefined {
  if (!isObject(value) || typeof value.name !== 'string' || typeof value.type !== 'string' || typeof value.status !== 'string') return undefined;
  return {
    ...(value as unknown as CheckReport),
    attempts: typeof value.attempts === 'number' ? value.attempts : 0,
    durationMs: typeof value.durationMs === 'number' ? value.durationMs : 0,
    message: typeof value.message === 'string' ? value.message : '',
    observations: Array.isArray(value.observations) ? (value.observations as CheckReport['observations']) : [],
    details: isObject(value.details) ? value.details : {},
    flaky: value.flaky === true,
    description: typeof value.description === 'string' ? value.description : '',
  };
}

/**
 * A `run --reporter json` document as a RunReport the renderers take, or the reason it is not one.
 * Only the contract fields are required; extensions are kept as they are.
 */
export function runReportFromJson(value: unknown): RunReport | string {
  if (!isObject(value)) return 'not a JSON object';
  if (value.version !== 1) return `unknown report version ${JSON.stringify(value.version)} (expected 1)`;
  if (typeof value.scenario !== 'string' || typeof value.status !== 'string') return 'no scenario or status';
  const summary = value.summary;
  if (!isObject(summary) || COUNTS.some((key) => typeof summary[key] !== 'number')) return 'no summary counts';
  if (!Array.isArray(value.checks)) return 'no checks';
  const checks = value.checks.map(checkFromJson);
  if (checks.some((c) => !c)) return 'a check without name, type or status';
  return {
    ...(value as unknown as RunReport),
    file: typeof value.file === 'string' ? value.file : '',
    startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
    durationMs: typeof value.durationMs === 'number' ? value.durationMs : 0,
    checks: checks as CheckReport[],
  };
}

/** `discovered:shop/checkout` → { cluster: shop, service: checkout }. */
function discoveredTarget(file: string): ExpectedService | undefined {
  const match = /^discovered:([^/]+)\/(.+)$/.exec(file);
  return match ? { cluster: match[1]!, service: match[2]! } : undefined;
}

function fromRunReport(report: RunReport, cluster?: string, service?: string): FleetServiceResult {
  const target = discoveredTarget(report.file);
  return {
    ...(cluster ?? target?.cluster ? { cluster: cluster ?? target!.cluster } : {}),
    service: service ?? target?.service ?? report.scenario,
    verdict: verdictOf(report),
    report,
    durationMs: report.durationMs,
  };
}

/**
 * One child execution as a Step Functions `ResultWriter` lists it: its `Output` (or, for a child that
 * ended in a Fail state, its `Cause`) is the Lambda handler's answer, as a JSON string.
 */
function fromExecutionResult(entry: Json, source: string): FleetServiceResult {
  for (const field of ['Output', 'Cause'] as const) {
    const text = entry[field];
    if (typeof text !== 'string') continue;
    try {
      const answer: unknown = JSON.parse(text);
      if (isObject(answer) && typeof answer.service === 'string') return fromEntry(answer, source);
    } catch {
      // Not JSON: reported below with the execution's own error.
    }
  }
  let input: Json = {};
  try {
    const parsed: unknown = typeof entry.Input === 'string' ? JSON.parse(entry.Input) : undefined;
    if (isObject(parsed)) input = parsed;
  } catch {
    // An execution whose input is not JSON: named by its ARN below.
  }
  const service = typeof input.service === 'string' ? input.service : String(entry.ExecutionArn);
  const why = [entry.Status, entry.Error, entry.Cause].filter((part) => typeof part === 'string' && part).join(': ');
  return { ...(typeof input.cluster === 'string' ? { cluster: input.cluster } : {}), service, verdict: 'errored', error: `${source}: no answer from the handler (${why || 'no status'})`, durationMs: 0 };
}

/** One entry of a fleet report, one Lambda answer (`{cluster?, service, verdict?, report?, error?}`) or one ResultWriter execution. */
function fromEntry(entry: unknown, source: string): FleetServiceResult {
  if (isObject(entry) && typeof entry.ExecutionArn === 'string') return fromExecutionResult(entry, source);
  if (!isObject(entry) || typeof entry.service !== 'string') return { service: source, verdict: 'errored', error: `${source}: a service entry without a service name`, durationMs: 0 };
  const cluster = typeof entry.cluster === 'string' ? entry.cluster : undefined;
  const base = { ...(cluster ? { cluster } : {}), service: entry.service };
  if (entry.report === undefined || entry.report === null) {
    // No report is never a pass, whatever verdict the entry claims.
    const error = typeof entry.error === 'string' ? entry.error : `no report (verdict ${JSON.stringify(entry.verdict ?? null)})`;
    return { ...base, verdict: 'errored', error, durationMs: typeof entry.durationMs === 'number' ? entry.durationMs : 0 };
  }
  const report = runReportFromJson(entry.report);
  if (typeof report === 'string') return { ...base, verdict: 'errored', error: `${source}: the report of ${entry.service} is not a verify-deployment report: ${report}`, durationMs: 0 };
  return fromRunReport(report, cluster, entry.service);
}

/** The services one input holds. */
function servicesOf(input: ReportInput): FleetServiceResult[] {
  if (input.error !== undefined) return [{ service: input.source, verdict: 'errored', error: `${input.source}: ${input.error}`, durationMs: 0 }];
  const json = input.json;
  if (isObject(json) && Array.isArray(json.services) && isObject(json.totals)) return json.services.map((entry) => fromEntry(entry, input.source));
  if (isObject(json) && typeof json.service === 'string') return [fromEntry(json, input.source)];
  if (Array.isArray(json)) return json.map((entry) => fromEntry(entry, input.source));
  const report = runReportFromJson(json);
  if (typeof report === 'string') return [{ service: input.source, verdict: 'errored', error: `${input.source}: not a verify-deployment report: ${report}`, durationMs: 0 }];
  return [fromRunReport(report)];
}

/**
 * Merges the inputs into one FleetReport: services in input order, then every expected service
 * that has no report (`errored`). The cluster is the one all services share, if they do.
 */
export function mergeReports(inputs: readonly ReportInput[], options: MergeOptions = {}): FleetReport {
  const results = inputs.flatMap(servicesOf);
  for (const expected of options.expect ?? []) {
    const covered = results.some((r) => r.service === expected.service && (!expected.cluster || !r.cluster || r.cluster === expected.cluster));
    if (!covered) {
      results.push({ ...(expected.cluster ? { cluster: expected.cluster } : {}), service: expected.service, verdict: 'errored', error: 'no report: its job did not finish, or did not upload it', durationMs: 0 });
    }
  }
  const clusters = new Set(results.map((r) => r.cluster));
  const cluster = clusters.size === 1 ? [...clusters][0] : undefined;
  const starts = results.map((r) => Date.parse(r.report?.startedAt ?? '')).filter(Number.isFinite);
  const ends = results.map((r) => Date.parse(r.report?.startedAt ?? '') + (r.report?.durationMs ?? 0)).filter(Number.isFinite);
  const startedAt = starts.length > 0 ? new Date(Math.min(...starts)) : (options.now ?? (() => new Date()))();
  const durationMs = starts.length > 0 ? Math.max(...ends) - startedAt.getTime() : 0;
  return fleetReport(results, { cluster, startedAt, durationMs, inconclusive: options.inconclusive });
}

/**
 * The services a `discover` output lists: `--format json` (an array), `--format matrix` (one
 * `{include}` or an array of them) or `--format jsonl` (one object a line). Throws Error when the
 * text is none of those.
 */
export function expectedServices(text: string): ExpectedService[] {
  const trimmed = text.trim();
  let values: unknown[];
  try {
    const json: unknown = JSON.parse(trimmed);
    values = Array.isArray(json) ? json : [json];
  } catch {
    values = trimmed.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
  }
  const items = values.flatMap((value) => (isObject(value) && Array.isArray(value.include) ? value.include : [value]));
  return items.map((item, i) => {
    if (!isObject(item) || typeof item.service !== 'string') throw new Error(`entry ${i + 1} has no service name`);
    return { ...(typeof item.cluster === 'string' ? { cluster: item.cluster } : {}), service: item.service };
  });
}
