/** `verify-deployment discover`: a cluster's services, as the fan-out engines take them (GitHub matrix, Step Functions JSON lines). */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { fleetSelection, SELECTION_FLAGS, SELECTION_HELP } from '../fleet-flags.js';
import { UsageError } from '../usage-error.js';

const FORMATS = ['matrix', 'jsonl', 'json'] as const;
type Format = (typeof FORMATS)[number];

export const discover = defineCommand({
  name: 'discover',
  summary: "list a cluster's services for a fan-out engine: a GitHub Actions matrix, JSON lines, JSON",
  usage: [
    {
      lines: ['discover --cluster C [--region R] [--service-prefix P] [--exclude NAME]...', '--format matrix|jsonl|json [--chunk N]'],
      note: 'one {cluster, service} item per service',
    },
  ],
  flags: {
    cluster: { type: 'string' },
    region: { type: 'string' },
    ...SELECTION_FLAGS,
    format: { type: 'string' },
    chunk: { type: 'string' },
  },
  flagHelp: {
    cluster: { arg: 'C', text: 'ECS cluster whose services to list' },
    region: { arg: 'R', text: 'AWS region of the cluster (default: AWS_REGION)' },
    ...SELECTION_HELP,
    format: { arg: 'FORMAT', text: 'matrix: {"include":[{cluster, service}, …]}; jsonl: one item a line; json: an array' },
    chunk: { arg: 'N', text: 'matrix only: print the Nth matrix of at most 256 services (1-based)' },
  },
  positionals: { min: 0, max: 0, extra: () => 'takes no arguments' },
  details: `Every item is {"cluster": C, "service": S}, services sorted by name, on one line each.

--format matrix is a GitHub Actions matrix (strategy.matrix: \${{ fromJSON(...) }}). A matrix takes
at most 256 jobs: with more services, it prints a JSON array of matrices of at most 256 each and
says so on stderr; pick one per job with fromJSON(...)[i], or print a single one with --chunk N
(a --chunk past the last prints {"include":[]}).
--format jsonl is one item a line: the ItemReader input of a Step Functions Distributed Map
(InputType JSONL). --format json is the same items as one array.

Exit codes: 0 listed; 2 usage, no such cluster, or no service selected.`,
  parse(values) {
    const selection = fleetSelection(values, 'discover');
    const format = values.format;
    if (format === undefined) throw new UsageError(`needs --format (${FORMATS.join(', ')})`);
    if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown --format "${format}" (formats: ${FORMATS.join(', ')})`);
    let chunk: number | undefined;
    if (values.chunk !== undefined) {
      if (format !== 'matrix') throw new UsageError('--chunk applies to --format matrix');
      chunk = Number(values.chunk);
      if (!Number.isInteger(chunk) || chunk < 1) throw new UsageError(`--chunk expects a positive integer, got "${values.chunk}"`);
    }
    return { selection, format: format as Format, chunk };
  },
  async run({ selection, format, chunk }, context) {
    const { discoverFleetOutput } = await import('../fleet-discover.js');
    const output = await discoverFleetOutput(selection, { format, chunk, signal: context.signal, env: process.env });
    for (const warning of output.warnings) process.stderr.write(`${warning}\n`);
    process.stdout.write(output.text);
    return EXIT.passed;
  },
});
