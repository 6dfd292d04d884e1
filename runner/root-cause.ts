/**
 * Names the likely cause among several failures and lists its consequences, using the `needs`
 * graph and the cause→effect relations check types declare. Pure: report in, RootCause out.
 *
 * It reads data only — status, `skip`, `lastOutcome`, facts — never a message's wording:
 * - Evidence is a `failed` check. An errored check could not be evaluated, an inconclusive one
 *   found no evidence (no datapoints, an alarm in INSUFFICIENT_DATA): no relation fires from or to
 *   either, and neither is ever a cause or a consequence (reporters list errored checks as "could
 *   not be evaluated" and inconclusive ones apart). With no failed check there is no root cause.
 *   A check that failed by its `noData: fail` policy is a failure, but never a definitive one.
 * - A cause's `consequences` are failed checks it explains: checks that ran. A check skipped because
 *   it needed the cause or one of its consequences (`skip.reason: 'needs'`) never ran, so nothing
 *   says it would have failed: it is listed apart, in `skipped`. One skipped by fail-fast, an
 *   interruption or the deadline is in neither.
 * - When two failures explain each other and only one ended on a definitive `fail` (a concrete
 *   observation), that one is the cause: a not-ready state is the symptom, not the reason.
 * - Among failures nothing explains, definitive ones rank first, then the one that explains most,
 *   then file order. When more than one remains, they are independent failures, not one cause.
 */
import type { CauseRelation, CheckType, FailureView } from '../checks/types.js';
import type { CauseReport, CheckReport, RootCause, RunReport } from './result.js';

export interface Explanation {
  cause: string;
  effect: string;
  because: string;
}

/** Whether a check is evidence for the analysis: it ran and was found broken (not errored, not inconclusive). */
export function isEvidence(report: CheckReport): boolean {
  return report.status === 'failed';
}

/** Whether a failure is a definitive observation rather than retries spent on a not-ready state. */
export function isDefinitive(report: CheckReport): boolean {
  return report.lastOutcome === 'fail';
}

/** What a relation's `when` sees of a finished check. */
export function failureView(report: CheckReport): FailureView {
  return { name: report.name, type: report.type, message: report.message, facts: report.facts ?? {}, definitive: isDefinitive(report) };
}

/**
 * The relation by which `cause` explains `effect`, or undefined. `relations` are the cause's check
 * type's `explains`; their `when` conditions are evaluated on the two views. A check type never
 * explains its own kind, nor a check itself. The one relation evaluation: the analysis of finished
 * reports and the runner's cut of explained retries (explained.ts) both use it.
 */
export function explainingRelation(cause: FailureView, effect: FailureView, relations: readonly CauseRelation[]): CauseRelation | undefined {
  if (cause.name === effect.name || cause.type === effect.type) return undefined;
  return relations.find((r) => r.effect === effect.type && (!r.when || r.when(cause, effect)));
}

/** Edges cause → effect between failed checks (errored, inconclusive and skipped checks take no part). */
export function explanations(report: RunReport, relationsOf: (type: string) => readonly CauseRelation[]): Explanation[] {
  const failed = report.checks.filter(isEvidence);
  const edges: Explanation[] = [];
  for (const cause of failed) {
    for (const effect of failed) {
      const relation = explainingRelation(failureView(cause), failureView(effect), relationsOf(cause.type));
      if (relation) edges.push({ cause: cause.name, effect: effect.name, because: relation.because });
    }
  }
  return preferDefinitiveCauses(edges, report);
}

/** Of two failures that explain each other, keeps only the edge from the definitive one (if just one is). */
function preferDefinitiveCauses(edges: Explanation[], report: RunReport): Explanation[] {
  const definitive = new Set(report.checks.filter(isDefinitive).map((c) => c.name));
  return edges.filter((edge) => {
    const reverse = edges.some((other) => other.cause === edge.effect && other.effect === edge.cause);
    return !(reverse && !definitive.has(edge.cause) && definitive.has(edge.effect));
  });
}

