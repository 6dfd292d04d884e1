/**
 * Terraform plumbing for the terraform-drift check: running the CLI (through the checks' process
 * runner: argument arrays, no shell), finding the variable values that are secrets, reading
 * `terraform show -json` plans, and building the commands shown to people. Plan JSON holds the real
 * before/after values, sensitive ones included: only addresses, types and action names ever leave
 * this module.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { displayCommand, runProcess } from './process.js';
import { isSensitiveName } from './sensitive.js';

/** The one sensitive-name rule (checks/support/sensitive.ts), re-exported for the terraform-drift tests. */
export { isSensitiveName };

/** The parts of `terraform show -json <plan>` this check reads (format_version 1.x). */
export interface PlanJson {
  resource_changes?: {
    address: string;
    type: string;
    mode?: string;
    /** Set when the change is to a deposed object (a leftover of a failed create_before_destroy). */
    deposed?: string;
    change: { actions: string[] };
  }[];
  output_changes?: Record<string, { actions: string[] }>;
}

export type ChangeAction = 'create' | 'update' | 'delete' | 'replace';

export interface PendingChange {
  address: string;
  /** Resource type (`aws_security_group_rule`), for root-cause rules. */
  type: string;
  /** create/update/delete/replace, or the raw action names joined by `+` for anything newer (forget). */
  action: ChangeAction | string;
  /** `+`, `~`, `-`, `-/+` as terraform prints them; `*` for other actions. */
  symbol: string;
  deposed?: string;
}

const NOTHING_TO_DO = new Set(['no-op', 'read']);

/** The action a `change.actions` list stands for; undefined when nothing would change. */
export function classifyActions(actions: readonly string[]): { action: string; symbol: string } | undefined {
  const real = actions.filter((a) => !NOTHING_TO_DO.has(a));
  if (real.length === 0) return undefined;
  if (real.length === 1 && real[0] === 'create') return { action: 'create', symbol: '+' };
  if (real.length === 1 && real[0] === 'update') return { action: 'update', symbol: '~' };
  if (real.length === 1 && real[0] === 'delete') return { action: 'delete', symbol: '-' };
  // ["delete","create"], or ["create","delete"] with create_before_destroy: a replacement either way.
  if (real.length === 2 && real.includes('delete') && real.includes('create')) return { action: 'replace', symbol: '-/+' };
  return { action: real.join('+'), symbol: '*' };
}

/** Every resource with a pending action, in plan order (no-op and data-source reads left out). */
export function pendingChanges(plan: PlanJson): PendingChange[] {
  const out: PendingChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const classified = classifyActions(rc.change?.actions ?? []);
    if (!classified) continue;
    out.push({ address: rc.address, type: rc.type, ...classified, ...(rc.deposed ? { deposed: rc.deposed } : {}) });
  }
  return out;
}

/** `+ aws_security_group_rule.redis_from_data_pipeline_ecs (create)`. */
export function formatChange(change: PendingChange): string {
  const deposed = change.deposed ? `, deposed object ${change.deposed}` : '';
  return `${change.symbol} ${change.address} (${change.action}${deposed})`;
}

/** Names of root-module outputs whose value would change. */
export function changedOutputs(plan: PlanJson): string[] {
  return Object.entries(plan.output_changes ?? {})
    .filter(([, change]) => classifyActions(change?.actions ?? []) !== undefined)
    .map(([name]) => name);
}

/** Workspace names from `terraform workspace list` (`* ` marks the selected one). */
export function parseWorkspaces(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => /^[* ] (\S+)\s*$/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** What identifies one configuration + state: the same for the check's plan and the commands it suggests. */
export interface PlanInputs {
  /** Absolute configuration directory. */
  dir: string;
  workspace?: string;
  vars?: Record<string, string>;
  /** Absolute paths (terraform resolves relative ones against -chdir, not the scenario). */
  varFiles?: string[];
  targets?: string[];
}

function inputArgs(inputs: PlanInputs, targets: readonly string[] | undefined): string[] {
  return [
    ...Object.entries(inputs.vars ?? {}).flatMap(([key, value]) => ['-var', `${key}=${value}`]),
    ...(inputs.varFiles ?? []).map((file) => `-var-file=${file}`),
    ...(targets ?? []).map((target) => `-target=${target}`),
  ];
}

/** The environment variable a shown command takes a sensitive variable's value from. */
function envNameFor(name: string): string {
  return `TF_VAR_${name.replace(/-/g, '_')}`;
}

/**
 * A command line for people: shell-quoted, and a sensitive variable never written out. Its value
 * comes from the environment instead, and bash refuses to run the command while it is unset
 * (`-var "api_key=${TF_VAR_api_key:?...}"`), so a pasted command can never apply a masked `***`
 * or an empty value.
 */
function displayWithSecretsFromEnv(argv: readonly string[]): string {
  return argv
    .map((arg, index) => {
      const name = argv[index - 1] === '-var' ? /^([^=]+)=/.exec(arg)?.[1] : undefined;
      if (!name || !isSensitiveName(name)) return displayCommand([arg]);
      const env = envNameFor(name);
      return `"${name}=\${${env}:?set ${env} to the value of ${name}}"`;
    })
    .join(' ');
}

/** `args` for a log line: the values of sensitive `-var`s replaced by `***`. */
export function redactedArgs(args: readonly string[]): string[] {
  return args.map((arg, index) => {
    const name = args[index - 1] === '-var' ? /^([^=]+)=/.exec(arg)?.[1] : undefined;
    return name && isSensitiveName(name) ? `${name}=***` : arg;
  });
}

/** The plan the check runs (in `dir`, with the workspace in TF_WORKSPACE). */
export function planArgs(inputs: PlanInputs, planFile: string): string[] {
  return ['plan', '-detailed-exitcode', '-input=false', '-lock=false', '-no-color', `-out=${planFile}`, ...inputArgs(inputs, inputs.targets)];
}

function shown(inputs: PlanInputs, subcommand: string, targets: readonly string[] | undefined): string {
  const line = displayWithSecretsFromEnv(['terraform', `-chdir=${inputs.dir}`, subcommand, ...inputArgs(inputs, targets)]);
  return inputs.workspace ? `${displayCommand([`TF_WORKSPACE=${inputs.workspace}`])} ${line}` : line;
}

/** `terraform -chdir=<dir> apply -target=<addr> ...`: only the drifted resources, so unrelated errors cannot block them. */
export function applyCommand(inputs: PlanInputs, addresses: readonly string[]): string {
  return shown(inputs, 'apply', addresses);
}

/** The plan as a person would rerun it (same workspace, variables and targets). */
export function planCommand(inputs: PlanInputs): string {
  return shown(inputs, 'plan', inputs.targets);
}

export interface TerraformRun {
  /** null when killed by a signal; 127 when terraform is not found. */
  exitCode: number | null;
  signal: string | null;
  /** The end of stdout (64 KiB unless `maxStdoutBytes` asked for more). */
  stdout: string;
  /** True when stdout was longer than what `stdout` holds. */
  stdoutTruncated: boolean;
  /** The end of stderr (64 KiB). */
  stderr: string;
  durationMs: number;
  /** Set when terraform could not be started for another reason than not being found. */
  cause?: unknown;
  /** `terraform` is not on PATH. */
  notFound: boolean;
}

export interface RunOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  /** Bytes of stdout to keep (from the end). Default: the process runner's 64 KiB. */
  maxStdoutBytes?: number;
  /** The run's masker (`CheckContext.mask`): the kept stdout/stderr ends (the plan tail) are masked before they are cut. */
  mask?: (text: string) => string;
}

