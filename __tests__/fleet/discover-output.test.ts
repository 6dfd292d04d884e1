/**
 * Which services a fleet covers and how `discover` prints them: sorted and filtered names, GitHub
 * matrices cut at 256 (300 services → 256 + 44, as an array or one --chunk), JSON lines one
 * object a line, plain JSON. Pure functions, fed generated names.
 */
import { describe, expect, it } from '@jest/globals';
import { chunk, selectServices, serviceNameOf, unknownExclusions } from '../../runner/fleet/select.js';
import { formatItems, MATRIX_LIMIT, type FleetItem } from '../../scripts/cli/fleet-discover.js';

const items = (count: number): FleetItem[] => Array.from({ length: count }, (_, i) => ({ cluster: 'prod', service: `svc-${String(i).padStart(3, '0')}` }));

describe('selectServices', () => {
  const names = ['web', 'api-orders', 'api-users', 'worker', 'api-admin', 'api-users'];

  it.each([
    [{}, ['api-admin', 'api-orders', 'api-users', 'web', 'worker']],
    [{ prefix: 'api-' }, ['api-admin', 'api-orders', 'api-users']],
    [{ exclude: ['web', 'api-admin'] }, ['api-orders', 'api-users', 'worker']],
    [{ prefix: 'api-', exclude: ['api-users'] }, ['api-admin', 'api-orders']],
    [{ prefix: 'nothing-' }, []],
  ])('%j → %j (sorted, duplicates once)', (selection, expected) => {
    expect(selectServices(names, selection)).toEqual(expected);
  });

  it('names the exclusions that match no service', () => {
    expect(unknownExclusions(names, ['web', 'wbe'])).toEqual(['wbe']);
  });

  it.each([
    ['arn:aws:ecs:eu-west-1:123456789012:service/prod/api', 'api'],
    ['arn:aws:ecs:eu-west-1:123456789012:service/api', 'api'],
    ['api', 'api'],
  ])('%s is service %s', (arn, name) => {
    expect(serviceNameOf(arn)).toBe(name);
  });
});

describe('chunk', () => {
  it.each([
    [0, 256, []],
    [256, 256, [256]],
    [257, 256, [256, 1]],
    [300, 256, [256, 44]],
    [600, 256, [256, 256, 88]],
  ])('%i items in chunks of %i → sizes %j', (count, size, sizes) => {
    const chunks = chunk(items(count), size);
    expect(chunks.map((c) => c.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(items(count));
  });

  it('refuses a size below 1', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});

describe('discover --format', () => {
  it('matrix: one {"include": [...]} on one line when it fits', () => {
    const output = formatItems(items(3), { format: 'matrix' });
    expect(output.text.endsWith('\n')).toBe(true);
    expect(output.text.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(output.text)).toEqual({ include: items(3) });
    expect(output.warnings).toEqual([]);
  });

  it(`matrix: 300 services → an array of two matrices (${MATRIX_LIMIT} + 44), with a warning saying how to use them`, () => {
    const output = formatItems(items(300), { format: 'matrix' });
    const matrices = JSON.parse(output.text) as { include: FleetItem[] }[];
    expect(matrices.map((m) => m.include.length)).toEqual([256, 44]);
    expect(matrices.flatMap((m) => m.include)).toEqual(items(300));
    expect(output.warnings).toHaveLength(1);
    expect(output.warnings[0]).toMatch(/^verify-deployment discover: warning: 300 services .* 2 matrices \(256 \+ 44\).*fromJSON\(output\)\[0\] … \[1\].*--chunk 1 … --chunk 2/);
  });

  it.each([
    [1, 256],
    [2, 44],
    [3, 0],
  ])('matrix --chunk %i of 300 services: one matrix of %i, and a warning that the others exist', (n, size) => {
    const output = formatItems(items(300), { format: 'matrix', chunk: n });
    const matrix = JSON.parse(output.text) as { include: FleetItem[] };
    expect(matrix.include).toEqual(items(300).slice((n - 1) * 256, (n - 1) * 256 + size));
    expect(output.warnings[0]).toContain(`this is --chunk ${n} (${size} services)`);
  });

  it('matrix --chunk 1 when everything fits: no warning', () => {
    expect(formatItems(items(10), { format: 'matrix', chunk: 1 }).warnings).toEqual([]);
  });

  it('warns as a workflow command under GitHub Actions', () => {
    const output = formatItems(items(300), { format: 'matrix', env: { GITHUB_ACTIONS: 'true' } });
    expect(output.warnings[0]).toMatch(/^::warning title=verify-deployment discover::300 services/);
  });

  it('jsonl: one {cluster, service} object a line, nothing else', () => {
    const output = formatItems(items(300), { format: 'jsonl' });
    const lines = output.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(300);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(items(300));
  });

  it('json: the same items as one array', () => {
    expect(JSON.parse(formatItems(items(5), { format: 'json' }).text)).toEqual(items(5));
  });
});
