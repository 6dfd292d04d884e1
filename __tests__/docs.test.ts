import { describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkTypes } from '../checks/index.js';
import { scenarioJsonSchema } from '../runner/schema.js';
import { END, renderReference, START } from '../scripts/reference.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

describe('generated documentation stays in step with the schemas', () => {
  it('README.md reference block is current (npm run build && npm run docs)', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    expect(block).toBe(renderReference());
  });

  it('scenario.schema.json is current (npm run build && npm run schema)', async () => {
    const file = JSON.parse(await readFile(path.join(ROOT, 'scenario.schema.json'), 'utf8'));
    expect(file).toEqual(scenarioJsonSchema(checkTypes));
  });

  it.each(checkTypes.map((c) => c.type))('check type %s has its page in docs/checks/', async (type) => {
    const page = await readFile(path.join(ROOT, 'docs', 'checks', `${type}.md`), 'utf8');
    expect(page).toContain(`\`${type}\``);
  });

  it('the README IAM policy grants every IAM action a check page asks for; writes only in the RolloutGate and PublishMetrics statements', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const policy = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(readme)![1]!) as { Statement: { Sid?: string; Action: string[] }[] };
    const granted = new Set(policy.Statement.flatMap((s) => s.Action));
    // The rollout gates' writes (gate's ContinueServiceDeployment, the Lambda hook's CodeDeploy status), and nothing else.
    const gateWrites = ['ecs:ContinueServiceDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus'];
    const gate = policy.Statement.filter((s) => s.Sid === 'RolloutGate');
    expect(gate).toHaveLength(1);
    expect([...gate[0]!.Action].sort()).toEqual([...gateWrites].sort());
    // run --publish-metrics: the verdict as a metric, and nothing else.
    const publish = policy.Statement.filter((s) => s.Sid === 'PublishMetrics');
    expect(publish).toHaveLength(1);
    expect(publish[0]!.Action).toEqual(['cloudwatch:PutMetricData']);
    for (const statement of policy.Statement.filter((s) => s.Sid !== 'RolloutGate' && s.Sid !== 'PublishMetrics')) {
      for (const action of statement.Action) expect(action).toMatch(/:(Describe|List|Get|FilterLogEvents|StartQuery|StopQuery)/);
    }
    const pages = await Promise.all(checkTypes.map((c) => readFile(path.join(ROOT, 'docs', 'checks', `${c.type}.md`), 'utf8')));
    const asked = new Set(pages.flatMap((page) => [...page.matchAll(/`((?:ecs|ec2|elasticloadbalancing|logs|elasticache|rds|memorydb|secretsmanager|ssm|cloudwatch):[A-Z][A-Za-z]+)`/g)].map((m) => m[1]!)));
    expect([...asked].filter((action) => !granted.has(action))).toEqual([]);
  });
});