/** The checks skipped because they needed one of `names` (directly or through other skipped checks). */
function skippedForNeeds(names: readonly string[], report: RunReport): string[] {
  const out = new Set<string>();
  const frontier = [...names];
  while (frontier.length > 0) {
    const current = frontier.pop()!;
    for (const check of report.checks) {
      if (check.status !== 'skipped' || check.skip?.reason !== 'needs' || check.skip.because !== current || out.has(check.name)) continue;
      out.add(check.name);
      frontier.push(check.name);
    }
  }
  return [...out];
}

function reachable(from: string, edges: Explanation[]): string[] {
  const seen = new Set<string>();
  const frontier = [from];
  while (frontier.length > 0) {
    const current = frontier.pop()!;
    for (const edge of edges) {
      if (edge.cause === current && edge.effect !== from && !seen.has(edge.effect)) {
        seen.add(edge.effect);
        frontier.push(edge.effect);
      }
    }
  }
  return [...seen];
}

interface Candidate {
  check: CheckReport;
  /** Failed checks it explains, in file order. */
  consequences: string[];
  /** Checks skipped because they needed it or one of its consequences (they never ran), in file order. */
  skipped: string[];
}

function candidate(check: CheckReport, edges: Explanation[], report: RunReport): Candidate {
  const effects = new Set(reachable(check.name, edges));
  const skipped = new Set(skippedForNeeds([check.name, ...effects], report));
  const inFileOrder = (set: Set<string>) => report.checks.map((c) => c.name).filter((n) => set.has(n));
  return { check, consequences: inFileOrder(effects), skipped: inFileOrder(skipped) };
}

/** Definitive first, then the one that accounts for most checks; Array.sort is stable, so file order breaks ties. */
function byRank(a: Candidate, b: Candidate): number {
  const reach = (c: Candidate) => c.consequences.length + c.skipped.length;
  return Number(isDefinitive(b.check)) - Number(isDefinitive(a.check)) || reach(b) - reach(a);
}

function causeReport(c: Candidate): CauseReport {
  return {
    check: c.check.name,
    reason: c.check.message,
    consequences: c.consequences,
    // In memory only when there are any; the json reporter writes [] (stable keys).
    ...(c.skipped.length ? { skipped: c.skipped } : {}),
    ...(c.check.fix ? { fix: c.check.fix } : {}),
  };
}

/**
 * The root cause of a run's failures, or undefined when no check failed. `otherCauses` lists the
 * failures the first cause does not explain; when there are any, `independent` is true.
 */
export function analyzeRootCause(report: RunReport, checkTypes: readonly CheckType[]): RootCause | undefined {
  const failed = report.checks.filter(isEvidence);
  if (failed.length === 0) return undefined;
  const relationsOf = (type: string) => checkTypes.find((c) => c.type === type)?.explains ?? [];
  const edges = explanations(report, relationsOf);
  const explained = new Set(edges.map((e) => e.effect));
  // Roots: failures nothing else explains. With a cycle of relations every member is explained;
  // fall back to all failures then, so a cause is still named.
  const roots = failed.filter((c) => !explained.has(c.name));
  const candidates = (roots.length > 0 ? roots : failed).map((check) => candidate(check, edges, report)).sort(byRank);
  const [primary, ...rest] = candidates as [Candidate, ...Candidate[]];
  const others = rest.filter((o) => !primary.consequences.includes(o.check.name) && !primary.skipped.includes(o.check.name));
  const because = edges.filter((e) => e.cause === primary.check.name).map((e) => `${e.effect}: ${e.because}`);
  return {
    ...causeReport(primary),
    ...(because.length ? { explanations: because } : {}),
    // In memory only when there are any; the json reporter writes [] (stable keys).
    ...(others.length ? { otherCauses: others.map(causeReport) } : {}),
    independent: others.length > 0,
  };
}

/** The checks that errored: they could not be evaluated, so the analysis leaves them out. */
export function unevaluated(report: RunReport): string[] {
  return report.checks.filter((c) => c.status === 'error').map((c) => c.name);
}
