/**
 * terraform-drift without Terraform: schema, plan-JSON formatting, commands, root-cause rules, and
 * run() against a fake `terraform` script on PATH (arguments, environment, secrets, abort, cleanup).
 * The real binary is exercised in __tests__/integration/terraform-drift.test.ts.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { checkTypes } from '../../checks/index.js';
import { errorSummary, terraformDrift } from '../../checks/terraform-drift.js';
import {
  applyCommand,
  changedOutputs,
  classifyActions,
  formatChange,
  isSensitiveName,
  parseWorkspaces,
  pendingChanges,
  planCommand,
  redactedArgs,
  sensitiveValues,
  tfvarsStrings,
  type PlanJson,
} from '../../checks/support/terraform.js';
import type { FailureView } from '../../checks/types.js';
import type { CheckReport } from '../../runner/result.js';
import { isRunning } from '../support/processes.js';
import { Masker } from '../../runner/mask.js';
import { analyzeRootCause } from '../../runner/root-cause.js';
import { fakeContext } from '../support/context.js';
import { timeoutSignal } from '../../checks/support/abort.js';

const FIXTURES = path.resolve('__tests__/fixtures/terraform');
const SAMPLE = path.join(FIXTURES, 'show', 'incident-plan.json');
const SECRET = 'hf_FIXTURE_SECRET_do_not_print';
const sample = JSON.parse(readFileSync(SAMPLE, 'utf8')) as PlanJson;

describe('terraform-drift schema', () => {
  it.each([
    ['a directory', { dir: 'infra' }],
    ['everything', { dir: '../infra', targets: ['aws_security_group_rule.redis'], vars: { env: 'dev', count: 2, on: true }, varFiles: ['dev.tfvars'], workspace: 'staging' }],
    ['a module address with an index', { dir: 'infra', targets: ['module.net.aws_subnet.private["us-east-1a"]'] }],
  ])('accepts %s', (_name, spec) => {
    expect(terraformDrift.schema.safeParse(spec).success).toBe(true);
  });

  it.each([
    ['no dir', {}, 'dir'],
    ['an empty dir', { dir: '' }, 'dir'],
    ['an empty target list', { dir: 'infra', targets: [] }, 'targets'],
    ['an empty target', { dir: 'infra', targets: [''] }, 'targets.0'],
    ['a bad variable name', { dir: 'infra', vars: { 'a b': 'x' } }, 'vars.a b'],
    ['a list variable value', { dir: 'infra', vars: { zones: ['a'] } }, 'vars.zones'],
    ['a workspace with a slash', { dir: 'infra', workspace: 'a/b' }, 'workspace'],
    ['a var file that is not a list', { dir: 'infra', varFiles: 'dev.tfvars' }, 'varFiles'],
    ['an unknown key', { dir: 'infra', target: ['x'] }, ''],
  ])('rejects %s', (_name, spec, issuePath) => {
    const result = terraformDrift.schema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(issuePath);
  });

  it('documents every option', () => {
    for (const [key, field] of Object.entries((terraformDrift.schema as unknown as z.ZodObject).shape)) {
      expect([key, field.meta()?.description]).toEqual([key, expect.any(String)]);
    }
  });

  it.each([
    [{ dir: 'infra' }, 'no pending Terraform changes in infra'],
    [{ dir: 'infra', workspace: 'staging', targets: ['a.b', 'c.d'] }, 'no pending Terraform changes in infra (workspace staging; targets a.b, c.d)'],
  ])('describes %j', (spec, text) => {
    expect(terraformDrift.describe(terraformDrift.schema.parse(spec))).toBe(text);
  });

  it('is registered, with one 5-minute attempt by default', () => {
    expect(checkTypes).toContain(terraformDrift);
    expect(terraformDrift.defaults).toEqual({ timeoutMs: 300_000, retry: { attempts: 1 } });
  });
});

describe('reading terraform show -json', () => {
  it.each([
    [['create'], '+', 'create'],
    [['update'], '~', 'update'],
    [['delete'], '-', 'delete'],
    [['delete', 'create'], '-/+', 'replace'],
    [['create', 'delete'], '-/+', 'replace'],
    [['forget'], '*', 'forget'],
  ])('%j is %s (%s)', (actions, symbol, action) => {
    expect(classifyActions(actions)).toEqual({ symbol, action });
  });

  it.each([[['no-op']], [['read']], [[]]])('%j is not a pending change', (actions) => {
    expect(classifyActions(actions)).toBeUndefined();
  });

  it('lists every pending resource change in plan order, without no-ops and data reads', () => {
    expect(pendingChanges(sample).map(formatChange)).toEqual([
      '+ aws_security_group_rule.redis_from_data_pipeline_ecs (create)',
      '~ aws_ecs_task_definition.api (update)',
      '-/+ aws_elasticache_parameter_group.redis (replace)',
      '-/+ module.network.aws_subnet.private["us-east-1a"] (replace)',
      '- aws_elasticache_subnet_group.old (delete)',
      '- aws_instance.bastion (delete, deposed object 00000001)',
      '* aws_s3_bucket.legacy_logs (forget)',
    ]);
    expect(pendingChanges(sample)[0]).toEqual({
      address: 'aws_security_group_rule.redis_from_data_pipeline_ecs',
      type: 'aws_security_group_rule',
      action: 'create',
      symbol: '+',
    });
  });

  it('names changed outputs, not unchanged ones', () => {
    expect(changedOutputs(sample)).toEqual(['api_url']);
    expect(changedOutputs({})).toEqual([]);
  });

  it('reads a plan without changes', () => {
    expect(pendingChanges({ resource_changes: [] })).toEqual([]);
    expect(pendingChanges({})).toEqual([]);
  });

  it('parses terraform workspace list, including the TF_WORKSPACE note', () => {
    const stdout = '  default\n* staging\n  prod-eu\n\n\n\nThe active workspace is being overridden using the TF_WORKSPACE environment\nvariable.\n';
    expect(parseWorkspaces(stdout)).toEqual(['default', 'staging', 'prod-eu']);
  });

  it.each([
    [
      'Error: Unclosed configuration block\n\n  on main.tf line 1:\n   1: resource "x" "y" {\n\nThere is no closing brace.\n',
      'Unclosed configuration block',
    ],
    ['Error: A\n\nError: B\n\nError: A\n', 'A; B'],
    ['Error: 1\nError: 2\nError: 3\nError: 4\nError: 5\n', '1; 2; 3; and 2 more errors'],
    ['something odd\nhappened\nhere\nat the end\n', 'happened ⏎ here ⏎ at the end'],
  ])('summarises stderr %#', (stderr, summary) => {
    expect(errorSummary(stderr)).toBe(summary);
  });
});

describe('suggested commands', () => {
  const inputs = {
    dir: '/infra/env dev',
    workspace: 'staging',
    vars: { image: 'api:151', note: "it's" },
    varFiles: ['/infra/dev.tfvars'],
    targets: ['aws_ecs_service.api'],
  };

  it('applies exactly the drifted addresses with the same inputs', () => {
    expect(applyCommand(inputs, ['aws_security_group_rule.redis', 'module.net.aws_subnet.private["a"]'])).toBe(
      "TF_WORKSPACE=staging terraform '-chdir=/infra/env dev' apply -var image=api:151 -var 'note=it'\\''s' -var-file=/infra/dev.tfvars " +
        `-target=aws_security_group_rule.redis '-target=module.net.aws_subnet.private["a"]'`,
    );
  });

  it('reruns the plan with the same inputs and targets', () => {
    expect(planCommand({ dir: '/infra' })).toBe('terraform -chdir=/infra plan');
    expect(planCommand(inputs)).toContain('plan -var image=api:151');
    expect(planCommand(inputs)).toMatch(/-target=aws_ecs_service\.api$/);
  });
});

describe('sensitive variables', () => {
  it.each([
    ['api_key'], ['private_key'], ['db_password'], ['github_token'], ['client_secret'], ['aws_access_key'], ['HF-API-KEY'],
    ['apiKey'], ['ssh_passphrase'], ['registry_credentials'], ['session_key'], ['cookie_secret'], ['db_connection_string'],
  ])('%s is sensitive', (name) => {
    expect(isSensitiveName(name)).toBe(true);
  });

  it.each([['environment'], ['image'], ['replicas'], ['region'], ['key_name'], ['keyspace'], ['input']])('%s is not sensitive', (name) => {
    expect(isSensitiveName(name)).toBe(false);
  });

  it('reads one-line string assignments of a .tfvars file, escapes included', () => {
    const text = [
      'environment = "dev"  # comment',
      'api_key     = "k\\"ey\\\\value\\n"',
      '  private_key="pk-1234" // trailing',
      'zones = ["a", "b"]',
      'count = 3',
      'heredoc = <<EOT',
      'EOT',
    ].join('\r\n');
    expect(tfvarsStrings(text)).toEqual({ environment: 'dev', api_key: 'k"ey\\value\n', private_key: 'pk-1234' });
  });

  it('finds credential-named values in vars, TF_VAR_* and var files (given and auto-loaded), not short or harmless ones', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vd-tf-secrets-'));
    try {
      writeFileSync(path.join(dir, 'terraform.tfvars'), 'db_password = "from-auto-tfvars"\nenvironment = "development"\n');
      writeFileSync(path.join(dir, 'extra.auto.tfvars.json'), JSON.stringify({ signing_key: 'from-auto-json', replicas: 3 }));
      writeFileSync(path.join(dir, 'given.tfvars'), 'github_token = "from-given-file"\n');
      const values = await sensitiveValues(
        { dir, vars: { api_key: 'from-vars', image: 'api:151', token: 'abc' }, varFiles: [path.join(dir, 'given.tfvars'), path.join(dir, 'missing.tfvars')] },
        { TF_VAR_private_key: 'from-env', TF_VAR_region: 'us-east-1', PRIVATE_KEY: 'not-a-tf-var' },
      );
      expect(values.sort()).toEqual(['from-auto-json', 'from-auto-tfvars', 'from-env', 'from-given-file', 'from-vars']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never writes a sensitive value into a shown command: bash takes it from the environment and refuses when unset', () => {
    const inputs = { dir: '/infra', vars: { api_key: 'hf_live_value', image: 'api:151', 'my-token': 'xyz' } };
    const command = applyCommand(inputs, ['terraform_data.k']);
    expect(command).toBe(
      'terraform -chdir=/infra apply -var "api_key=${TF_VAR_api_key:?set TF_VAR_api_key to the value of api_key}" -var image=api:151 ' +
        '-var "my-token=${TF_VAR_my_token:?set TF_VAR_my_token to the value of my-token}" -target=terraform_data.k',
    );
    expect(planCommand(inputs)).not.toContain('hf_live_value');
    expect(redactedArgs(['plan', '-var', 'api_key=hf_live_value', '-var', 'image=api:151', '-var-file=x'])).toEqual([
      'plan', '-var', 'api_key=***', '-var', 'image=api:151', '-var-file=x',
    ]);
  });
});

describe('root-cause relations', () => {
  const cause = (changedTypes: string[]): FailureView => ({ name: 'drift', type: 'terraform-drift', message: '', facts: { changedTypes } });
  const effect = (type: string): FailureView => ({ name: 'e', type, message: '', facts: {} });
  const relation = (type: string) => terraformDrift.explains?.find((r) => r.effect === type);

  it.each([
    ['sg-ingress', ['aws_security_group_rule'], true],
    ['sg-ingress', ['aws_vpc_security_group_ingress_rule'], true],
    ['sg-ingress', ['aws_security_group', 'aws_lb'], true],
    ['sg-ingress', ['aws_ecs_task_definition'], false],
    ['ecs-task-definition', ['aws_ecs_task_definition'], true],
    ['ecs-task-definition', ['aws_ecs_service'], true],
    ['ecs-task-definition', ['aws_security_group_rule'], false],
    ['ecs-task-definition', [], false],
  ])('%s is explained by drift of %j: %s', (type, changedTypes, explained) => {
    expect(relation(type)?.when?.(cause(changedTypes), effect(type))).toBe(explained);
  });

  it('makes the drift the root cause of the incident: missing SG rule, then Redis errors', () => {
    const check = (name: string, type: string, facts: Record<string, unknown>, extra: Partial<CheckReport> = {}): CheckReport => ({
      name, type, status: 'failed', attempts: 1, durationMs: 1, message: `${name} failed`, observations: [], details: {}, flaky: false, description: name, facts, ...extra,
    });
    const fix = { summary: 'apply the pending changes', command: 'terraform -chdir=/infra apply -target=aws_security_group_rule.redis_from_data_pipeline_ecs' };
    const cause = analyzeRootCause(
      {
        version: 1, scenario: 's', file: 's.yaml', status: 'failed', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1,
        summary: { passed: 0, failed: 3, errored: 0, skipped: 0 },
        checks: [
          check('infrastructure applied', 'terraform-drift', { drift: true, changedTypes: ['aws_security_group_rule'] }, { fix }),
          check('redis ingress', 'sg-ingress', { missingRule: true, port: 6379 }),
          check('no redis errors', 'logs-absent', { logMatches: 4 }),
        ],
      },
      checkTypes,
    );
    expect(cause).toMatchObject({ check: 'infrastructure applied', consequences: ['redis ingress', 'no redis errors'], fix });
    expect(cause?.otherCauses).toBeUndefined();
  });

  it('needs the drift facts: a terraform error explains nothing', () => {
    const errored: FailureView = { name: 'drift', type: 'terraform-drift', message: 'terraform plan failed', facts: {} };
    expect(relation('sg-ingress')?.when?.(errored, effect('sg-ingress'))).toBe(false);
  });
});

describe('terraform-drift against a fake terraform', () => {
  let root: string;
  let scenarioDir: string;
  const originalPath = process.env.PATH;

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'vd-tf-unit-'));
    scenarioDir = path.join(root, 'scenario');
    mkdirSync(path.join(scenarioDir, 'infra', '.terraform'), { recursive: true });
    mkdirSync(path.join(scenarioDir, 'fresh'), { recursive: true });
    mkdirSync(path.join(root, 'empty-bin'));
  });

  afterAll(() => {
    process.env.PATH = originalPath;
    rmSync(root, { recursive: true, force: true });
  });

  /**
   * Writes a `terraform` script that logs each call (environment and arguments) and answers as
   * terraform would: plan writes its -out file and exits `planExit`; show prints the sample JSON.
   */
  function fakeTerraform(name: string, plan: string): { bin: string; calls: () => { env: string; args: string[] }[] } {
    const bin = path.join(root, name);
    mkdirSync(bin);
    const log = path.join(bin, 'calls.log');
    writeFileSync(
      path.join(bin, 'terraform'),
      [
        '#!/bin/sh',
        `{ echo "CALL TF_WORKSPACE=\${TF_WORKSPACE-} TF_IN_AUTOMATION=\${TF_IN_AUTOMATION-} PWD=$PWD"; for a in "$@"; do echo "  $a"; done; } >> '${log}'`,
        'case "$1" in',
        '  init) echo "Terraform has been successfully initialized!"; exit 0 ;;',
        `  workspace) printf '  default\\n* staging\\n'; exit 0 ;;`,
        `  plan) for a in "$@"; do case "$a" in -out=*) echo plan > "\${a#-out=}" ;; esac; done; ${plan} ;;`,
        `  show) cat '${SAMPLE}'; exit 0 ;;`,
        'esac',
        'exit 1',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const calls = (): { env: string; args: string[] }[] =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('CALL ')
            .slice(1)
            .map((block) => {
              const [env = '', ...args] = block.trimEnd().split('\n');
              return { env, args: args.map((a) => a.slice(2)) };
            })
        : [];
    return { bin, calls };
  }

  /** The -out plan file terraform was given (from the fake's log). */
  function planFileOf(calls: { args: string[] }[]): string {
    const out = calls.flatMap((c) => c.args).find((a) => a.startsWith('-out='));
    if (!out) throw new Error('terraform plan was not called with -out');
    return out.slice('-out='.length);
  }

  async function withPath<T>(dir: string, body: () => Promise<T>): Promise<T> {
    process.env.PATH = dir;
    try {
      return await body();
    } finally {
      process.env.PATH = originalPath;
    }
  }

  function runCheck(spec: Record<string, unknown>, ctx = fakeContext({ scenarioDir })) {
    return terraformDrift.run(terraformDrift.schema.parse(spec), ctx);
  }

  it('plans with argument arrays, TF_WORKSPACE and TF_IN_AUTOMATION, reads the plan, and removes it', async () => {
    const fake = fakeTerraform('bin-drift', 'echo "Plan: 1 to add, 1 to change, 0 to destroy."; exit 2');
    const result = await withPath(`${fake.bin}:${originalPath}`, () =>
      runCheck({
        dir: 'infra',
        workspace: 'staging',
        vars: { image: 'api:151; touch injected', replicas: 2 },
        varFiles: ['dev.tfvars'],
        targets: ['aws_ecs_task_definition.api'],
      }),
    );
    const calls = fake.calls();
    // .terraform exists: no init. The workspace is checked, never selected.
    expect(calls.map((c) => c.args.slice(0, 2).join(' '))).toEqual(['workspace list', 'plan -detailed-exitcode', 'show -json']);
    for (const call of calls) expect(call.env).toBe(`TF_WORKSPACE=staging TF_IN_AUTOMATION=1 PWD=${path.join(scenarioDir, 'infra')}`);
    const planArgs = calls[1]?.args ?? [];
    const out = planFileOf(calls);
    expect(planArgs).toEqual([
      'plan', '-detailed-exitcode', '-input=false', '-lock=false', '-no-color', `-out=${out}`,
      '-var', 'image=api:151; touch injected', '-var', 'replicas=2',
      `-var-file=${path.join(scenarioDir, 'dev.tfvars')}`,
      '-target=aws_ecs_task_definition.api',
    ]);
    expect(calls[2]?.args).toEqual(['show', '-json', out]);
    expect(path.basename(path.dirname(out))).toMatch(/^vd-terraform-drift-/);
    expect(existsSync(path.dirname(out))).toBe(false);
    expect(existsSync(path.join(scenarioDir, 'infra', 'injected'))).toBe(false);

    expect(result.outcome).toBe('fail');
    expect(result.message).toBe(
      `terraform plan in ${path.join(scenarioDir, 'infra')} (workspace staging): 7 pending changes: ` +
        '+ aws_security_group_rule.redis_from_data_pipeline_ecs (create), ~ aws_ecs_task_definition.api (update), ' +
        '-/+ aws_elasticache_parameter_group.redis (replace), -/+ module.network.aws_subnet.private["us-east-1a"] (replace), ' +
        '- aws_elasticache_subnet_group.old (delete), - aws_instance.bastion (delete, deposed object 00000001), ' +
        '* aws_s3_bucket.legacy_logs (forget); outputs changed: api_url',
    );
    expect(result.observations).toHaveLength(8);
    expect(result.observations?.[0]).toEqual({
      what: 'aws_security_group_rule.redis_from_data_pipeline_ecs',
      expected: 'matches the configuration',
      actual: 'create pending',
      ok: false,
    });
    expect(result.observations?.[7]).toEqual({ what: 'outputs', expected: 'unchanged', actual: 'changed: api_url', ok: false });
    expect(result.facts).toEqual({
      drift: true,
      changedTypes: ['aws_security_group_rule', 'aws_ecs_task_definition', 'aws_elasticache_parameter_group', 'aws_subnet', 'aws_elasticache_subnet_group', 'aws_instance', 'aws_s3_bucket'],
      changedAddresses: expect.arrayContaining(['aws_security_group_rule.redis_from_data_pipeline_ecs']),
      outputsChanged: ['api_url'],
    });
    expect(result.fix?.summary).toMatch(/^apply the pending changes/);
    expect(result.fix?.command).toMatch(
      /^TF_WORKSPACE=staging terraform -chdir=\S+ apply -var 'image=api:151; touch injected' -var replicas=2 -var-file=\S+dev\.tfvars -target=aws_security_group_rule\.redis_from_data_pipeline_ecs -target=aws_ecs_task_definition\.api /,
    );
    // The deposed object and its current object share an address: targeted once.
    expect(result.fix?.command?.match(/-target=aws_instance\.bastion/g)).toHaveLength(1);
    expect(result.nextSteps).toEqual([expect.stringMatching(/^TF_WORKSPACE=staging terraform -chdir=\S+ plan .*-target=aws_ecs_task_definition\.api$/)]);
    expect(result.details).toMatchObject({ exitCode: 2, vars: ['image', 'replicas'], stdoutTail: 'Plan: 1 to add, 1 to change, 0 to destroy.' });
  });

  it('never carries planned values (sensitive ones included) into the result', async () => {
    const fake = fakeTerraform('bin-secret', 'exit 2');
    const result = await withPath(`${fake.bin}:${originalPath}`, () => runCheck({ dir: 'infra' }));
    expect(result.outcome).toBe('fail');
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(JSON.stringify(result)).not.toContain('http://new');
  });

  it('registers credential-named variable values (vars, TF_VAR_*) as secrets before any output, so the plan tail and commands are masked', async () => {
    const fake = fakeTerraform('bin-tfvar', 'for a in "$@"; do echo "arg $a"; done; echo "  ~ input = \\"$TF_VAR_private_key\\""; exit 2');
    const apiKey = 'scenario-api-key-1234';
    const privateKey = 'tfvar-private-key-5678';
    const events: string[] = [];
    const secrets: string[] = [];
    const ctx = fakeContext({
      scenarioDir,
      addSecret: (value) => {
        secrets.push(value);
        events.push('secret');
      },
      log: { debug: (line) => events.push(`debug ${line}`) },
    });
    process.env.TF_VAR_private_key = privateKey;
    let result;
    try {
      result = await withPath(`${fake.bin}:${originalPath}`, () => runCheck({ dir: 'infra', vars: { api_key: apiKey, image: 'api:151' } }, ctx));
    } finally {
      delete process.env.TF_VAR_private_key;
    }
    expect(result.outcome).toBe('fail');
    expect(secrets.sort()).toEqual([apiKey, privateKey].sort());
    // Registered before the first line of output of any kind.
    expect(events.slice(0, 2)).toEqual(['secret', 'secret']);
    expect(events.join('\n')).not.toContain(apiKey);
    // terraform echoed both into the plan output the report keeps...
    expect((result.details as { stdoutTail: string }).stdoutTail).toContain(privateKey);
    // ...and the runner's masker, knowing them, leaves nothing of either in the result.
    const masked = JSON.stringify(new Masker(secrets).maskDeep(result));
    expect(masked).not.toContain(apiKey);
    expect(masked).not.toContain(privateKey);
    expect(result.fix?.command).toContain('-var "api_key=${TF_VAR_api_key:?set TF_VAR_api_key to the value of api_key}" -var image=api:151');
    expect(result.nextSteps?.join(' ')).not.toContain(apiKey);
  });

  it('initialises a directory without .terraform first', async () => {
    const fake = fakeTerraform('bin-init', 'exit 0');
    const result = await withPath(`${fake.bin}:${originalPath}`, () => runCheck({ dir: 'fresh' }));
    expect(fake.calls().map((c) => c.args)).toEqual([
      ['init', '-input=false', '-lock=false', '-no-color'],
      expect.arrayContaining(['plan']),
    ]);
    expect(result).toMatchObject({ outcome: 'pass', facts: { drift: false }, details: { initialized: true } });
    expect(existsSync(path.dirname(planFileOf(fake.calls())))).toBe(false);
  });

  it('reports a workspace that does not exist instead of planning against empty state', async () => {
    const fake = fakeTerraform('bin-ws', 'exit 2');
    const result = await withPath(`${fake.bin}:${originalPath}`, () => runCheck({ dir: 'infra', workspace: 'prod' }));
    expect(result.outcome).toBe('error');
    expect(result.message).toBe(`Terraform workspace "prod" does not exist in ${path.join(scenarioDir, 'infra')} (workspaces: default, staging)`);
    expect(fake.calls().map((c) => c.args[0])).toEqual(['workspace']);
  });

  it('reports terraform missing from PATH as an error saying so', async () => {
    const result = await withPath(path.join(root, 'empty-bin'), () => runCheck({ dir: 'infra' }));
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(/^terraform is not installed or not on PATH/);
  });

  it('reports a missing directory as an error naming it', async () => {
    const result = await runCheck({ dir: 'nowhere' });
    expect(result).toMatchObject({ outcome: 'error', message: `Terraform directory ${path.join(scenarioDir, 'nowhere')} does not exist` });
  });

  it('reports a plan killed by a signal as an error', async () => {
    const fake = fakeTerraform('bin-killed', 'kill -9 $$');
    const result = await withPath(`${fake.bin}:${originalPath}`, () => runCheck({ dir: 'infra' }));
    expect(result.outcome).toBe('error');
    expect(result.message).toBe(`terraform plan in ${path.join(scenarioDir, 'infra')} was killed by SIGKILL`);
  });

  it('kills a plan that ignores SIGTERM as soon as the signal aborts, and removes the plan file', async () => {
    const pidFile = path.join(root, 'stubborn.pid');
    // `trap '' TERM` is inherited by sleep: the whole group ignores SIGTERM, as terraform does while
    // it waits on an unresponsive backend.
    const fake = fakeTerraform('bin-stubborn', `trap '' TERM; sleep 30 & echo $! > '${pidFile}'; wait; exit 0`);
    const started = Date.now();
    await expect(
      withPath(`${fake.bin}:${originalPath}`, () =>
        runCheck({ dir: 'infra' }, fakeContext({ scenarioDir, signal: timeoutSignal(300), timeoutMs: 300 })),
      ),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isRunning(sleeper)).toBe(false);
    expect(existsSync(path.dirname(planFileOf(fake.calls())))).toBe(false);
  });

  it('does not start terraform when the signal has already aborted', async () => {
    const fake = fakeTerraform('bin-aborted', 'exit 0');
    const controller = new AbortController();
    controller.abort(new Error('run interrupted'));
    await expect(
      withPath(`${fake.bin}:${originalPath}`, () => runCheck({ dir: 'infra' }, fakeContext({ scenarioDir, signal: controller.signal }))),
    ).rejects.toThrow('run interrupted');
    expect(fake.calls()).toEqual([]);
  });
});
