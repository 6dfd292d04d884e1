import { describe, expect, it } from '@jest/globals';
import { trailingWindow } from '../../../checks/support/cloudwatch.js';

describe('trailingWindow', () => {
  const now = Date.parse('2026-11-29T21:50:42.750Z');

  it.each([
    ['5m', 5 * 60_000, '2026-11-29T21:45:00.000Z', '2026-11-29T21:50:00.000Z'],
    ['1m', 60_000, '2026-11-29T21:49:00.000Z', '2026-11-29T21:50:00.000Z'],
    // Under a minute: high-resolution data up to now (to the second), not the previous minute's tail.
    ['10s', 10_000, '2026-11-29T21:50:32.000Z', '2026-11-29T21:50:42.000Z'],
    ['59s', 59_000, '2026-11-29T21:49:43.000Z', '2026-11-29T21:50:42.000Z'],
  ])('a %s window ends at the right boundary', (_label, lengthMs, start, end) => {
    const window = trailingWindow(lengthMs, now);
    expect([window.start.toISOString(), window.end.toISOString()]).toEqual([start, end]);
  });
});
