/**
 * Property tests of the loader (parseScenario: YAML, interpolation, validation, needs): whatever the
 * text, it returns a Scenario or throws a ScenarioError whose problems all have a position and a
 * message — never any other exception (a TypeError, a RangeError from a stack overflow, ...).
 * The generators go from raw strings to YAML made of YAML's own tokens (anchors, aliases, merges,
 * flow and block collections) to documents shaped like scenarios, with values mixed from valid and
 * broken ones, so validation, interpolation and needs are reached, not only the YAML parser.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { checkTypes } from '../../checks/index.js';
import { MAX_DURATION_MS } from '../../runner/duration.js';
import { parseScenario } from '../../runner/load.js';
import { ScenarioError } from '../../runner/problems.js';
import { orderByNeeds } from '../../runner/run.js';
import type { PlannedCheck, Scenario } from '../../runner/scenario.js';
import { scenarioFrom } from '../support/fake-checks.js';

// A fixed seed keeps `npm test` deterministic; FC_SEED=<n> (or a counterexample's seed) explores others.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20_250_612) });

const ENV = { API_TOKEN: 'tok-123', BASE: 'http://127.0.0.1:8080', EMPTY: '' };

type Outcome = { scenario: Scenario } | { error: ScenarioError };

/** Parses `text`; fails the property on anything but a Scenario or a well-formed ScenarioError. */
function parse(text: string, vars?: Record<string, string>): Outcome {
  let outcome: Outcome;
  try {
    outcome = { scenario: parseScenario(text, { checkTypes, env: ENV, vars, displayName: 'prop.yaml', dir: '/tmp' }) };
  } catch (error) {
    if (!(error instanceof ScenarioError)) {
      throw new Error(`parseScenario threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)} (not a ScenarioError) for ${JSON.stringify(text.slice(0, 500))}`);
    }
    outcome = { error };
  }
  if ('error' in outcome) {
    expect(outcome.error.problems.length).toBeGreaterThan(0);
    for (const problem of outcome.error.problems) {
      expect(problem.file).toBe('prop.yaml');
      expect(Number.isInteger(problem.line) && problem.line >= 1).toBe(true);
      expect(Number.isInteger(problem.column) && problem.column >= 1).toBe(true);
      expect(typeof problem.message).toBe('string');
      expect(problem.message.length).toBeGreaterThan(0);
    }
  } else {
    const { scenario } = outcome;
    const names = new Set(scenario.checks.map((c) => c.name));
    expect(names.size).toBe(scenario.checks.length);
    for (const check of scenario.checks) {
      expect(check.timeoutMs).toBeGreaterThan(0);
      expect(check.timeoutMs).toBeLessThanOrEqual(MAX_DURATION_MS);
      for (const need of check.needs) expect(names.has(need) && need !== check.name).toBe(true);
    }
  }
  return outcome;
}

const yamlText = (value: unknown, collectionStyle: 'any' | 'block' | 'flow') => stringify(value, { collectionStyle }) ?? '';

