/**
 * examples/ecs-lifecycle-hook/template.yaml: passes cfn-lint (a loud failure under CI=true when
 * cfn-lint is missing), and wires what the handler and the README say.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../../scripts/package-root.js';

const templatePath = path.join(packageRoot(), 'examples', 'ecs-lifecycle-hook', 'template.yaml');
const hasCfnLint = spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status === 0;
if (process.env.CI === 'true' && !hasCfnLint) throw new Error('cfn-lint is required under CI=true (it comes with moto: pip install "moto[server]" cfn-lint)');
if (!hasCfnLint) console.warn('SKIPPED cfn-lint of examples/ecs-lifecycle-hook: cfn-lint is not installed');

// CloudFormation's short tags (!Ref, !GetAtt, !Sub ...) read as plain values.
const shortTags = ['Ref', 'GetAtt', 'Sub', 'If', 'Not', 'Equals'].flatMap((name) =>
  (['scalar', 'seq', 'map'] as const).map((nodeClass) => ({ tag: `!${name}`, collection: nodeClass === 'scalar' ? undefined : nodeClass, resolve: (value: unknown) => ({ [name]: value }) })),
);
const template = parse(readFileSync(templatePath, 'utf8'), { customTags: shortTags as never }) as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
const resources = template.Resources;

function actionsOf(role: string): string[] {
  return (resources[role]!.Properties.Policies as { PolicyDocument: { Statement: { Action: string | string[] }[] } }[]).flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => [s.Action].flat()));
}

describe('examples/ecs-lifecycle-hook/template.yaml', () => {
  (hasCfnLint ? it : it.skip)('passes cfn-lint', () => {
    const result = spawnSync('cfn-lint', [templatePath], { encoding: 'utf8', timeout: 120_000 });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 150_000);

  it('the function runs the packaged handler', () => {
    expect(resources.VerifyFunction!.Properties).toMatchObject({ Handler: 'dist/runner/lambda/handler.handler', Runtime: expect.stringMatching(/^nodejs(20|22)\.x$/) });
  });

  it('a blue/green service whose lifecycle hook invokes the function with the role ECS assumes', () => {
    const config = resources.Service!.Properties.DeploymentConfiguration;
    expect(config.Strategy).toBe('BLUE_GREEN');
    expect(config.LifecycleHooks).toEqual([expect.objectContaining({ HookTargetArn: { GetAtt: 'VerifyFunction.Arn' }, RoleArn: { GetAtt: 'HookInvokeRole.Arn' } })]);
    expect(resources.HookInvokeRole!.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'ecs.amazonaws.com' });
  });

  it('the roles grant exactly what the handler and the README name', () => {
    expect(actionsOf('HookInvokeRole')).toEqual(['lambda:InvokeFunction']);
    const fn = actionsOf('VerifyFunctionRole');
    expect(fn).toContain('ecs:DescribeServiceRevisions');
    expect(fn.filter((a) => /^(iam|ecs:(Update|Create|Delete|Continue)|lambda:)/.test(a))).toEqual([]);
    const readme = readFileSync(path.join(path.dirname(templatePath), 'README.md'), 'utf8');
    for (const action of fn) expect(readme).toContain(`\`${action}\``);
  });
});
