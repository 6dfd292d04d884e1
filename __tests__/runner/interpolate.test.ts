import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { interpolateString, interpolateTree, type InterpolationSources } from '../../runner/interpolate.js';

const sources: InterpolationSources = {
  env: { HOST: 'api.example.com', EMPTY: '', PORT: '8443', WITH_BRACE: 'a}b' },
  vars: { port: 8080, flag: false, on: true, name: 'hokusai', 'svc.name': 'dotted', ratio: 0.5 },
};

describe('interpolateString: values', () => {
  it.each<[string, string | number | boolean]>([
    ['plain text', 'plain text'],
    ['', ''],
    ['${env.HOST}', 'api.example.com'],
    ['https://${env.HOST}:${env.PORT}/health', 'https://api.example.com:8443/health'],
    ['${ env.HOST }', 'api.example.com'],
    ['${env.MISSING:-fallback}', 'fallback'],
    ['${env.MISSING:-}', ''],
    ['${env.MISSING:-a:b c-d}', 'a:b c-d'],
    ['${env.EMPTY:-used when empty}', 'used when empty'],
    ['${env.HOST:-not used}', 'api.example.com'],
    ['${env.WITH_BRACE}', 'a}b'],
    ['$${env.HOST}', '${env.HOST}'],
    ['$${not even valid', '${not even valid'],
    ['a $${x} and ${env.HOST}', 'a ${x} and api.example.com'],
    ['cost: $5', 'cost: $5'],
    ['$$', '$$'],
    ['$', '$'],
    ['trailing $', 'trailing $'],
    ['{env.HOST}', '{env.HOST}'],
    ['${vars.name}', 'hokusai'],
    ['${vars.svc.name}', 'dotted'],
    ['${vars.missing:-dflt}', 'dflt'],
    // A string that is exactly one variable keeps the variable's type.
    ['${vars.port}', 8080],
    ['${vars.flag}', false],
    ['${vars.on}', true],
    ['${vars.ratio}', 0.5],
    // Anything around it makes a string.
    ['port ${vars.port}', 'port 8080'],
    [' ${vars.port}', ' 8080'],
    ['${vars.port}${vars.flag}', '8080false'],
  ])('%j → %j', (text, expected) => {
    const result = interpolateString(text, sources);
    expect(result.problems).toEqual([]);
    expect(result.value).toStrictEqual(expected);
  });

  it('reports the env names it used (for defaults too)', () => {
    expect(interpolateString('${env.HOST} ${env.MISSING:-x} ${vars.name}', sources).envNames).toEqual(['HOST', 'MISSING']);
  });
});

describe('interpolateString: problems', () => {
  it.each<[string, string[]]>([
    ['${env.MISSING}', ['environment variable MISSING is not set', '${env.MISSING:-default}']],
    ['${env.EMPTY}', ['environment variable EMPTY is not set']],
    ['${vars.nope}', ['variable "nope" is not defined', '--var nope=VALUE', 'defined: port, flag']],
    ['${foo.bar}', ['cannot interpolate "${foo.bar}"', '${env.NAME}', '$${']],
    ['${HOST}', ['cannot interpolate "${HOST}"']],
    ['${}', ['cannot interpolate "${}"']],
    ['${env.}', ['cannot interpolate "${env.}"']],
    ['${env.1ABC}', ['cannot interpolate']],
    ['${env.HOST', ['unterminated "${"', 'write $${ for a literal']],
    ['ok ${vars.name} then ${oops', ['unterminated "${"']],
  ])('%j → a problem mentioning %j', (text, fragments) => {
    const result = interpolateString(text, sources);
    expect(result.problems).toHaveLength(1);
    for (const fragment of fragments) expect(result.problems[0]).toContain(fragment);
  });

  it('reports every problem in one string, not only the first', () => {
    const result = interpolateString('${env.A} ${env.B} ${vars.c}', sources);
    expect(result.problems).toHaveLength(3);
    expect(result.problems.join('\n')).toMatch(/A is not set[\s\S]*B is not set[\s\S]*"c" is not defined/);
  });

  it('does not list defined variables when there are none', () => {
    const [problem] = interpolateString('${vars.x}', { env: {}, vars: {} }).problems;
    expect(problem).toContain('--var x=VALUE');
    expect(problem).not.toContain('(defined:');
  });
});

