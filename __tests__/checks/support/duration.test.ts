/**
 * Durations: parsing what scenarios write and printing what reports show, including the rounding
 * carry (119.6 s is "2m", never "1m60s") and a round trip over the whole timer range.
 */
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { durationSchema, formatDuration, MAX_DURATION_MS, parseDuration } from '../../../checks/support/duration.js';
import * as reexported from '../../../runner/duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h5m', 3_900_000],
    ['2h3m4s', 7_384_000],
    ['1m5ms', 60_005],
    [' 15s ', 15_000],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([[''], ['5'], ['m'], ['s'], ['1s1m'], ['2m30'], ['30 s'], ['1h1h'], ['-5s'], ['1.s'], ['fast']])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('is what runner/duration.js exports too (one implementation)', () => {
    expect(reexported.parseDuration).toBe(parseDuration);
    expect(reexported.formatDuration).toBe(formatDuration);
    expect(reexported.durationSchema).toBe(durationSchema);
  });

  it('matches the JSON Schema pattern editors use', () => {
    const pattern = new RegExp((durationSchema.meta() as { pattern: string }).pattern);
    for (const text of ['250ms', '1m30s', '2h', '${vars.timeout}']) expect(pattern.test(text)).toBe(true);
    for (const text of ['5', 'fast', '1s1m', '']) expect(pattern.test(text)).toBe(false);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [999.4, '999ms'],
    [999.6, '1s'],
    [2010, '2.01s'],
    [59_994, '59.99s'],
    [59_996, '1m'],
    [90_000, '1m30s'],
    [119_400, '1m59s'],
    [119_600, '2m'],
    [3_599_600, '1h'],
    [3_660_000, '1h1m'],
    [7_384_000, '2h3m4s'],
  ])('prints %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips over the whole timer range, with no unit ever at 60', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: MAX_DURATION_MS, noNaN: true }), (ms) => {
        const text = formatDuration(ms);
        // Rounding: to the ms below 1 s, to 10 ms below 1 min, to the second above.
        const tolerance = ms < 1000 ? 0.5 : ms < 60_000 ? 5 : 500;
        expect(Math.abs((parseDuration(text) ?? NaN) - ms)).toBeLessThanOrEqual(tolerance + 1e-6);
        // 60 seconds or 60 minutes never; 60ms is a plain duration.
        expect(text).not.toMatch(/(^|\D)60(\.0+)?(s|m(?!s))/);
        expect(text).not.toMatch(/(^|\D)1000ms/);
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips near every unit boundary', () => {
    const boundaries = [1000, 60_000, 3_600_000, 120_000, 7_200_000];
    fc.assert(
      fc.property(fc.constantFrom(...boundaries), fc.double({ min: -600, max: 600, noNaN: true }), (boundary, offset) => {
        const ms = boundary + offset;
        const text = formatDuration(ms);
        expect(text).not.toMatch(/(^|\D)60(\.0+)?[sm]|1000ms/);
        expect(Math.abs((parseDuration(text) ?? NaN) - ms)).toBeLessThanOrEqual(500);
      }),
    );
  });
});
