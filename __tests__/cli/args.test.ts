import { describe, expect, it } from '@jest/globals';
import { parseCliArgs, UsageError } from '../../scripts/cli/args.js';

describe('parseCliArgs: discovery and runbook flags', () => {
  it('run --cluster --service needs no file and carries the target', () => {
    expect(parseCliArgs(['run', '--cluster', 'c', '--service', 's', '--url', 'https://x.test', '--region', 'eu-west-1'])).toMatchObject({
      command: 'run',
      file: undefined,
      target: { cluster: 'c', service: 's', url: 'https://x.test', region: 'eu-west-1' },
    });
  });

  it('init takes the same target', () => {
    expect(parseCliArgs(['init', '--cluster', 'c', '--service', 's'])).toEqual({ command: 'init', target: { cluster: 'c', service: 's', url: undefined, region: undefined } });
  });

  it('--watch, --interval and --from are parsed for run', () => {
    expect(parseCliArgs(['run', 'a.yaml', '--watch', '--interval', '2s', '--from', 'targets healthy'])).toMatchObject({ watch: true, interval: '2s', from: 'targets healthy' });
  });

  it('validate takes --var', () => {
    expect(parseCliArgs(['validate', 'a.yaml', '--var', 'baseUrl=http://127.0.0.1:1'])).toEqual({ command: 'validate', files: ['a.yaml'], vars: { baseUrl: 'http://127.0.0.1:1' } });
  });

  it.each([
    [['run', 'a.yaml', '--cluster', 'c', '--service', 's'], 'not both'],
    [['run', '--cluster', 'c'], '--cluster and --service go together'],
    [['run', 'a.yaml', '--url', 'https://x.test'], 'apply to --cluster/--service discovery'],
    [['run', '--cluster', 'c', '--service', 's', '--url', 'ftp://x'], 'expects an http(s) base URL'],
    [['run', 'a.yaml', '--from', 'x', '--only', 'y'], 'cannot be combined'],
    [['run', 'a.yaml', '--interval', '2s'], 'only applies with --watch'],
    [['init', '--service', 's'], 'go together'],
    [['init'], 'init needs --cluster and --service'],
    [['init', '--cluster', 'c', '--service', 's', 'out.yaml'], 'redirect its output'],
  ])('%j is a usage error mentioning %s', (argv, fragment) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(fragment);
  });
});
