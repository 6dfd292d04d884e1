/**
 * JSONPath results do not change shape with the number of matches: a wildcard, filter, recursive,
 * slice or union path always yields a list; a definite path yields the value.
 */
import { describe, it, expect } from '@jest/globals';
import { evaluatePath, isDefinitePath, jsonVerdicts } from '../../checks/support/http-expectations.js';

const DOCUMENTS = {
  0: { targets: [] as { state: string }[] },
  1: { targets: [{ state: 'healthy' }] },
  2: { targets: [{ state: 'healthy' }, { state: 'draining' }] },
};

// path kind, path, and what it yields with 0, 1 and 2 targets.
const LIST_PATHS: [kind: string, path: string][] = [
  ['wildcard', '$.targets[*].state'],
  ['filter', '$.targets[?(@.state)].state'],
  ['recursive descent', '$..state'],
  ['slice', '$.targets[0:5].state'],
  ['union', '$.targets[0,1].state'],
  ['bracket wildcard', "$['targets'][*]['state']"],
];
const EXPECTED_LISTS = { 0: [], 1: ['healthy'], 2: ['healthy', 'draining'] };

describe('JSONPath shape', () => {
  it.each(LIST_PATHS.flatMap(([kind, path]) => ([0, 1, 2] as const).map((n) => [kind, path, n] as const)))(
    '%s %s with %d match(es) → always a list',
    (_kind, path, n) => {
      expect(isDefinitePath(path)).toBe(false);
      expect(evaluatePath(DOCUMENTS[n], path)).toEqual({ found: n > 0, value: EXPECTED_LISTS[n] });
    },
  );

  it.each([
    ['index', '$.targets[0].state', { 0: undefined, 1: 'healthy', 2: 'healthy' }],
    ['bracket index', "$['targets'][1]['state']", { 0: undefined, 1: undefined, 2: 'draining' }],
    ['a member that is itself a list', '$.targets', { 0: [], 1: DOCUMENTS[1].targets, 2: DOCUMENTS[2].targets }],
  ] as const)('definite path (%s) %s → the value itself', (_kind, path, values) => {
    expect(isDefinitePath(path)).toBe(true);
    for (const n of [0, 1, 2] as const) {
      const found = values[n] !== undefined;
      expect(evaluatePath(DOCUMENTS[n], path)).toEqual({ found, value: values[n] });
    }
  });

  it.each([
    ['$', true],
    ['$.a.b', true],
    ['$.a[0]', true],
    ["$['a b']", true],
    ['$.a.length', true],
    ['$.*', false],
    ['$.a[*]', false],
    ['$..a', false],
    ['$.a[1:]', false],
    ['$.a[0,2]', false],
    ['$.a[?(@.x > 1)]', false],
    ['$.a[(@.length-1)]', false],
    ['$.a^', false],
    ['$.a.*~', false],
  ])('isDefinitePath(%s) → %s', (path, definite) => {
    expect(isDefinitePath(path)).toBe(definite);
  });
});

describe('JSON expectations over 0, 1 and 2 targets', () => {
  const body = (n: 0 | 1 | 2) => JSON.stringify(DOCUMENTS[n]);

  it('one expectation on a wildcard path works for any count (the list form)', () => {
    expect(jsonVerdicts(body(1), { '$.targets[*].state': ['healthy'] })[0]!.observation.ok).toBe(true);
    expect(jsonVerdicts(body(2), { '$.targets[*].state': ['healthy', 'draining'] })[0]!.observation.ok).toBe(true);
    // The bare value never matches a list path, with one target as with two.
    expect(jsonVerdicts(body(1), { '$.targets[*].state': 'healthy' })[0]).toMatchObject({
      observation: { ok: false, actual: '["healthy"]' },
      reason: '$.targets[*].state ["healthy"] != "healthy"',
    });
  });

  it.each([
    [0, { exists: false }, true],
    [0, { exists: true }, false],
    [1, { exists: true }, true],
    [2, { exists: true }, true],
    [0, [], true],
  ] as const)('%d target(s): $.targets[*].state %j → ok %s', (n, expected, ok) => {
    expect(jsonVerdicts(body(n), { '$.targets[*].state': expected })[0]!.observation.ok).toBe(ok);
  });

  it('a definite path that matches nothing is "missing"', () => {
    expect(jsonVerdicts(body(0), { '$.targets[0].state': 'healthy' })[0]).toMatchObject({
      observation: { ok: false, actual: 'missing' },
      reason: '$.targets[0].state missing (expected "healthy")',
    });
  });
});
