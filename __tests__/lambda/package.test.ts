/**
 * npm run package:lambda: the zip holds the handler and only production dependencies, and the
 * handler imports and answers from an unpacked copy in a fresh node process. Needs dist/ (npm run
 * build) and the unzip command.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packageLambda, productionPackageDirs, writeZip } from '../../scripts/package-lambda.js';
import { packageRoot } from '../../scripts/package-root.js';

const root = packageRoot();
const hasUnzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;
if (process.env.CI === 'true' && !hasUnzip) throw new Error('the unzip command is required under CI=true (apt-get install unzip)');
const describeWithUnzip = hasUnzip ? describe : describe.skip;
if (!hasUnzip) console.warn('SKIPPED package:lambda tests: the unzip command is not installed (apt-get install unzip)');

describe('productionPackageDirs', () => {
  it('holds the dependencies and their dependencies, never dev tools', () => {
    const dirs = productionPackageDirs(root).map((d) => path.relative(root, d));
    expect(dirs).toEqual(expect.arrayContaining([path.join('node_modules', 'zod'), path.join('node_modules', '@aws-sdk', 'client-ecs'), path.join('node_modules', '@smithy', 'core')]));
    for (const dev of ['jest', 'typescript', '@swc/core', 'aws-sdk-client-mock', 'esbuild']) expect(dirs).not.toContain(path.join('node_modules', dev));
  });
});

describeWithUnzip('package:lambda', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'vd-lambda-zip-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('builds a zip whose handler imports from an unpacked copy and answers FAILED to a malformed event', () => {
    if (!existsSync(path.join(root, 'dist', 'runner', 'lambda', 'handler.js'))) throw new Error('dist/ is not built: run npm run build first');
    const extra = path.join(work, 'my-scenarios');
    mkdirSync(extra);
    writeFileSync(path.join(extra, 'gate.yaml'), 'name: gate\nchecks:\n  - { name: ok, type: http, url: "http://127.0.0.1:9/" }\n');
    const out = path.join(work, 'bundle.zip');
    const { bytes } = packageLambda({ root, out, scenarios: extra });
    expect(bytes).toBeLessThan(50 * 1024 * 1024); // Lambda's limit for a zip uploaded directly

    const listing = execFileSync('unzip', ['-Z1', out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n');
    for (const file of ['package.json', 'dist/runner/lambda/handler.js', 'dist/runner/index.js', 'scenarios/gate.yaml', 'scenarios/http-smoke.yaml', 'node_modules/zod/package.json', 'node_modules/@aws-sdk/client-ecs/package.json', 'node_modules/@aws-sdk/client-codedeploy/package.json']) {
      expect(listing).toContain(file);
    }
    expect(listing.filter((f) => /^node_modules\/(jest|typescript|@swc|esbuild|aws-sdk-client-mock)\//.test(f))).toEqual([]);
    expect(listing.filter((f) => f.endsWith('.d.ts') || f.endsWith('.map'))).toEqual([]);

    const unpacked = path.join(work, 'unpacked');
    execFileSync('unzip', ['-q', out, '-d', unpacked]);
    expect(JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8'))).toMatchObject({ type: 'module', exports: { './lambda': expect.anything() } });
    const script = `const { handler } = await import(${JSON.stringify(path.join(unpacked, 'dist', 'runner', 'lambda', 'handler.js'))});
const answer = await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' }, { getRemainingTimeInMillis: () => 30000 });
process.stdout.write('ANSWER ' + JSON.stringify(answer) + '\\n');`;
    // A fresh process started outside the repository: nothing resolves from the project's node_modules.
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: work, encoding: 'utf8', env: { PATH: process.env.PATH, LAMBDA_TASK_ROOT: unpacked, AWS_REGION: 'us-east-1' }, timeout: 60_000 });
    expect(child.status).toBe(0);
    const answer = JSON.parse(/^ANSWER (.*)$/m.exec(child.stdout)![1]!) as { hookStatus: string; error: string };
    expect(answer).toMatchObject({ hookStatus: 'FAILED', error: expect.stringMatching(/malformed ECS lifecycle hook event/) });
    const logLine = JSON.parse(child.stdout.split('\n').find((l) => l.startsWith('{'))!) as Record<string, unknown>;
    expect(logLine).toMatchObject({ msg: 'verify-deployment verdict', hookStatus: 'FAILED', verdict: 'errored' });
  }, 180_000);

  it('the built-in zip writer (no zip command) makes an archive unzip reads back, the same bytes each time', () => {
    const dir = path.join(work, 'small');
    mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(path.join(dir, 'a', 'b', 'c.txt'), 'hello '.repeat(1000));
    writeFileSync(path.join(dir, 'ünïcode.json'), '{"x":1}');
    writeFileSync(path.join(dir, 'empty'), '');
    writeZip(dir, path.join(work, 'one.zip'));
    writeZip(dir, path.join(work, 'two.zip'));
    expect(readFileSync(path.join(work, 'one.zip')).equals(readFileSync(path.join(work, 'two.zip')))).toBe(true);
    expect(spawnSync('unzip', ['-tq', path.join(work, 'one.zip')], { encoding: 'utf8' }).status).toBe(0);
    const back = path.join(work, 'back');
    execFileSync('unzip', ['-q', path.join(work, 'one.zip'), '-d', back]);
    expect(readFileSync(path.join(back, 'a', 'b', 'c.txt'), 'utf8')).toBe('hello '.repeat(1000));
    expect(readFileSync(path.join(back, 'ünïcode.json'), 'utf8')).toBe('{"x":1}');
    expect(readFileSync(path.join(back, 'empty'), 'utf8')).toBe('');
  });
});
