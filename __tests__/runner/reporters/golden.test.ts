import { describe, it } from '@jest/globals';
import { render, reporterNames, type ReporterName, type ReporterOptions } from '../../../runner/reporters/index.js';
import { expectGolden } from '../../golden/golden.js';
import { sampleReports, type SampleName } from '../../support/sample-reports.js';

const EXTENSION: { [K in ReporterName]: string } = { pretty: 'txt', json: 'json', junit: 'xml', github: 'txt' };
const OPTIONS: ReporterOptions = { color: false, cwd: '/repo' };

const fixtures = Object.keys(sampleReports) as SampleName[];
const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

describe.each(fixtures)('fixture %s', (fixture) => {
  const report = sampleReports[fixture];

  it.each(reporterNames)('%s output matches its golden file', (reporter) => {
    expectGolden(`${kebab(fixture)}.${reporter}.${EXTENSION[reporter]}`, render(reporter, report, OPTIONS).text);
  });

  it('github step summary matches its golden file', () => {
    expectGolden(`${kebab(fixture)}.github-summary.md`, render('github', report, OPTIONS).stepSummary ?? '');
  });
});

describe('pretty variants', () => {
  it('with colour matches its golden file', () => {
    expectGolden('with-root-cause.pretty-color.txt', render('pretty', sampleReports.withRootCause, { ...OPTIONS, color: true }).text);
  });

  // No width (a file, a pipe: the fixtures above) cuts nothing; a terminal's width wraps messages
  // in their column, or moves them under the row when fewer than 40 columns are left.
  it.each([
    ['nasty', 60],
    ['withRootCause', 80],
    ['withRootCause', 100],
  ] as const)('%s in a %i-column terminal matches its golden file', (fixture, width) => {
    expectGolden(`${kebab(fixture)}.pretty-${width}-columns.txt`, render('pretty', sampleReports[fixture], { ...OPTIONS, width }).text);
  });

  it('without cwd keeps absolute paths', () => {
    expectGolden('mixed.pretty-no-cwd.txt', render('pretty', sampleReports.mixed, { color: false }).text);
  });
});