describe('parseScenario never throws anything but a ScenarioError', () => {
  it.each([
    ['printable strings', fc.string({ maxLength: 300 })],
    ['any characters (unicode, control, lone surrogates)', fc.string({ unit: 'binary', maxLength: 300 })],
    [
      'strings of YAML tokens (anchors, aliases, merges, flow and block collections)',
      fc.string({
        unit: fc.constantFrom(
          '&a ', '&b ', '*a', '*b', '<<: ', '[', ']', '{', '}', ', ', ': ', '- ', '? ', '\n', '  ', '    ', '"', "'", '#', '|', '>',
          '!!str ', '!!binary ', '---\n', '...\n', 'name', 'checks', 'type', 'http', 'url', 'needs', 'vars', '${vars.a}', '${env.API_TOKEN}', '${', '}', '%YAML 1.2\n', '\t', 'x',
        ),
        maxLength: 80,
      }),
    ],
  ])('%s', (_name, text) => {
    fc.assert(
      fc.property(text, (t) => {
        parse(t);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['fc.anything', fc.anything({ maxDepth: 4 })],
    ['fc.object', fc.object({ maxDepth: 4 })],
    ['a mapping with name and checks of anything', fc.record({ name: fc.anything({ maxDepth: 1 }), checks: fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 4 }) })],
  ])('YAML documents serialized from %s', (_name, value) => {
    fc.assert(
      fc.property(value, fc.constantFrom('any', 'block', 'flow') as fc.Arbitrary<'any' | 'block' | 'flow'>, (v, style) => {
        parse(yamlText(v, style));
      }),
      { numRuns: 400 },
    );
  });

  // A valid scenario (names unique, needs known, values of the right types, interpolations that
  // resolve), then zero to two mutations that put a broken or odd value somewhere, so generated
  // documents reach validation, interpolation and the needs graph, and a good share is valid.
  const junk = fc.anything({ maxDepth: 2 });
  const durations = fc.constantFrom('1s', '500ms', '2m', '1h', '596h', '1.5s', '${vars.t}', '${env.NOPE:-3s}');
  const urls = fc.constantFrom('http://127.0.0.1:1/', '${env.BASE}/health', '${vars.base}/x', '${env.NOPE:-http://127.0.0.1/}', 'http://127.0.0.1/$${literal}');
  const validCheck = fc.record(
    {
      name: fc.constantFrom('a', 'b', 'c', 'service stable', 'd'),
      type: fc.constant('http'),
      url: urls,
      needs: fc.constantFrom([], ['service stable']),
      timeout: durations,
      retry: fc.record({ attempts: fc.integer({ min: 1, max: 5 }), interval: durations, within: durations, backoff: fc.constantFrom(1, 1.5, 2) }, { requiredKeys: [] }),
      expect: fc.record({ status: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.array(fc.integer({ min: 100, max: 599 }), { minLength: 1, maxLength: 3 })), maxLatency: durations }, { requiredKeys: [] }),
      headers: fc.dictionary(fc.constantFrom('Authorization', 'X-API-Key', 'Accept'), fc.constantFrom('Bearer ${env.API_TOKEN}', 'k-${vars.name}', 'text/plain')),
    },
    { requiredKeys: ['name', 'type', 'url'] },
  );
  const validScenario = fc.record({
    name: fc.constantFrom('s', 'scenario ${vars.name}'),
    vars: fc.record({ base: fc.constantFrom('http://127.0.0.1:1', '${env.BASE}'), t: fc.constantFrom('2s', '250ms'), name: fc.constantFrom('n', 7, true) }),
    secrets: fc.constantFrom([], ['API_TOKEN'], ['API_TOKEN', 'NOPE']),
    checks: fc
      .uniqueArray(validCheck, { selector: (c) => c.name, minLength: 1, maxLength: 4 })
      // needs must name a check that exists (and is not itself): keep it only when it does.
      .map((checks) => checks.map((c) => (c.needs?.length && (c.name === 'service stable' || !checks.some((o) => o.name === 'service stable')) ? { ...c, needs: [] } : c))),
  });
  const broken = fc.oneof(
    junk,
    fc.constantFrom('', ' ', 'a'.repeat(201), '597h', '1000h', '0s', '-1s', '10', 'soon', '99999999999999999999h', '${env.NOPE}', '${', '${vars.}', '${foo.bar}', '${env.EMPTY}', '/relative', 'HTTP', 'nope', 'c', ['a', 'a'], ['zzz'], [1], { status: 99 }),
  );
  const mutation = fc.record({
    where: fc.constantFrom('top', 'check'),
    key: fc.constantFrom('name', 'type', 'url', 'needs', 'timeout', 'retry', 'expect', 'headers', 'vars', 'secrets', 'defaults', 'aws', 'checks', 'retries', 'description', 'version'),
    value: broken,
  });
  const scenario = fc.tuple(validScenario, fc.array(mutation, { maxLength: 2 })).map(([doc, mutations]) => {
    const out: Record<string, unknown> = { ...doc, checks: doc.checks.map((c) => ({ ...c })) };
    for (const { where, key, value } of mutations) {
      if (where === 'top') out[key] = value;
      else if (Array.isArray(out.checks) && out.checks[0] && typeof out.checks[0] === 'object') (out.checks[0] as Record<string, unknown>)[key] = value;
    }
    return out;
  });

  it('scenario-shaped documents, valid or mutated, with --var overrides', () => {
    let valid = 0;
    fc.assert(
      fc.property(
        scenario,
        fc.constantFrom('any', 'block', 'flow') as fc.Arbitrary<'any' | 'block' | 'flow'>,
        // --var overrides: strings that keep a declared number or boolean var's type when they can.
        fc.dictionary(fc.constantFrom('base', 'name', 't', 'x'), fc.constantFrom('http://127.0.0.1', '5s', 'n', '8', 'false', '', '${env.API_TOKEN}'), { maxKeys: 2 }),
        (doc, style, vars) => {
          if ('scenario' in parse(yamlText(doc, style), vars)) valid += 1;
        },
      ),
      { numRuns: 500 },
    );
    // The generator must reach valid scenarios too, or the property only ever tested rejections.
    expect(valid).toBeGreaterThan(25);
  });
});

