import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses "250ms", "5s", "1.5s", "2m", "1h" into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/** Formats milliseconds the way people read them: 850ms, 2.01s, 1m30s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
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
    description: 'A duration with a unit: "250ms", "5s", "2m", "1h".',
    examples: ['500ms', '15s', '2m'],
    // For editors, which see the file before interpolation: a ${...} expression is accepted too.
    pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h)|.*\\$\\{[^}]+\\}.*)$',
  });