describe('interpolateTree', () => {
  it('interpolates values at any depth, never keys, and keeps non-strings', () => {
    const tree = {
      '${env.HOST}': 'key stays',
      list: ['${env.HOST}', 3, null, true, { deep: ['${vars.port}'] }],
    };
    const result = interpolateTree(tree, sources);
    expect(result.problems).toEqual([]);
    expect(result.value).toEqual({ '${env.HOST}': 'key stays', list: ['api.example.com', 3, null, true, { deep: [8080] }] });
  });

  it('gives each problem the path of its value, under the base path', () => {
    const tree = { checks: [{ url: 'ok' }, { headers: { A: '${env.NOPE}' }, body: '${vars.nope}' }] };
    const result = interpolateTree(tree, sources, ['root']);
    expect(result.problems.map((p) => p.path)).toEqual([
      ['root', 'checks', 1, 'headers', 'A'],
      ['root', 'checks', 1, 'body'],
    ]);
    expect(result.envReferences).toEqual([{ name: 'NOPE', path: ['root', 'checks', 1, 'headers', 'A'] }]);
  });
});

describe('interpolateString properties', () => {
  const interesting = fc.string({
    unit: fc.constantFrom('$', '{', '}', '$$', '${', '$${', 'env.', 'vars.', ':-', 'HOST', 'port', 'x', ' ', '\n', '.', '\\'),
    maxLength: 30,
  });

  it.each([
    ['arbitrary strings', fc.string({ unit: 'binary', maxLength: 200 })],
    ['strings made of interpolation syntax', interesting],
  ])('never throws on %s, and always returns a value and a problem list', (_, arbitrary) => {
    fc.assert(
      fc.property(arbitrary, (text) => {
        const result = interpolateString(text, sources);
        expect(['string', 'number', 'boolean']).toContain(typeof result.value);
        expect(Array.isArray(result.problems)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves text without "$" unchanged and reports nothing', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('$')),
        (text) => {
          const result = interpolateString(text, sources);
          expect(result.value).toBe(text);
          expect(result.problems).toEqual([]);
        },
      ),
    );
  });

  it('escaping every "${" as "$${" gives back the original text, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('$', '{', '}', 'env.', 'x', ':-'), maxLength: 40 }), (text) => {
        const result = interpolateString(text.replaceAll('${', () => '$${'), { env: {}, vars: {} });
        expect(result.problems).toEqual([]);
        expect(result.value).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe('interpolateString: vars are the text they were written as', () => {
  const texts: InterpolationSources = {
    env: {},
    vars: { version: 1.1, two: 2, port: 8080, on: true },
    varTexts: { version: '1.10', two: '2.0', port: '8080', on: 'true' },
  };
  it.each<[string, string | number | boolean]>([
    ['v${vars.version}', 'v1.10'],
    ['/api/${vars.two}/', '/api/2.0/'],
    // Alone: the typed value only when it spells the same text.
    ['${vars.version}', '1.10'],
    ['${vars.two}', '2.0'],
    ['${vars.port}', 8080],
    ['${vars.on}', true],
    ['port ${vars.port}', 'port 8080'],
  ])('%j → %j', (text, expected) => {
    expect(interpolateString(text, texts).value).toStrictEqual(expected);
  });
});

describe('interpolateString: values that need an unset environment variable', () => {
  it('names the unset variable for each problem, and vars that depend on one', () => {
    const result = interpolateString('${env.NOPE}/${vars.base}/${env.SET}', { env: { SET: 'x' }, vars: { base: '' }, unknownVars: new Set(['base']) });
    expect(result.unsetEnv).toEqual(['NOPE', 'vars.base']);
    expect(result.issues).toEqual([{ message: expect.stringMatching(/^environment variable NOPE is not set/), unsetEnv: 'NOPE' }]);
  });

  it('interpolateTree lists the paths whose value is unknown', () => {
    const tree = interpolateTree({ a: '${env.NOPE}', b: ['ok', '${env.NOPE:-fallback}', 'x${env.NOPE}'] }, { env: {}, vars: {} });
    expect(tree.unknownPaths).toEqual([['a'], ['b', 2]]);
    expect(tree.problems.map((p) => p.unsetEnv)).toEqual(['NOPE', 'NOPE']);
  });
});
