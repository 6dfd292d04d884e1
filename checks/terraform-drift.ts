/**
 * terraform-drift: does the infrastructure match its Terraform configuration? Runs
 * `terraform plan -detailed-exitcode` and lists every resource with a pending action. The incident
 * this exists for: a security-group rule (and an ECS secret) defined in code but never applied,
 * because an earlier apply failed on unrelated resources.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { formatDuration } from './support/duration.js';
import { displayCommand, tail } from './support/process.js';
import {
  applyCommand,
  changedOutputs,
  formatChange,
  parseWorkspaces,
  pendingChanges,
  planArgs,
  planCommand,
  redactedArgs,
  runTerraform,
  sensitiveValues,
  type PendingChange,
  type PlanInputs,
  type PlanJson,
  type TerraformRun,
} from './support/terraform.js';
import { defineCheck, type AttemptResult, type CauseRelation, type FailureView, type Observation } from './types.js';

/** Terraform identifiers: letters, digits, underscores and dashes, not starting with a digit. */
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** How many changes the one-line message names (observations and details list them all). */
const MESSAGE_CHANGES = 10;
const MESSAGE_ERRORS = 3;
const MESSAGE_TAIL_CHARS = 300;
/** `terraform show -json` output is needed whole (it is parsed); beyond this the plan is refused. */
const PLAN_JSON_MAX_BYTES = 256 * 1024 * 1024;

