/**
 * Warnings (configuration smells) on a check: every reporter shows them, none changes a verdict,
 * and a report without any renders exactly as before (the goldens pin that).
 */
import { describe, expect, it } from '@jest/globals';
import { render } from '../../../runner/reporters/index.js';
import type { RunReport } from '../../../runner/result.js';
import { allPassed } from '../../support/sample-reports.js';

const WARNING = 'REDIS_URL (container app) has no scheme: "master.redis.use1.cache.amazonaws.com:6379"';
const HOSTILE = 'API_URL has no scheme: "x"\n::error::forged\u001b[31m';

function withWarnings(warnings: string[]): RunReport {
  const [first, ...rest] = allPassed.checks;
  return { ...allPassed, checks: [{ ...first!, warnings }, ...rest] };
}

describe('warnings in every reporter', () => {
  const report = withWarnings([WARNING]);
  const name = report.checks[0]!.name;

  it('json: checks[].warnings, absent when there are none', () => {
    const document = JSON.parse(render('json', report, { color: false }).text);
    expect(document.checks[0].warnings).toEqual([WARNING]);
    expect(document.checks[1]).not.toHaveProperty('warnings');
    expect(document.status).toBe('passed');
  });

  it('pretty: a Warnings block after the verdict', () => {
    const text = render('pretty', report, { color: false }).text;
    expect(text).toContain(`Warnings:\n  ⚠ ${name}: ${WARNING}\n`);
    expect(text.indexOf('Warnings:')).toBeGreaterThan(text.indexOf('passed'));
  });

  it('github: one ::warning annotation per warning', () => {
    const text = render('github', report, { color: false }).text;
    expect(text).toContain(`::warning title=${name}%3A warning`);
    expect(text).toContain(`::${WARNING}`);
    expect(text).not.toMatch(/^::error/m);
  });

  it('junit: system-out of the test case, which stays a pass', () => {
    const text = render('junit', report, { color: false }).text;
    expect(text).toContain(`<system-out>warning: ${WARNING.replace(/"/g, '"')}</system-out>`);
    expect(text).not.toContain('<failure');
  });

  it('untrusted text in a warning cannot become a CI command or a terminal escape', () => {
    const hostile = withWarnings([HOSTILE]);
    expect(render('github', hostile, { color: false }).text).not.toMatch(/^::error::forged/m);
    expect(render('pretty', hostile, { color: false }).text).not.toContain('\u001b[31m');
  });

  it('a report without warnings renders as before', () => {
    for (const reporter of ['json', 'pretty', 'github', 'junit'] as const) {
      expect(render(reporter, withWarnings([]), { color: false }).text).toBe(render(reporter, allPassed, { color: false }).text);
    }
  });
});
