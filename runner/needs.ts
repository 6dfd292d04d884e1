/**
 * The needs graph: validation (known names, no self-reference, no cycle) and the run order
 * (file order, a check moved after what it needs). Both walk with explicit stacks, never
 * recursion: a needs chain thousands of checks long must not overflow the call stack.
 */
import { didYouMean } from './problems.js';
import type { ProblemList } from './positions.js';
import type { PlannedCheck } from './scenario.js';

/** A named check's needs as written (not yet validated), for the needs problems. */
export interface DeclaredNeeds {
  index: number;
  name: string;
  needs: unknown[];
}

/** The first cycle among the needs, as names from a check back to itself, or undefined. */
export function findCycle(checks: { name: string; needs: string[] }[]): string[] | undefined {
  const needs = new Map(checks.map((c) => [c.name, c.needs]));
  const state = new Map<string, 'visiting' | 'done'>();
  // Depth-first with an explicit stack, not recursion: a needs chain thousands of checks long must be
  // a validation result, not a RangeError (stack overflow) that escapes as an internal error.
  for (const check of checks) {
    if (state.has(check.name)) continue;
    const stack: { name: string; next: number }[] = [{ name: check.name, next: 0 }];
    state.set(check.name, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const list = needs.get(top.name) ?? [];
      if (top.next >= list.length) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const need = list[top.next++]!;
      const seen = state.get(need);
      if (seen === 'done') continue;
      if (seen === 'visiting') {
        const names = stack.map((frame) => frame.name);
        return [...names.slice(names.indexOf(need)), need];
      }
      state.set(need, 'visiting');
      stack.push({ name: need, next: 0 });
    }
  }
  return undefined;
}

/** Adds a problem for each need that names no check, names its own check, or closes a cycle. */
export function checkNeeds(declared: readonly DeclaredNeeds[], names: ReadonlySet<string>, problems: ProblemList): void {
  for (const check of declared) {
    check.needs.forEach((need, i) => {
      if (typeof need !== 'string') return;
      if (need === check.name) problems.add(['checks', check.index, 'needs', i], `"${check.name}" cannot need itself`);
      else if (!names.has(need)) {
        const suggestion = didYouMean(need, [...names]);
        problems.add(['checks', check.index, 'needs', i], `needs unknown check "${need}"${suggestion ? ` — did you mean "${suggestion}"?` : ''}`);
      }
    });
  }
  const cycle = findCycle(declared.map((c) => ({ name: c.name, needs: c.needs.filter((n): n is string => typeof n === 'string' && n !== c.name) })));
  if (cycle) {
    const first = declared.find((c) => c.name === cycle[0])!;
    problems.add(['checks', first.index, 'needs'], `needs form a cycle: ${cycle.join(' → ')}; remove one of these needs`);
  }
}

/** File order, except that a check moves after the checks it needs (stable topological sort). */
export function orderByNeeds(checks: readonly PlannedCheck[]): PlannedCheck[] {
  const byName = new Map(checks.map((c) => [c.name, c]));
  const placed = new Set<string>();
  const ordered: PlannedCheck[] = [];
  for (const check of checks) {
    if (placed.has(check.name)) continue;
    const path = new Set([check.name]);
    const stack = [{ check, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.check.needs.length) {
        const dependency = byName.get(top.check.needs[top.next++]!);
        if (dependency && !placed.has(dependency.name) && !path.has(dependency.name)) {
          path.add(dependency.name);
          stack.push({ check: dependency, next: 0 });
        }
        continue;
      }
      stack.pop();
      placed.add(top.check.name);
      ordered.push(top.check);
    }
  }
  return ordered;
}