/**
 * Runs `terraform <args>` (found on the PATH of `options.env`) in its own process group. When
 * `signal` aborts, the whole group (terraform and its provider plugins) is killed with SIGKILL at
 * once and the abort reason is thrown: every command this check runs is read-only for state
 * (-lock=false), and terraform ignores SIGTERM while it waits on a backend that does not answer.
 */
export async function runTerraform(args: string[], options: RunOptions): Promise<TerraformRun> {
  const run = await runProcess(['terraform', ...args], {
    cwd: options.cwd,
    env: options.env,
    signal: options.signal,
    ...(options.maxStdoutBytes ? { stdout: { maxBytes: options.maxStdoutBytes } } : {}),
    ...(options.mask ? { mask: options.mask } : {}),
  });
  return {
    exitCode: run.exitCode,
    signal: run.signal,
    stdout: run.stdout.text,
    stdoutTruncated: run.stdout.truncated,
    stderr: run.stderr.text,
    durationMs: run.durationMs,
    ...(run.cause || run.notExecutable ? { cause: run.cause ?? new Error('terraform is not executable (permission denied)') } : {}),
    notFound: run.notFound,
  };
}


/**
 * Values shorter than this are not registered as secrets: masking "abc" or "1" everywhere would
 * garble unrelated output (keys, dates, counts). Shown commands never write them out anyway.
 */
export const MIN_SECRET_LENGTH = 4;

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };
const TFVARS_STRING = /^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:(?:#|\/\/).*)?$/;

/** `name = "value"` assignments of a .tfvars file (the one-line string form; heredocs are not read). */
export function tfvarsStrings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = TFVARS_STRING.exec(line);
    if (match) out[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
  }
  return out;
}

/** Top-level string and number values of a .tfvars.json file (nothing when it does not parse). */
function tfvarsJsonValues(text: string): Record<string, string> {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).flatMap(([key, value]) => (typeof value === 'string' || typeof value === 'number' ? [[key, String(value)]] : [])),
    );
  } catch {
    return {};
  }
}

async function readVarFile(file: string): Promise<Record<string, string>> {
  try {
    const text = await readFile(file, 'utf8');
    return file.endsWith('.json') ? tfvarsJsonValues(text) : tfvarsStrings(text);
  } catch {
    return {}; // terraform reports a missing var file itself
  }
}

/** The var files terraform loads from `dir` on its own: terraform.tfvars(.json), *.auto.tfvars(.json). */
async function autoLoadedVarFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names
      .filter((name) => /^terraform\.tfvars(\.json)?$|\.auto\.tfvars(\.json)?$/.test(name))
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

/**
 * Every value a terraform run may print that is a credential by its variable's name: `-var`s
 * (`inputs.vars`), `TF_VAR_<name>` in the environment, the var files given and those terraform
 * loads from the directory on its own. terraform prints a variable's value wherever a resource or
 * output uses it (unless the configuration declares it `sensitive`), so these must be registered
 * as secrets before the first byte of its output. Values shorter than MIN_SECRET_LENGTH are left out.
 */
export async function sensitiveValues(inputs: PlanInputs, env: Record<string, string | undefined>): Promise<string[]> {
  const fromEnv = Object.entries(env).flatMap(([key, value]) =>
    key.startsWith('TF_VAR_') && value !== undefined ? [[key.slice('TF_VAR_'.length), value] as const] : [],
  );
  const files = [...(await autoLoadedVarFiles(inputs.dir)), ...(inputs.varFiles ?? [])];
  const fromFiles = (await Promise.all(files.map(readVarFile))).flatMap((values) => Object.entries(values));
  const all = [...Object.entries(inputs.vars ?? {}), ...fromEnv, ...fromFiles];
  return [...new Set(all.filter(([name, value]) => isSensitiveName(name) && value.trim().length >= MIN_SECRET_LENGTH).map(([, value]) => value))];
}
