/**
 * The command table's parser: each command takes only its own flags, mistakes are usage errors
 * naming the command with a did-you-mean, and the parser's own text never reaches the user.
 */
import { describe, expect, it } from '@jest/globals';
import type { AnyCommand } from '../../scripts/cli/command.js';
import { COMMANDS } from '../../scripts/cli/commands/index.js';
import { parseCliArgs, type Invocation } from '../../scripts/cli/parse.js';
import { formatUsageError, UsageError } from '../../scripts/cli/usage-error.js';

const version = async () => 0;
const parse = (argv: string[]): Invocation => parseCliArgs(argv, COMMANDS, version);

function usageError(argv: string[]): UsageError {
  try {
    parse(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(argv)} parsed without a usage error`);
}

/** The first line a user sees for `argv`: `verify-deployment <command>: <message>`. */
async function shown(argv: string[]): Promise<string> {
  return (await formatUsageError(usageError(argv))).split('\n')[0]!;
}

describe('parsing: each command gets its own arguments', () => {
  it('run --cluster --service needs no file and carries the target', () => {
    expect(parse(['run', '--cluster', 'c', '--service', 's', '--url', 'https://x.test', '--region', 'eu-west-1']).args).toMatchObject({
      command: 'run',
      file: undefined,
      target: { cluster: 'c', service: 's', url: 'https://x.test', region: 'eu-west-1' },
    });
  });

  it('run takes every flag it documents', () => {
    const argv = ['run', 'a.yaml', '--var', 'k=v=w', '-r', 'json', '-o', 'junit=out.xml', '--only', 'a, b', '--only', 'c', '--fail-fast', '--timeout', '5m', '--concurrency', '3'];
    expect(parse([...argv, '--no-color', '--verbose']).args).toEqual({
      command: 'run',
      file: 'a.yaml',
      target: undefined,
      from: undefined,
      watch: false,
      interval: undefined,
      vars: { k: 'v=w' },
      reporters: ['json'],
      outs: [{ reporter: 'junit', path: 'out.xml' }],
      only: ['a', 'b', 'c'],
      failFast: true,
      timeout: '5m',
      concurrency: 3,
      color: false,
      verbose: true,
    });
  });

  it.each<[string, string[], Record<string, unknown>]>([
    ['run', ['run', 'a.yaml', '--publish-metrics', 'Deploy/Verify'], { publishMetrics: 'Deploy/Verify' }],
    ['a fleet run', ['run', '--cluster', 'c', '--all-services', '--publish-metrics', 'Deploy/Verify'], { publishMetrics: 'Deploy/Verify', fleet: expect.objectContaining({ cluster: 'c' }) }],
    ['a fleet run (--inconclusive)', ['run', '--cluster', 'c', '--all-services', '--inconclusive', 'pass'], { inconclusive: 'pass' }],
    ['gate', ['gate', '--cluster', 'c', '--service', 's', '--publish-metrics', 'Deploy/Gate'], { command: 'gate', publishMetrics: 'Deploy/Gate' }],
    ['a namespace with ":" after its first character (CloudWatch allows it)', ['run', 'a.yaml', '--publish-metrics', 'Deploy:Verify'], { publishMetrics: 'Deploy:Verify' }],
  ])('%s takes --publish-metrics / --inconclusive', (_what, argv, expected) => {
    expect(parse(argv).args).toMatchObject(expected);
  });

  it.each([
    [['run', '--cluster', 'c', '--all-services', '--publish-metrics', 'AWS/ECS'], /--publish-metrics expects a CloudWatch namespace/],
    [['gate', '--cluster', 'c', '--service', 's', '--publish-metrics', ':ab'], /--publish-metrics expects a CloudWatch namespace/],
    [['run', '--cluster', 'c', '--all-services', '--inconclusive', 'maybe'], /--inconclusive expects fail or pass/],
  ])('refuses %j', (argv, message) => {
    expect(usageError(argv).message).toMatch(message);
  });

  it('gate without --publish-metrics carries no namespace (the scenario key may still publish)', () => {
    expect(parse(['gate', '--cluster', 'c', '--service', 's']).args).not.toHaveProperty('publishMetrics');
  });

  it('init takes the same target', () => {
    expect(parse(['init', '--cluster', 'c', '--service', 's']).args).toEqual({ target: { cluster: 'c', service: 's', url: undefined, region: undefined } });
  });

  it('--watch, --interval and --from are parsed for run', () => {
    expect(parse(['run', 'a.yaml', '--watch', '--interval', '2s', '--from', 'targets healthy']).args).toMatchObject({ watch: true, interval: '2s', from: 'targets healthy' });
  });

  it.each([
    [['validate', 'a.yaml', '--var', 'baseUrl=http://127.0.0.1:1'], { files: ['a.yaml'], vars: { baseUrl: 'http://127.0.0.1:1' } }],
    [['validate', 'a.yaml', 'b.yaml'], { files: ['a.yaml', 'b.yaml'], vars: {} }],
    [['validate', '--', '--odd-name.yaml'], { files: ['--odd-name.yaml'], vars: {} }],
    // Flags may come before the command.
    [['--var', 'x=1', 'validate', 'a.yaml'], { files: ['a.yaml'], vars: { x: '1' } }],
    [['schema'], {}],
    [['demo'], { keep: false }],
    [['demo', '--keep'], { keep: true }],
    [['sandbox', 'up'], { action: 'up', state: 'missing-sg-rule' }],
    [['sandbox', 'up', '--state', 'healthy'], { action: 'up', state: 'healthy' }],
    [['sandbox', 'break'], { action: 'break', what: 'sg-rule' }],
    [['sandbox', 'break', 'both'], { action: 'break', what: 'both' }],
    [['sandbox', 'down'], { action: 'down' }],
    [['--no-color', 'run', 'a.yaml'], { command: 'run', file: 'a.yaml', color: false }],
    [['run', 'a.yaml', '--color'], { color: true }],
  ])('%j → %j', (argv, expected) => {
    expect(parse(argv).args).toMatchObject(expected);
  });
});

describe('help and version', () => {
  it.each([
    [[], undefined],
    [['--help'], undefined],
    [['-h'], undefined],
    [['help'], undefined],
    [['help', 'init'], 'init'],
    [['init', '--help'], 'init'],
    [['init', '-h'], 'init'],
    // --help wins over the mistakes it is asked to explain.
    [['validate', '--fail-fast', '--help'], 'validate'],
    [['--help', 'sandbox'], 'sandbox'],
  ])('%j is help about %s', (argv, topic) => {
    const invocation = parse(argv);
    expect({ name: invocation.name, args: invocation.args }).toEqual({ name: 'help', args: { topic } });
  });

  it.each([[['--version']], [['-v']]])('%j prints the version', (argv) => {
    expect(parse(argv).name).toBe('--version');
  });
});

/** Every flag that some command takes and `command` does not: each must be refused, naming `command`. */
const foreignFlags = COMMANDS.flatMap((command: AnyCommand) =>
  [...new Set(COMMANDS.flatMap((other) => Object.keys(other.flags)))].filter((flag) => !Object.hasOwn(command.flags, flag)).map((flag) => [command.name, flag] as const),
);

describe('a flag a command does not take is a usage error naming the command', () => {
  const minimal: Record<string, string[]> = { run: ['a.yaml'], validate: ['a.yaml'], init: ['--cluster', 'c', '--service', 's'], sandbox: ['status'] };
  const booleans = new Set(COMMANDS.flatMap((c) => Object.entries(c.flags as Record<string, { type: string }>).filter(([, f]) => f.type === 'boolean').map(([n]) => n)));

  it('covers every command', () => {
    expect(new Set(foreignFlags.map(([command]) => command))).toEqual(new Set(COMMANDS.map((c) => c.name)));
  });

  it.each(foreignFlags)('%s --%s', async (name, flag) => {
    const argv = [name, ...(minimal[name] ?? []), `--${flag}`, ...(booleans.has(flag) ? [] : ['x'])];
    const error = usageError(argv);
    expect(error.command).toBe(name);
    expect(await shown(argv)).toMatch(new RegExp(`^verify-deployment ${name}: unknown option --${flag}( \\(--${flag} is an option of [a-z, ]+\\))?$`));
  });
});

describe('mistakes get our own one-line message, never the parser text', () => {
  it.each([
    [['run', 'a.yaml', '--fail-fats'], 'verify-deployment run: unknown option --fail-fats; did you mean --fail-fast?'],
    [['run', 'a.yaml', '--reportr', 'json'], 'verify-deployment run: unknown option --reportr; did you mean --reporter?'],
    [['run', 'a.yaml', '--concurency', '2'], 'verify-deployment run: unknown option --concurency; did you mean --concurrency?'],
    [['validate', 'a.yaml', '--vars', 'a=b'], 'verify-deployment validate: unknown option --vars; did you mean --var?'],
    [['validate', 'a.yaml', '--fail-fast'], 'verify-deployment validate: unknown option --fail-fast (--fail-fast is an option of run)'],
    [['demo', '--kep'], 'verify-deployment demo: unknown option --kep; did you mean --keep?'],
    [['run', 'a.yaml', '-x'], 'verify-deployment run: unknown option -x'],
    [['run', 'a.yaml', '--frobnicate'], 'verify-deployment run: unknown option --frobnicate'],
    [['--fail-fast'], 'verify-deployment: unknown option --fail-fast (--fail-fast is an option of run)'],
    [['valdate', 'a.yaml'], 'verify-deployment: unknown command "valdate" (commands: run, gate, init, validate, schema, discover, summarize, demo, sandbox, help); did you mean validate?'],
    [['frobnicate'], 'verify-deployment: unknown command "frobnicate" (commands: run, gate, init, validate, schema, discover, summarize, demo, sandbox, help)'],
    [['sandbox', 'stauts'], 'verify-deployment sandbox: unknown action "stauts" (actions: up, break, fix, rollout, status, down); did you mean status?'],
    [['run', 'a.yaml', '--timeout'], 'verify-deployment run: --timeout needs a value'],
    [['run', 'a.yaml', '--var', '-x'], 'verify-deployment run: --var needs a value (to pass one that starts with "-", write --var=-x)'],
    [['run', 'a.yaml', '--fail-fast=yes'], 'verify-deployment run: --fail-fast takes no value, got "--fail-fast=yes"'],
    [['schema', 'extra'], 'verify-deployment schema: takes no arguments'],
    [['demo', 'extra'], 'verify-deployment demo: takes no arguments'],
  ])('%j', async (argv, line) => {
    const text = await formatUsageError(usageError(argv));
    expect(text.split('\n')[0]).toBe(line);
    expect(text).not.toMatch(/To specify|as in '|ambiguous|Unknown option '/);
  });

  it('points at the command’s own help', async () => {
    expect(await formatUsageError(usageError(['validate', 'a.yaml', '--nope']))).toBe(
      'verify-deployment validate: unknown option --nope\nRun "verify-deployment validate --help" for usage.\n',
    );
  });
});

describe('usage errors of the commands', () => {
  it.each([
    [['run'], 'needs a scenario file'],
    [['run', 'a.yaml', 'b.yaml'], 'takes one scenario file, got 2'],
    [['run', 'a.yaml', '--cluster', 'c', '--service', 's'], 'not both'],
    [['run', '--cluster', 'c'], '--cluster and --service go together'],
    [['run', 'a.yaml', '--url', 'https://x.test'], 'apply to --cluster/--service discovery'],
    [['run', '--cluster', 'c', '--service', 's', '--url', 'ftp://x'], 'expects an http(s) base URL'],
    [['run', 'a.yaml', '--from', 'x', '--only', 'y'], 'cannot be combined'],
    [['run', 'a.yaml', '--interval', '2s'], 'only applies with --watch'],
    [['run', 'a.yaml', '--concurrency', '65'], '--concurrency expects an integer from 1 to 64, got "65"'],
    [['run', 'a.yaml', '--out', 'report.json'], '--out expects NAME=VALUE'],
    [['validate'], 'needs at least one scenario file'],
    [['init', '--service', 's'], 'go together'],
    [['init'], 'needs --cluster and --service'],
    [['init', '--cluster', 'c', '--service', 's', 'out.yaml'], 'redirect its output'],
    [['sandbox'], 'needs an action'],
    [['sandbox', 'status', '--state', 'healthy'], '--state only applies to up'],
    [['sandbox', 'break', 'nonsense'], 'break takes sg-rule, secret, both or nothing, got "nonsense"'],
    [['sandbox', 'fix', 'now'], 'fix takes no argument'],
    [['sandbox', 'up', 'a', 'b'], 'takes an action and at most one argument, got 3'],
    [['help', 'run', 'init'], 'takes at most one command name'],
  ])('%j → %s', (argv, fragment) => {
    const error = usageError(argv);
    expect(error.message).toContain(fragment);
    expect(error.command).toBe(argv.find((a) => !a.startsWith('-')));
  });
});