const schema = z.strictObject({
  dir: z
    .string()
    .min(1)
    .meta({
      description:
        "The Terraform configuration directory (where you would run terraform plan), relative to the scenario file's directory or absolute. " +
        'Initialised with terraform init first when it has no .terraform directory.',
      examples: ['../infra/environments/development'],
    }),
  targets: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({
      description: 'Resource addresses to restrict the plan to (each passed as -target=ADDRESS). Default: the whole configuration.',
      examples: [['aws_security_group_rule.redis_from_data_pipeline_ecs', 'aws_ecs_task_definition.api']],
    }),
  vars: z
    .record(z.string().regex(VAR_NAME, { error: 'not a valid Terraform variable name' }), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .meta({
      description: 'Input variables, each passed as -var NAME=VALUE. Lists and maps are written as HCL strings: \'["a", "b"]\'.',
      examples: [{ environment: 'development' }],
    }),
  varFiles: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .meta({
      description: "Variable files (-var-file=PATH), relative to the scenario file's directory or absolute.",
      examples: [['../infra/environments/development.tfvars']],
    }),
  workspace: z
    .string()
    .regex(/^[^\s/]+$/, { error: 'not a valid Terraform workspace name (no spaces or slashes)' })
    .optional()
    .meta({
      description:
        'Workspace to plan in, selected for the terraform process only (TF_WORKSPACE), never with `terraform workspace select`. ' +
        'It must exist. Default: the directory\'s selected workspace.',
      examples: ['staging'],
    }),
});

type Spec = z.output<typeof schema>;

function describe(spec: Spec): string {
  const scope = [
    spec.workspace ? `workspace ${spec.workspace}` : undefined,
    spec.targets ? `targets ${spec.targets.join(', ')}` : undefined,
  ].filter(Boolean);
  return `no pending Terraform changes in ${spec.dir}${scope.length ? ` (${scope.join('; ')})` : ''}`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The gist of a failed terraform command on one line: its `Error:` summaries (terraform prints a
 * summary line, then location and explanation), else the last lines of stderr.
 */
export function errorSummary(stderr: string): string {
  const errors = [...new Set(stderr.split('\n').flatMap((line) => /^(?:[│╷]\s*)?Error: (.+?)\s*$/.exec(line)?.[1] ?? []))];
  const text = errors.length
    ? errors.slice(0, MESSAGE_ERRORS).join('; ') + (errors.length > MESSAGE_ERRORS ? `; and ${errors.length - MESSAGE_ERRORS} more errors` : '')
    : tail(stderr, 3).replace(/\s*\n\s*/g, ' ⏎ ').trim();
  return text.length > MESSAGE_TAIL_CHARS ? `${text.slice(0, MESSAGE_TAIL_CHARS)}…` : text;
}

/** Plan stdout up to the ─── rule: what follows names the (already deleted) plan file. */
function planOutput(stdout: string): string {
  return stdout.split(/\n─{10,}\n/)[0] ?? stdout;
}

/**
 * terraform itself exits 0, 1 or 2, but `terraform` on PATH may be a wrapper script (tfenv, asdf,
 * a CI shim) whose shell reports terraform killed by signal N as exit 128+N: the OOM killer's
 * SIGKILL is exit 137.
 */
function signalOfShellExit(exitCode: number): string | undefined {
  if (exitCode <= 128) return undefined;
  return Object.entries(osConstants.signals).find(([, number]) => number === exitCode - 128)?.[0];
}

type Step = 'init' | 'workspace list' | 'plan' | 'show';

/** The result when a terraform command could not do its job; undefined when it ran and exited as expected. */
function commandProblem(
  step: Step,
  run: TerraformRun,
  expected: readonly number[],
  { dir, details, rerun }: { dir: string; details: Record<string, unknown>; rerun: string },
): AttemptResult | undefined {
  const stepDetails = { ...details, step, exitCode: run.exitCode, signal: run.signal, durationMs: run.durationMs, stderrTail: tail(run.stderr) };
  if (run.cause) {
    return { outcome: 'error', message: `could not start terraform ${step} (${String(run.cause)})`, details: stepDetails };
  }
  if (run.notFound) {
    return {
      outcome: 'error',
      message: 'terraform is not installed or not on PATH (command not found, exit 127): install Terraform or add its directory to PATH',
      details: stepDetails,
    };
  }
  const killedBy = run.exitCode === null ? run.signal : signalOfShellExit(run.exitCode);
  if (killedBy) {
    return { outcome: 'error', message: `terraform ${step} in ${dir} was killed by ${killedBy}`, details: stepDetails };
  }
  if (run.exitCode === null) return { outcome: 'error', message: `terraform ${step} in ${dir} ended without an exit code`, details: stepDetails };
  if (expected.includes(run.exitCode)) return undefined;
  return {
    outcome: 'error',
    message: `terraform ${step} failed in ${dir} (exit ${run.exitCode}): ${errorSummary(run.stderr) || 'no error output'}`,
    details: stepDetails,
    nextSteps: [rerun],
  };
}

function listed(changes: PendingChange[]): string {
  const shown = changes.slice(0, MESSAGE_CHANGES).map(formatChange).join(', ');
  return changes.length > MESSAGE_CHANGES ? `${shown}, … and ${changes.length - MESSAGE_CHANGES} more` : shown;
}

/** Resource types whose pending change explains a failure of a given check type. */
const EXPLAINED_BY_TYPES = {
  'sg-ingress': ['aws_security_group_rule', 'aws_vpc_security_group_ingress_rule', 'aws_security_group'],
  'ecs-task-definition': ['aws_ecs_task_definition', 'aws_ecs_service'],
} as const;

function driftIncludes(types: readonly string[]) {
  return (cause: FailureView): boolean => {
    const changed = cause.facts.changedTypes;
    return Array.isArray(changed) && changed.some((type) => types.includes(type as string));
  };
}

const explains: CauseRelation[] = [
  {
    effect: 'sg-ingress',
    because: 'the security-group rule is defined in Terraform but was never applied',
    when: driftIncludes(EXPLAINED_BY_TYPES['sg-ingress']),
  },
  {
    effect: 'ecs-task-definition',
    because: 'the task definition (or the service using it) changed in Terraform but was never applied',
    when: driftIncludes(EXPLAINED_BY_TYPES['ecs-task-definition']),
  },
];

type Terraform = (args: string[], maxStdoutBytes?: number) => Promise<TerraformRun>;

const byHand = (dir: string, ...args: string[]) => displayCommand(['terraform', `-chdir=${dir}`, ...args]);

/** The plan's inputs, paths resolved against the scenario directory. */
function inputsOf(spec: Spec, dir: string, scenarioDir: string): PlanInputs {
  return {
    dir,
    ...(spec.workspace ? { workspace: spec.workspace } : {}),
    ...(spec.vars ? { vars: Object.fromEntries(Object.entries(spec.vars).map(([key, value]) => [key, String(value)])) } : {}),
    ...(spec.varFiles ? { varFiles: spec.varFiles.map((file) => path.resolve(scenarioDir, file)) } : {}),
    ...(spec.targets ? { targets: spec.targets } : {}),
  };
}

/** An error when the workspace does not exist (an unknown TF_WORKSPACE plans against empty state). */
async function workspaceProblem(terraform: Terraform, workspace: string, dir: string, details: Record<string, unknown>): Promise<AttemptResult | undefined> {
  const list = await terraform(['workspace', 'list', '-no-color']);
  const problem = commandProblem('workspace list', list, [0], { dir, details, rerun: byHand(dir, 'workspace', 'list') });
  if (problem) return problem;
  const workspaces = parseWorkspaces(list.stdout);
  if (workspaces.includes(workspace)) return undefined;
  // Every resource would show as "create": a false drift report.
  return {
    outcome: 'error',
    message: `Terraform workspace "${workspace}" does not exist in ${dir} (workspaces: ${workspaces.join(', ') || 'none'})`,
    details: { ...details, workspaces },
    nextSteps: [byHand(dir, 'workspace', 'list')],
  };
}

/** Plans into a private plan file, reads it on drift, and removes it whatever happens. */
async function planDrift(terraform: Terraform, spec: Spec, inputs: PlanInputs, details: Record<string, unknown>): Promise<AttemptResult> {
  const { dir } = inputs;
  // The plan file holds every planned value, sensitive ones included: a private (0700) directory,
  // removed whatever happens (an abort included).
  const planDir = await mkdtemp(path.join(tmpdir(), 'vd-terraform-drift-'));
  try {
    const planFile = path.join(planDir, 'drift.tfplan');
    const plan = await terraform(planArgs(inputs, planFile));
    const problem = commandProblem('plan', plan, [0, 2], { dir, details, rerun: planCommand(inputs) });
    if (problem) return problem;
    const planDetails = {
      ...details,
      exitCode: plan.exitCode,
      durationMs: plan.durationMs,
      stdoutTail: tail(planOutput(plan.stdout)),
      stderrTail: tail(plan.stderr),
    };
    const where = `terraform plan in ${dir}${spec.workspace ? ` (workspace ${spec.workspace})` : ''}`;
    if (plan.exitCode === 0) {
      return {
        outcome: 'pass',
        message: `${where} has no changes${spec.targets ? ` for ${spec.targets.length} target(s)` : ''} (${formatDuration(plan.durationMs)})`,
        observations: [{ what: where, expected: 'no changes', actual: 'no changes', ok: true }],
        details: planDetails,
        facts: { drift: false, changedTypes: [], changedAddresses: [] },
      };
    }
    const read = await readPlan(terraform, planFile, inputs, details, planDetails);
    if ('problem' in read) return read.problem;
    return driftResult(where, inputs, pendingChanges(read.plan), changedOutputs(read.plan), planDetails);
  } finally {
    await rm(planDir, { recursive: true, force: true });
  }
}

/** `terraform show -json <plan>`, parsed; an error result when it cannot be read. */
async function readPlan(
  terraform: Terraform,
  planFile: string,
  inputs: PlanInputs,
  details: Record<string, unknown>,
  planDetails: Record<string, unknown>,
): Promise<{ plan: PlanJson } | { problem: AttemptResult }> {
  const show = await terraform(['show', '-json', planFile], PLAN_JSON_MAX_BYTES);
  const problem = commandProblem('show', show, [0], { dir: inputs.dir, details, rerun: planCommand(inputs) });
  if (problem) return { problem };
  if (show.stdoutTruncated) {
    const tooLarge: AttemptResult = {
      outcome: 'error',
      message: `the plan is too large to read: terraform show -json printed more than ${PLAN_JSON_MAX_BYTES / 1024 / 1024} MiB (narrow it with targets)`,
      details: planDetails,
      nextSteps: [planCommand(inputs)],
    };
    return { problem: tooLarge };
  }
  try {
    return { plan: JSON.parse(show.stdout) as PlanJson };
  } catch (error) {
    // Never quote the JSON: it holds planned values.
    const message = `could not read the plan from terraform show -json (${(error as Error).message.slice(0, 100)})`;
    return { problem: { outcome: 'error', message, details: planDetails } };
  }
}

export const terraformDrift = defineCheck({
  type: 'terraform-drift',
  summary: 'terraform plan finds no pending changes: everything defined in the configuration is applied.',
  schema,
  evidence: 'state',
  // A plan is deterministic and can take minutes: one attempt, generous timeout.
  defaults: { timeoutMs: 5 * 60_000, retry: { attempts: 1 } },
  describe,
  explains,
  async run(spec, ctx): Promise<AttemptResult> {
    const dir = path.resolve(ctx.scenarioDir, spec.dir);
    if (!(await isDirectory(dir))) {
      return { outcome: 'error', message: `Terraform directory ${dir} does not exist`, details: { dir } };
    }
    const inputs = inputsOf(spec, dir, ctx.scenarioDir);
    // Variable values may be secrets: details name the variables, never their values.
    const details: Record<string, unknown> = {
      dir,
      ...(spec.workspace ? { workspace: spec.workspace } : {}),
      ...(spec.targets ? { targets: spec.targets } : {}),
      ...(spec.vars ? { vars: Object.keys(spec.vars) } : {}),
      ...(inputs.varFiles ? { varFiles: inputs.varFiles } : {}),
    };
    const env = {
      // The one place this check reads process.env: terraform inherits the environment
      // verify-deployment runs with (credentials, TF_CLI_CONFIG_FILE, TF_DATA_DIR...), as when run by hand.
      ...process.env,
      TF_IN_AUTOMATION: '1',
      ...(spec.workspace ? { TF_WORKSPACE: spec.workspace } : {}),
    };
    // Before the first byte of output: credential-named variables (from vars, TF_VAR_*, var files)
    // show up in plan output and in the commands below, and must be masked everywhere.
    for (const value of await sensitiveValues(inputs, env)) ctx.addSecret(value);
    const terraform: Terraform = (args, maxStdoutBytes) => {
      ctx.log.debug(`running ${displayCommand(['terraform', ...redactedArgs(args)])} in ${dir}`);
      return runTerraform(args, { cwd: dir, env, signal: ctx.signal, mask: ctx.mask, ...(maxStdoutBytes ? { maxStdoutBytes } : {}) });
    };

    if (!(await exists(path.join(dir, '.terraform')))) {
      const init = await terraform(['init', '-input=false', '-lock=false', '-no-color']);
      const problem = commandProblem('init', init, [0], { dir, details, rerun: byHand(dir, 'init') });
      if (problem) return problem;
      details.initialized = true;
    }
    if (spec.workspace) {
      const problem = await workspaceProblem(terraform, spec.workspace, dir, details);
      if (problem) return problem;
    }
    return planDrift(terraform, spec, inputs, details);
  },
});

function driftResult(where: string, inputs: PlanInputs, changes: PendingChange[], outputs: string[], details: Record<string, unknown>): AttemptResult {
  const addresses = [...new Set(changes.map((c) => c.address))];
  const changedTypes = [...new Set(changes.map((c) => c.type))];
  const observations: Observation[] = changes.map((change) => ({
    what: change.address,
    expected: 'matches the configuration',
    actual: `${change.action} pending`,
    ok: false,
  }));
  if (outputs.length) observations.push({ what: 'outputs', expected: 'unchanged', actual: `changed: ${outputs.join(', ')}`, ok: false });
  const parts = [
    changes.length ? `${changes.length} pending change${changes.length === 1 ? '' : 's'}: ${listed(changes)}` : undefined,
    outputs.length ? `outputs changed: ${outputs.join(', ')}` : undefined,
  ].filter(Boolean);
  const message = parts.length
    ? `${where}: ${parts.join('; ')}`
    : `${where} reports changes (exit 2) that are neither resource nor output actions (moves, imports or state-only changes): run the plan to see them`;
  return {
    outcome: 'fail',
    message,
    observations,
    details: {
      ...details,
      changes: changes.map((c) => ({ address: c.address, type: c.type, action: c.action, ...(c.deposed ? { deposed: c.deposed } : {}) })),
      ...(outputs.length ? { outputsChanged: outputs } : {}),
    },
    fix: {
      summary:
        'apply the pending changes: the command targets only the drifted resources, so an error in an unrelated resource ' +
        '(as in the incident, where failing load-balancer and ElastiCache changes kept a security-group rule from being created) cannot block them',
      command: applyCommand(inputs, addresses.length ? addresses : (inputs.targets ?? [])),
    },
    nextSteps: [planCommand(inputs)],
    facts: { drift: true, changedTypes, changedAddresses: addresses, outputsChanged: outputs },
  };
}
