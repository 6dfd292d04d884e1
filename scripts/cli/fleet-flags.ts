/** Flags of the fleet commands (`run --all-services`, `discover`): which services of a cluster, with their help. */
import type { FlagHelp } from './command.js';
import { UsageError } from './usage-error.js';

/** `--service-prefix P`, `--exclude NAME` (repeatable). */
export const SELECTION_FLAGS = {
  'service-prefix': { type: 'string' },
  exclude: { type: 'string', multiple: true },
} as const;
export const SELECTION_HELP: { readonly [K in keyof typeof SELECTION_FLAGS]: FlagHelp } = {
  'service-prefix': { arg: 'P', text: 'only the services whose name starts with P' },
  exclude: { arg: 'NAME', text: 'leave that service out (repeatable; NAME,NAME works too)' },
};

/** The services of a cluster a fleet command covers. */
export interface FleetSelection {
  cluster: string;
  region?: string;
  prefix?: string;
  exclude: string[];
}

/** `--exclude a,b --exclude c` → [a, b, c]. */
export function excludedNames(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** The selection from --cluster, --region, --service-prefix and --exclude. Throws UsageError without --cluster. */
export function fleetSelection(values: { cluster?: string; region?: string; 'service-prefix'?: string; exclude?: string[] }, needs: string): FleetSelection {
  if (!values.cluster) throw new UsageError(`${needs} needs --cluster`);
  return { cluster: values.cluster, region: values.region, prefix: values['service-prefix'] || undefined, exclude: excludedNames(values.exclude) };
}

/** "in cluster shop starting with "api-" (excluding a, b)": what a selection covers, for messages. */
export function describeSelection(selection: FleetSelection): string {
  const prefix = selection.prefix ? ` starting with "${selection.prefix}"` : '';
  const excluded = selection.exclude.length ? ` (excluding ${selection.exclude.join(', ')})` : '';
  return `in cluster ${selection.cluster}${prefix}${excluded}`;
}