describe('the nesting limit does not reject real nesting', () => {
  // Every value up to 20 levels deep, in every YAML collection style the serializer writes (block
  // scalars, quoted strings with brackets, flow collections): never "nested more than 100 levels".
  it('holds for serialized values up to 20 levels deep', () => {
    const deepish = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('[[[[', '{{{{', '- - -', '? ? ?', 'a: [b', "it's", '"quoted"', 'line\n[[[[\n{{{{'), fc.integer(), fc.boolean(), fc.constant(null)),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(deepish, fc.constantFrom('any', 'block', 'flow') as fc.Arbitrary<'any' | 'block' | 'flow'>, (value, style) => {
        const outcome = parse(yamlText({ name: 'n', vars: { v: value }, checks: [{ name: 'a', type: 'http', url: 'http://127.0.0.1/', json: value }] }, style));
        if ('error' in outcome) expect(outcome.error.problems.map((p) => p.message).filter((m) => m.includes('nested more than'))).toEqual([]);
      }),
      { numRuns: 600 },
    );
  });

  it.each([
    ['flow lists', (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`],
    ['flow mappings', (n: number) => `${'{a: '.repeat(n)}1${'}'.repeat(n)}`],
  ])('a request body of %s 90 levels deep is accepted; 120 levels is one clear problem', (_name, nest) => {
    const doc = (n: number) => `name: deep\nchecks:\n  - name: a\n    type: http\n    method: POST\n    url: http://127.0.0.1/\n    json: ${nest(n)}\n`;
    expect('scenario' in parse(doc(90))).toBe(true);
    const rejected = parse(doc(120));
    expect('error' in rejected && rejected.error.problems.map((p) => [p.line, p.message])).toEqual([[7, 'YAML nested more than 100 levels deep: flatten it (is this the right file?)']]);
  });
});

describe('needs: validated and ordered without recursion limits', () => {
  // Both the cycle check (load) and the ordering (run) walked needs recursively: a chain of ~8,000
  // overflowed the stack (RangeError, an internal error in the CLI instead of a verdict).
  it('a chain of 10,000 checks, each needing the next, validates and runs the last one first', () => {
    const links = 10_000;
    const yaml = `name: chain\nchecks:\n${Array.from({ length: links }, (_, i) => `  - { name: c${i}, type: fake, outcomes: [pass]${i + 1 < links ? `, needs: [c${i + 1}]` : ''} }`).join('\n')}\n`;
    const scenario = scenarioFrom(yaml);
    const order = orderByNeeds(scenario.checks).map((c) => c.name);
    expect(order).toHaveLength(links);
    expect(order.slice(0, 2)).toEqual([`c${links - 1}`, `c${links - 2}`]);
    expect(order.at(-1)).toBe('c0');
  });

  it('orders any acyclic needs graph so every check comes after what it needs, keeping file order otherwise', () => {
    // Check i may only need checks with a higher index: acyclic by construction, in any file order.
    const graph = fc.integer({ min: 1, max: 30 }).chain((n) =>
      fc.tuple(
        fc.array(fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 3 }), { minLength: n, maxLength: n }),
        fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      ),
    );
    fc.assert(
      fc.property(graph, ([needsOf, fileOrder]) => {
        const checks = fileOrder.map((i) => ({ name: `c${i}`, needs: [...new Set(needsOf[i]!.filter((j) => j > i).map((j) => `c${j}`))] }) as unknown as PlannedCheck);
        const order = orderByNeeds(checks).map((c) => c.name);
        expect([...order].sort()).toEqual(checks.map((c) => c.name).sort());
        for (const check of checks) for (const need of check.needs) expect(order.indexOf(need)).toBeLessThan(order.indexOf(check.name));
        // Without needs, file order is kept.
        if (checks.every((c) => c.needs.length === 0)) expect(order).toEqual(checks.map((c) => c.name));
      }),
      { numRuns: 300 },
    );
  });
});
