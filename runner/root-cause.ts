/**
 * Names the likely cause among several failures and lists its consequences, using the `needs`
 * graph and the cause→effect relations check types declare. Pure: report in, RootCause out.
 */
import type { CauseRelation, CheckType, FailureView } from '../checks/types.js';
import type { CheckReport, RootCause, RunReport } from './result.js';

export interface Explanation {
  cause: string;
  effect: string;
  because: string;
}

function view(report: CheckReport): FailureView {
  return { name: report.name, type: report.type, message: report.message, facts: report.facts ?? {} };
}

function isFailure(report: CheckReport): boolean {
  return report.status === 'failed' || report.status === 'error';
}

/** Edges cause → effect between failed checks. */
export function explanations(report: RunReport, relationsOf: (type: string) => readonly CauseRelation[]): Explanation[] {
  const failed = report.checks.filter(isFailure);
  const edges: Explanation[] = [];
  for (const cause of failed) {
    for (const effect of failed) {
      if (cause === effect || cause.type === effect.type) continue;
      const relation = relationsOf(cause.type).find((r) => r.effect === effect.type && (!r.when || r.when(view(cause), view(effect))));
      if (relation) edges.push({ cause: cause.name, effect: effect.name, because: relation.because });
    }
  }
  return edges;
}

/** The checks skipped because they needed `name` (directly or through other skipped checks). */
function skippedBecauseOf(name: string, report: RunReport): string[] {
  const out: string[] = [];
  const frontier = [name];
  while (frontier.length > 0) {
    const current = frontier.pop()!;
    for (const check of report.checks) {
      if (check.status === 'skipped' && check.skipReason?.includes(`"${current}"`) && !out.includes(check.name)) {
        out.push(check.name);
        frontier.push(check.name);
      }
    }
  }
  return out;
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

export function analyzeRootCause(report: RunReport, checkTypes: readonly CheckType[]): RootCause | undefined {
  const failed = report.checks.filter(isFailure);
  if (failed.length === 0) return undefined;
  const relationsOf = (type: string) => checkTypes.find((c) => c.type === type)?.explains ?? [];
  const edges = explanations(report, relationsOf);
  const explained = new Set(edges.map((e) => e.effect));
  // Roots: failures nothing else explains. With a cycle of relations every member is explained;
  // fall back to all failures then, so a cause is still named.
  const roots = failed.filter((c) => !explained.has(c.name));
  const candidates = (roots.length > 0 ? roots : failed).map((check) => {
    const effects = reachable(check.name, edges);
    const consequences = [...effects, ...[check.name, ...effects].flatMap((n) => skippedBecauseOf(n, report))];
    return { check, consequences: report.checks.map((c) => c.name).filter((n) => consequences.includes(n)) };
  });
  // The cause that explains most; on a tie, the one earliest in the file (closest to the infrastructure).
  candidates.sort((a, b) => b.consequences.length - a.consequences.length);
  const [primary, ...others] = candidates;
  if (!primary) return undefined;
  const because = edges.filter((e) => e.cause === primary.check.name).map((e) => `${e.effect}: ${e.because}`);
  const rootCause: RootCause = {
    check: primary.check.name,
    reason: primary.check.message,
    consequences: primary.consequences,
    ...(because.length ? { explanations: because } : {}),
    ...(primary.check.fix ? { fix: primary.check.fix } : {}),
  };
  const independent = others.filter((o) => !primary.consequences.includes(o.check.name));
  if (independent.length > 0) {
    rootCause.otherCauses = independent.map((o) => ({ check: o.check.name, reason: o.check.message, consequences: o.consequences, ...(o.check.fix ? { fix: o.check.fix } : {}) }));
  }
  return rootCause;
}
