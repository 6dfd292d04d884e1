/** The generated README reference lists nested keys (issue 16 item 8): `expect.status` and the like. */
import { describe, expect, it } from '@jest/globals';
import { renderReference } from '../scripts/reference.js';

function section(type: string): string {
  const text = renderReference();
  const start = text.indexOf(`#### \`${type}\``);
  const end = text.indexOf('#### ', start + 5);
  return text.slice(start, end === -1 ? undefined : end);
}

describe('README reference: nested keys', () => {
  it.each([
    ['http', ['expect.status', 'expect.maxLatency', 'expect.bodyContains', 'expect.bodyNotContains', 'expect.json']],
    ['exec', ['expect.exitCode', 'expect.stdoutContains', 'expect.stderrContains']],
  ])('%s lists its expect keys', (type, keys) => {
    const rows = section(type);
    expect(rows).toContain('| `expect` | mapping |');
    for (const key of keys) expect(rows).toMatch(new RegExp(`^\\| \`${key.replace('.', '\\.')}\` \\|`, 'm'));
  });

  it('marks a nested key required within its mapping', () => {
    expect(renderReference()).toMatch(/^\| `taskDefinition\.revision` \| [^|]+ \| yes \|/m);
  });
});
