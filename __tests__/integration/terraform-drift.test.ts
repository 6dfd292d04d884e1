/**
 * terraform-drift with the real terraform binary, on temp copies of tiny configurations made of the
 * built-in terraform_data resource (no provider download: works offline). Replays the incident:
 * code defines a change that was never applied, the check lists it, its own fix command applies
 * it, and the check passes.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { terraformDrift } from '../../checks/terraform-drift.js';
import { Masker } from '../../runner/mask.js';
import { fakeContext } from '../support/context.js';
import { requireTool } from '../support/tools.js';
import { timeoutSignal } from '../../checks/support/abort.js';

const FIXTURES = path.resolve('__tests__/fixtures/terraform');

const suite = requireTool('terraform', 'terraform-drift integration tests');

suite('terraform-drift with real terraform', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'vd-tf-it-'));
    cpSync(FIXTURES, path.join(root, 'fixtures'), { recursive: true });
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** Runs terraform as a person would in the setup (apply, workspace new); throws with its stderr. */
  function tf(dir: string, ...args: string[]): string {
    try {
      return execFileSync('terraform', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, TF_IN_AUTOMATION: '1' } });
    } catch (error) {
      throw new Error(`terraform ${args.join(' ')} failed: ${(error as { stderr?: string }).stderr ?? error}`);
    }
  }

  /** A fresh copy of fixtures/<fixture> at <root>/<name>, applied when asked. */
  function prepare(fixture: string, name: string, { apply = false } = {}): string {
    const dir = path.join(root, name);
    cpSync(path.join(root, 'fixtures', fixture), dir, { recursive: true });
    if (apply) tf(dir, 'apply', '-auto-approve', '-input=false', '-no-color');
    return dir;
  }

  async function runCheck(spec: Record<string, unknown>, signal?: AbortSignal) {
    const ctx = fakeContext({ scenarioDir: root, timeoutMs: 60_000, ...(signal ? { signal } : {}) });
    const result = await terraformDrift.run(terraformDrift.schema.parse(spec), ctx);
    return { result, ctx };
  }

  /** The plan file the check passed to terraform plan (-out=), from its debug log. */
  function planFileOf(debugLines: string[]): string {
    const out = debugLines.map((line) => /-out=(\S+)/.exec(line)?.[1]).find(Boolean);
    if (!out) throw new Error(`no terraform plan in the debug log: ${debugLines.join(' | ')}`);
    return out;
  }

  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' });
  }

  describe('an applied configuration', () => {
    let clean: string;
    beforeAll(() => {
      clean = prepare('basic', 'clean', { apply: true });
    });

    it('passes when everything in the configuration is applied, and leaves no plan file behind', async () => {
      const { result, ctx } = await runCheck({ dir: 'clean' });
      expect(result.outcome).toBe('pass');
      expect(result.message).toMatch(new RegExp(`^terraform plan in ${clean} has no changes \\(\\d`));
      // terraform_data needs no download: init runs (no .terraform yet) and works offline.
      expect(result.details).toMatchObject({ initialized: true, exitCode: 0 });
      expect(result.facts).toEqual({ drift: false, changedTypes: [], changedAddresses: [] });
      const planFile = planFileOf(ctx.debugLines);
      expect(existsSync(planFile)).toBe(false);
      expect(existsSync(path.dirname(planFile))).toBe(false);
      expect(filesUnder(clean).filter((f) => f.endsWith('.tfplan'))).toEqual([]);
    });

    it('fails listing an in-place update and a replacement after an input changed (vars)', async () => {
      const { result, ctx } = await runCheck({ dir: 'clean', vars: { input: 'b' } });
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe(
        `terraform plan in ${clean}: 2 pending changes: -/+ terraform_data.r (replace), ~ terraform_data.x (update); outputs changed: input`,
      );
      expect(result.observations).toEqual([
        { what: 'terraform_data.r', expected: 'matches the configuration', actual: 'replace pending', ok: false },
        { what: 'terraform_data.x', expected: 'matches the configuration', actual: 'update pending', ok: false },
        { what: 'outputs', expected: 'unchanged', actual: 'changed: input', ok: false },
      ]);
      expect(result.facts).toEqual({
        drift: true,
        changedTypes: ['terraform_data'],
        changedAddresses: ['terraform_data.r', 'terraform_data.x'],
        outputsChanged: ['input'],
      });
      expect(result.fix?.command).toBe(`terraform -chdir=${clean} apply -var input=b -target=terraform_data.r -target=terraform_data.x`);
      expect(result.nextSteps).toEqual([`terraform -chdir=${clean} plan -var input=b`]);
      expect((result.details as { stdoutTail: string }).stdoutTail).toContain('Plan: 1 to add, 1 to change, 1 to destroy.');
      expect(existsSync(path.dirname(planFileOf(ctx.debugLines)))).toBe(false);
    });

    it('reads var files relative to the scenario directory', async () => {
      const { result } = await runCheck({ dir: 'clean', varFiles: ['fixtures/b.tfvars'] });
      expect(result.outcome).toBe('fail');
      expect(result.message).toContain('~ terraform_data.x (update)');
      expect(result.fix?.command).toContain(`-var-file=${path.join(root, 'fixtures', 'b.tfvars')} `);
    });
  });

  it("replays the incident: the check's own fix command applies the drift, then the check passes", async () => {
    prepare('basic', 'incident', { apply: true });
    const before = await runCheck({ dir: 'incident', vars: { input: 'b' } });
    expect(before.result.outcome).toBe('fail');
    const command = before.result.fix?.command ?? '';
    // Display text, shell-quoted: run it through a shell as a person pasting it would.
    execFileSync('bash', ['-c', `${command} -auto-approve -input=false -no-color`], { cwd: tmpdir(), stdio: 'pipe', env: { ...process.env, TF_IN_AUTOMATION: '1' } });
    const after = await runCheck({ dir: 'incident', vars: { input: 'b' } });
    expect(after.result.outcome).toBe('pass');
  });

  describe('credential-named variables terraform prints in the plan', () => {
    const apiKey = 'it-api-key-from-vars-7781';
    const privateKey = 'it-private-key-from-env-9913';

    it('are registered as secrets before any output, and the shown fix takes them from the environment', async () => {
      prepare('secrets', 'secrets', { apply: true });
      process.env.TF_VAR_private_key = privateKey;
      let run;
      try {
        run = await runCheck({ dir: 'secrets', vars: { api_key: apiKey } });
      } finally {
        delete process.env.TF_VAR_private_key;
      }
      const { result, ctx } = run;
      expect(result.outcome).toBe('fail');
      expect(ctx.secrets.sort()).toEqual([apiKey, privateKey].sort());
      // The real plan prints both values (the variables are not declared sensitive): the tail is
      // masked at the source, before it is cut...
      const stdoutTail = (result.details as { stdoutTail: string }).stdoutTail;
      expect(stdoutTail).toContain('-> "***/***"');
      // ...and the masker the runner builds from the registered secrets removes them everywhere.
      const masked = JSON.stringify(new Masker(ctx.secrets).maskDeep(result));
      expect(masked).not.toContain(apiKey);
      expect(masked).not.toContain(privateKey);
      expect(ctx.debugLines.join('\n')).not.toContain(apiKey);

      // Pasted without the variable set, bash refuses to run it (never applies "***" or "").
      const command = `${result.fix?.command ?? ''} -auto-approve -input=false -no-color`;
      const refused = spawnSync('bash', ['-c', command], { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, TF_VAR_api_key: undefined, TF_IN_AUTOMATION: '1' } });
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('set TF_VAR_api_key to the value of api_key');
      // With it set, the fix applies the drift and the check passes.
      execFileSync('bash', ['-c', command], { cwd: tmpdir(), stdio: 'pipe', env: { ...process.env, TF_VAR_api_key: apiKey, TF_VAR_private_key: privateKey, TF_IN_AUTOMATION: '1' } });
      process.env.TF_VAR_private_key = privateKey;
      try {
        expect((await runCheck({ dir: 'secrets', vars: { api_key: apiKey } })).result.outcome).toBe('pass');
      } finally {
        delete process.env.TF_VAR_private_key;
      }
    });
  });

  describe('a resource defined in code but never applied', () => {
    beforeAll(() => {
      const dir = prepare('basic', 'added', { apply: true });
      cpSync(path.join(root, 'fixtures', 'added', 'y.tf'), path.join(dir, 'y.tf'));
    });

    it('fails listing it as a create', async () => {
      const { result } = await runCheck({ dir: 'added' });
      expect(result.outcome).toBe('fail');
      expect(result.message).toMatch(/: 1 pending change: \+ terraform_data\.y \(create\)$/);
      expect(result.fix?.command).toMatch(/ apply -target=terraform_data\.y$/);
    });

    it('passes when the targets leave it out', async () => {
      const { result } = await runCheck({ dir: 'added', targets: ['terraform_data.x'] });
      expect(result.outcome).toBe('pass');
      expect(result.message).toContain('has no changes for 1 target(s)');
    });

    it('lists only targeted resources', async () => {
      const { result } = await runCheck({ dir: 'added', targets: ['terraform_data.y', 'terraform_data.x'] });
      expect(result.outcome).toBe('fail');
      expect(result.facts).toMatchObject({ changedAddresses: ['terraform_data.y'] });
    });
  });

  describe('workspaces', () => {
    let dir: string;
    beforeAll(() => {
      dir = prepare('basic', 'workspaces', { apply: true });
      tf(dir, 'workspace', 'new', 'staging');
      tf(dir, 'workspace', 'select', 'default');
    });

    it('plans in the given workspace through TF_WORKSPACE', async () => {
      const { result } = await runCheck({ dir: 'workspaces', workspace: 'staging' });
      expect(result.outcome).toBe('fail');
      expect(result.message).toBe(
        `terraform plan in ${dir} (workspace staging): 2 pending changes: + terraform_data.r (create), + terraform_data.x (create); outputs changed: input`,
      );
      expect(result.fix?.command).toMatch(/^TF_WORKSPACE=staging terraform -chdir=/);
      expect((await runCheck({ dir: 'workspaces', workspace: 'default' })).result.outcome).toBe('pass');
    });

    it('reports a workspace that does not exist instead of planning against empty state', async () => {
      const { result } = await runCheck({ dir: 'workspaces', workspace: 'prod' });
      expect(result.outcome).toBe('error');
      expect(result.message).toBe(`Terraform workspace "prod" does not exist in ${dir} (workspaces: default, staging)`);
    });

    it('never changes the selected workspace', () => {
      expect(tf(dir, 'workspace', 'show').trim()).toBe('default');
    });
  });

  describe('broken configurations', () => {
    it('reports a syntax error (init fails) as an error with the stderr tail', async () => {
      const dir = prepare('broken', 'broken');
      const { result } = await runCheck({ dir: 'broken' });
      expect(result.outcome).toBe('error');
      expect(result.message).toMatch(new RegExp(`^terraform init failed in ${dir} \\(exit 1\\): .*Unclosed configuration block`));
      expect((result.details as { stderrTail: string }).stderrTail).toContain('on main.tf line 2');
      expect(result.nextSteps).toEqual([`terraform -chdir=${dir} init`]);
    });

    it('reports a plan error (exit 1) as an error with the stderr tail', async () => {
      const dir = prepare('undeclared', 'undeclared');
      const { result, ctx } = await runCheck({ dir: 'undeclared' });
      expect(result.outcome).toBe('error');
      expect(result.message).toBe(`terraform plan failed in ${dir} (exit 1): Reference to undeclared input variable`);
      expect((result.details as { stderrTail: string }).stderrTail).toContain('var.missing');
      expect(result.nextSteps).toEqual([`terraform -chdir=${dir} plan`]);
      expect(existsSync(path.dirname(planFileOf(ctx.debugLines)))).toBe(false);
    });
  });

  describe('a backend that stops answering', () => {
    let server: Server;
    let hang = false;
    beforeAll(async () => {
      // An http state backend: answers "no state yet" (so init works), then hangs when told to.
      server = createServer((_req, res) => {
        if (hang) return;
        res.statusCode = 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('kills terraform plan when the signal aborts and removes the plan file', async () => {
      const dir = path.join(root, 'hanging');
      cpSync(path.join(root, 'fixtures', 'basic'), dir, { recursive: true });
      const { port } = server.address() as { port: number };
      writeFileSync(path.join(dir, 'backend.tf'), `terraform {\n  backend "http" {\n    address = "http://127.0.0.1:${port}/state"\n  }\n}\n`);
      // Not execFileSync: the backend answers from this process's event loop.
      await promisify(execFile)('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, timeout: 20_000 });
      hang = true;
      const started = Date.now();
      const ctx = fakeContext({ scenarioDir: root, signal: timeoutSignal(1000), timeoutMs: 1000 });
      const attempt = terraformDrift.run(terraformDrift.schema.parse({ dir: 'hanging' }), ctx);
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(terraformProcessesIn(dir)).toHaveLength(1);
      await expect(attempt).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(terraformProcessesIn(dir)).toEqual([]);
      expect(existsSync(path.dirname(planFileOf(ctx.debugLines)))).toBe(false);
    });
  });
});

/** Live terraform processes whose working directory is `dir`. */
function terraformProcessesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'terraform' && readlinkSync(`/proc/${pid}/cwd`) === dir && state !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}
