import { describe, expect, it } from '@jest/globals';
import { isMachineReporter, isReporterName, render, reporterNames, shouldUseColor } from '../../../runner/reporters/index.js';
import { renderJson } from '../../../runner/reporters/json.js';
import { mixed } from '../../support/sample-reports.js';

describe('reporter registry', () => {
  it('knows exactly the four reporters', () => {
    expect([...reporterNames].sort()).toEqual(['github', 'json', 'junit', 'pretty']);
  });

  it.each(['pretty', 'json', 'junit', 'github', 'toString', 'constructor', 'tap', ''])('isReporterName(%j)', (name) => {
    expect(isReporterName(name)).toBe(['pretty', 'json', 'junit', 'github'].includes(name));
  });

  it.each([
    ['json', true],
    ['junit', true],
    ['pretty', false],
    ['github', false],
    ['tap', false],
    ['constructor', false],
  ])('isMachineReporter(%j) is %s', (name, machine) => {
    expect(isMachineReporter(name)).toBe(machine);
  });

  it('renders with the named reporter', () => {
    expect(render('json', mixed, { color: false })).toEqual(renderJson(mixed, { color: false }));
    expect(render('junit', mixed, { color: false }).text).toMatch(/^<\?xml /);
    expect(render('pretty', mixed, { color: false }).text).toContain('✗ FAILED hokusai-api-development');
  });

  it('returns a step summary from github only', () => {
    for (const name of reporterNames) {
      expect(render(name, mixed, { color: false }).stepSummary === undefined).toBe(name !== 'github');
    }
  });
});

describe('shouldUseColor', () => {
  it.each([
    [{ env: {}, isTTY: true }, true],
    [{ env: {}, isTTY: false }, false],
    [{ env: { NO_COLOR: '1' }, isTTY: true }, false],
    [{ env: { NO_COLOR: '' }, isTTY: true }, true],
    [{ env: { FORCE_COLOR: '1' }, isTTY: false }, true],
    [{ env: { FORCE_COLOR: '0' }, isTTY: true }, false],
    [{ env: { NO_COLOR: '1', FORCE_COLOR: '1' }, isTTY: true }, false],
    [{ env: { NO_COLOR: '1' }, isTTY: false, flag: true }, true],
    [{ env: {}, isTTY: true, flag: false }, false],
  ])('%j → %s', (options, expected) => {
    expect(shouldUseColor(options)).toBe(expected);
  });

  it('with NO_COLOR set, the pretty report on a terminal has no escape codes', () => {
    const color = shouldUseColor({ env: { NO_COLOR: '1' }, isTTY: true });
    expect(render('pretty', mixed, { color }).text).not.toContain('\u001b');
  });
});
