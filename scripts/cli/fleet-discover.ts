/** What `discover` prints: the selected services as a GitHub matrix (chunked at 256), JSON lines, or JSON. */
import { describeSelection, type FleetSelection } from './fleet-flags.js';
import { UsageError } from './usage-error.js';

/** A GitHub Actions matrix takes at most this many jobs. */
export const MATRIX_LIMIT = 256;

export interface DiscoverOutputOptions {
  format: 'matrix' | 'jsonl' | 'json';
  /** 1-based matrix to print (matrix only). */
  chunk?: number;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
}

export interface FleetItem {
  cluster: string;
  service: string;
}

/** The text to print and the warnings for stderr (workflow-command warnings under GitHub Actions). */
export interface DiscoverOutput {
  text: string;
  warnings: string[];
}

function warning(text: string, env: Record<string, string | undefined>): string {
  // Our own words and numbers only (no service names): safe as a workflow command.
  return env.GITHUB_ACTIONS === 'true' ? `::warning title=verify-deployment discover::${text}` : `verify-deployment discover: warning: ${text}`;
}

/**
 * The output for `items` in `options.format`. Pure.
 * matrix: one `{"include":[…]}` when it fits in MATRIX_LIMIT; else a JSON array of such matrices
 * (with a warning saying how many and how to use them), or, with `chunk`, that one matrix.
 */
export function formatItems(items: readonly FleetItem[], options: Omit<DiscoverOutputOptions, 'signal'>): DiscoverOutput {
  const env = options.env ?? {};
  if (options.format === 'jsonl') return { text: items.map((item) => `${JSON.stringify(item)}\n`).join(''), warnings: [] };
  if (options.format === 'json') return { text: `${JSON.stringify(items)}\n`, warnings: [] };
  const chunks: FleetItem[][] = [];
  for (let start = 0; start < items.length; start += MATRIX_LIMIT) chunks.push(items.slice(start, start + MATRIX_LIMIT));
  if (options.chunk !== undefined) {
    const selected = chunks[options.chunk - 1] ?? [];
    const warnings =
      chunks.length > 1 || options.chunk > chunks.length
        ? [warning(`${items.length} services make ${chunks.length} matrices of at most ${MATRIX_LIMIT}; this is --chunk ${options.chunk} (${selected.length} services): run one job per chunk (--chunk 1 to --chunk ${chunks.length}) or services are left out`, env)]
        : [];
    return { text: `${JSON.stringify({ include: selected })}\n`, warnings };
  }
  if (chunks.length <= 1) return { text: `${JSON.stringify({ include: chunks[0] ?? [] })}\n`, warnings: [] };
  const text = `${JSON.stringify(chunks.map((include) => ({ include })))}\n`;
  const sizes = chunks.map((c) => c.length).join(' + ');
  return {
    text,
    warnings: [
      warning(
        `${items.length} services are more than one GitHub Actions matrix takes (${MATRIX_LIMIT}): printed a JSON array of ${chunks.length} matrices (${sizes}); ` +
          `use fromJSON(output)[0] … [${chunks.length - 1}] in ${chunks.length} jobs, or run discover --chunk 1 … --chunk ${chunks.length}`,
        env,
      ),
    ],
  };
}

/** Lists the cluster's services (ecs:ListServices), selects them, and formats them. Throws UsageError. */
export async function discoverFleetOutput(selection: FleetSelection, options: DiscoverOutputOptions): Promise<DiscoverOutput> {
  const fleet = await import('../../runner/index.js').then((lib) => lib.fleet);
  const names = await fleet.listClusterServices(selection.cluster, { region: selection.region, signal: options.signal }).catch((error: unknown) => {
    if (error instanceof fleet.FleetError) throw new UsageError(error.message);
    throw error;
  });
  const services = fleet.selectServices(names, selection);
  if (services.length === 0) throw new UsageError(`no services ${describeSelection(selection)} (the cluster has ${names.length})`);
  const unknown = fleet.unknownExclusions(names, selection.exclude).map((name) => `verify-deployment discover: --exclude ${name}: no such service (nothing excluded)`);
  const output = formatItems(
    services.map((service) => ({ cluster: selection.cluster, service })),
    options,
  );
  return { text: output.text, warnings: [...unknown, ...output.warnings] };
}
