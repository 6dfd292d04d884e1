/** Which services of a cluster a fleet covers, and how a list is cut into engine-sized chunks. Pure. */

export interface ServiceSelection {
  /** Keep only names starting with this. */
  prefix?: string;
  /** Names to leave out (exact names). */
  exclude?: readonly string[];
}

/** The names selected, sorted (code-point order, so every run and every engine sees the same order), without duplicates. */
export function selectServices(names: readonly string[], selection: ServiceSelection = {}): string[] {
  const excluded = new Set(selection.exclude ?? []);
  const kept = names.filter((name) => (!selection.prefix || name.startsWith(selection.prefix)) && !excluded.has(name));
  return [...new Set(kept)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The excluded names that match no service (worth a warning: a typo excludes nothing). */
export function unknownExclusions(names: readonly string[], exclude: readonly string[] = []): string[] {
  const known = new Set(names);
  return exclude.filter((name) => !known.has(name));
}

/** `items` cut into consecutive chunks of at most `size` (size ≥ 1); no chunk is empty. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** `arn:aws:ecs:r:a:service/cluster/name` (or the old `service/name`) → `name`; a name stays a name. */
export function serviceNameOf(arnOrName: string): string {
  return arnOrName.includes(':service/') ? arnOrName.slice(arnOrName.lastIndexOf('/') + 1) : arnOrName;
}
