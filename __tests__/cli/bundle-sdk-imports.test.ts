/**
 * The CLI bundle keeps of each AWS SDK client only what the CLI imports (scripts/build-bundle.ts):
 * the names are read from our sources (sdkImportsOf), and the clients' generated schemas are
 * rewritten so esbuild drops the shapes of operations nobody calls.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sdkImportsOf } from '../../scripts/build-bundle.js';
import { ROOT } from '../support/cli.js';

function namesOf(source: string): Record<string, string[]> {
  const used = new Map<string, Set<string>>();
  sdkImportsOf(source, 'probe.ts', used);
  return Object.fromEntries([...used].map(([pkg, names]) => [pkg, [...names].sort()]));
}

describe('sdkImportsOf', () => {
  it.each([
    ["import { EC2Client, type Filter, DescribeSubnetsCommand as Subnets } from '@aws-sdk/client-ec2';", { '@aws-sdk/client-ec2': ['DescribeSubnetsCommand', 'EC2Client'] }],
    ["import type { EC2Client } from '@aws-sdk/client-ec2';", { '@aws-sdk/client-ec2': [] }],
    ["const { ListTasksCommand, DescribeTasksCommand } = await import('@aws-sdk/client-ecs');", { '@aws-sdk/client-ecs': ['DescribeTasksCommand', 'ListTasksCommand'] }],
    ["const create = async () => (await import('@aws-sdk/client-rds')).RDSClient;", { '@aws-sdk/client-rds': ['RDSClient'] }],
  ])('reads %s', (source, expected) => {
    expect(namesOf(source)).toEqual(expected);
  });

  it.each([
    ["const sdk = await import('@aws-sdk/client-ecs');"],
    ["export { ECSClient } from '@aws-sdk/client-ecs';"],
    ["import * as ecs from '@aws-sdk/client-ecs';"],
  ])('refuses a form it cannot read the names of: %s', (source) => {
    expect(() => namesOf(source)).toThrow(/probe\.ts: imports @aws-sdk\/client-ecs in a form/);
  });
});

describe('the built bundle', () => {
  const chunks = path.join(ROOT, 'dist/cli/chunks');
  const ec2Chunk = () => {
    const holders = readdirSync(chunks)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(path.join(chunks, file), 'utf8'))
      .filter((text) => text.includes('DescribeSecurityGroupRules'));
    if (holders.length === 0) throw new Error('no chunk holds the EC2 DescribeSecurityGroupRules command: run `npm run build`');
    return holders.join('\n');
  };

  it('holds the EC2 operations the CLI calls and drops the ones it does not', () => {
    const text = ec2Chunk();
    const present = (names: string[]) => names.filter((name) => text.includes(`"${name}"`));
    const used = ['DescribeSecurityGroupRules', 'DescribeSecurityGroups', 'DescribeSubnets'];
    expect(present(used)).toEqual(used);
    // Operations no command of the CLI (checks, discovery, the demo's sandbox) calls.
    expect(present(['RunInstances', 'AllocateAddress', 'DescribeInstances', 'CreateTransitGateway'])).toEqual([]);
  });
});
