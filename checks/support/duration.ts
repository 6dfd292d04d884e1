/**
 * Durations as scenarios write them ("500ms", "15s", "2m", "1m30s") and as reports print them.
 * Below checks/ so check types and the runner share them without checks importing the runner.
 */
import { z } from 'zod';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const NUMBER = '(\\d+(?:\\.\\d+)?)';
/**
 * One number with a unit ("2m"), or several in decreasing order, each unit at most once: the form
 * formatDuration prints ("1m30s", "1h5m"). "5ms" is milliseconds, never 5 minutes and an "s".
 */
const DURATION = new RegExp(`^(?=\\d)(?:${NUMBER}h)?(?:${NUMBER}m(?!s))?(?:${NUMBER}s)?(?:${NUMBER}ms)?$`);
const UNITS = ['h', 'm', 's', 'ms'] as const;

/** Parses "250ms", "5s", "1.5s", "2m", "1h", "1m30s", "1h5m" into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  let total = 0;
  UNITS.forEach((unit, index) => {
    const value = match[index + 1];
    if (value !== undefined) total += Number(value) * UNIT_MS[unit];
  });
  return Math.round(total);
}

/**
 * Formats milliseconds the way people read them: 850ms, 2.01s, 1m30s, 2h5m. Rounding carries into
 * the next unit (59.999s is "1m", 119.6s is "2m"), so no unit ever shows 60.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms}ms`;
  const wholeMs = Math.round(ms);
  if (wholeMs < 1000) return `${wholeMs}ms`;
  const seconds = Number((ms / 1000).toFixed(2));
  if (seconds < 60) return `${seconds}s`;
  const total = Math.round(ms / 1000);
  const parts = [
    [Math.floor(total / 3600), 'h'],
    [Math.floor((total % 3600) / 60), 'm'],
    [total % 60, 's'],
  ] as const;
  return parts
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join('');
}

/**
 * The longest duration a timer can wait: Node turns a longer setTimeout delay into 1 ms (with a
 * TimeoutOverflowWarning), so "1000h" would end an attempt at once instead of never.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** A duration string with a unit, validated and turned into milliseconds. */
export const durationSchema = z
  .string({ error: 'expected a duration like "500ms", "15s" or "2m"' })
  .refine((text) => parseDuration(text) !== undefined, {
    error: (issue) => `expected a duration like "500ms", "15s" or "2m", got ${JSON.stringify(issue.input)}`,
  })
  .refine((text) => (parseDuration(text) ?? 0) <= MAX_DURATION_MS, {
    error: (issue) => `expected a duration of at most 596h (about 24 days), got ${JSON.stringify(issue.input)}`,
  })
  .transform((text) => parseDuration(text) as number)
  .meta({
    description: 'A duration with a unit: "250ms", "5s", "2m", "1h", or units combined largest first: "1m30s".',
    examples: ['500ms', '15s', '2m'],
    // For editors, which see the file before interpolation: a ${...} expression is accepted too.
    pattern: '^(?=\\d)(\\d+(\\.\\d+)?h)?(\\d+(\\.\\d+)?m(?!s))?(\\d+(\\.\\d+)?s)?(\\d+(\\.\\d+)?ms)?$|^.*\\$\\{[^}]+\\}.*$',
  });
