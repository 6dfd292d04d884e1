/**
 * Terraform plumbing for the terraform-drift check: running the CLI (zx, argument arrays only,
 * imported lazily), reading `terraform show -json` plans, and building the commands shown to people.
 * Plan JSON holds the real before/after values, sensitive ones included: only addresses, types and
 * action names ever leave this module.
 */
import { displayCommand } from '../exec.js';

/** What a POSIX shell exits with when it cannot find the command. */
const NOT_FOUND = 127;

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

/** The plan the check runs (in `dir`, with the workspace in TF_WORKSPACE). */
export function planArgs(inputs: PlanInputs, planFile: string): string[] {
  return ['plan', '-detailed-exitcode', '-input=false', '-lock=false', '-no-color', `-out=${planFile}`, ...inputArgs(inputs, inputs.targets)];
}

function shown(inputs: PlanInputs, subcommand: string, targets: readonly string[] | undefined): string {
  const line = displayCommand(['terraform', `-chdir=${inputs.dir}`, subcommand, ...inputArgs(inputs, targets)]);
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
  /** null when killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Set when the shell could not even be started. */
  cause?: unknown;
  /** The shell could not find `terraform` on PATH. */
  notFound: boolean;
}

export interface RunOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Runs `terraform <args>` in its own process group. When `signal` aborts, the whole group (terraform
 * and its provider plugins) is killed with SIGKILL at once and the abort reason is thrown: every
 * command this check runs is read-only for state (-lock=false), and terraform ignores SIGTERM while
 * it waits on a backend that does not answer.
 */
export async function runTerraform(args: string[], options: RunOptions): Promise<TerraformRun> {
  if (options.signal.aborted) throw options.signal.reason;
  const { $ } = await import('zx/core');
  const started = performance.now();
  const child = $({
    cwd: options.cwd,
    env: options.env,
    nothrow: true,
    quiet: true,
    verbose: false,
    // zx sends SIGTERM to the group on abort; the listener below makes it final.
    signal: options.signal,
    detached: true,
  })`terraform ${args}`;
  const kill = () => killGroup(child.pid);
  options.signal.addEventListener('abort', kill, { once: true });
  try {
    const output = await child;
    if (options.signal.aborted) throw options.signal.reason;
    const { exitCode, signal, stdout, stderr } = output;
    return {
      exitCode,
      signal,
      stdout,
      stderr,
      durationMs: Math.round(performance.now() - started),
      ...(output.cause ? { cause: output.cause } : {}),
      notFound: exitCode === NOT_FOUND && /terraform: (command )?not found|terraform: No such file/i.test(stderr),
    };
  } finally {
    options.signal.removeEventListener('abort', kill);
  }
}
