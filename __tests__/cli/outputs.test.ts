/**
 * Report files are written whole or not at all (temp file + rename), and a path that cannot be
 * written fails at once with its reason, never after spinning (mkdir -p under /proc).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDirectory, OutputPathError, prepareOutputPath, writeFileAtomic } from '../../scripts/cli/outputs.js';
import type { TestHttpServer } from '../support/http-server.js';
import { fixture, killAllCli, runCli, STACK_LINE, startFixtureServer, type CliResult } from '../support/cli.js';

const PREVIOUS = '{"status":"passed","previous":true}\n';
/** Root ignores permission bits: a read-only directory only refuses writes to other users. */
const isRoot = process.getuid?.() === 0;

let tmp: string;
let dirCount = 0;
const freshDir = () => {
  const dir = path.join(tmp, `case-${++dirCount}`);
  mkdirSync(dir);
  return dir;
};

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'vd-cli-outputs-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates missing directories and replaces a previous file, leaving no temp file', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'a/b/report.json');
    await writeFileAtomic(file, 'first');
    await writeFileAtomic(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(path.join(dir, 'a/b'))).toEqual(['report.json']);
  });

  it('keeps the previous file intact when the temp file cannot be written, and leaves nothing behind', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'report.json');
    writeFileSync(file, PREVIOUS);
    // The temporary name is taken by a directory: the write fails before the rename.
    const temp = path.join(dir, '.report.json.tmp');
    mkdirSync(temp);
    await expect(writeFileAtomic(file, 'truncated', { tempPath: () => temp })).rejects.toThrow(/EEXIST/);
    expect(readFileSync(file, 'utf8')).toBe(PREVIOUS);
    expect(readdirSync(dir).sort()).toEqual(['.report.json.tmp', 'report.json']);
  });

  it('removes its temp file when the rename fails (the destination is a directory)', async () => {
    const dir = freshDir();
    mkdirSync(path.join(dir, 'report.json'));
    await expect(writeFileAtomic(path.join(dir, 'report.json'), 'x')).rejects.toMatchObject({ code: 'EISDIR' });
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  (isRoot ? it.skip : it)('keeps the previous file in a read-only directory (not as root: root ignores modes)', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'report.json');
    writeFileSync(file, PREVIOUS);
    chmodSync(dir, 0o555);
    try {
      await expect(writeFileAtomic(file, 'new')).rejects.toMatchObject({ code: 'EACCES' });
      expect(readFileSync(file, 'utf8')).toBe(PREVIOUS);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe('ensureDirectory and prepareOutputPath fail at once with the reason', () => {
  it.each([
    ['a directory the file system refuses (/proc)', () => '/proc/verify-deployment-nope/deeper', /cannot create directory \/proc\/verify-deployment-nope: the file system refuses new entries there \(ENOENT\)/],
    ['a path under a regular file', () => {
      const dir = freshDir();
      writeFileSync(path.join(dir, 'file'), '');
      return path.join(dir, 'file/sub/dir');
    }, /file is not a directory/],
  ])('%s', async (_name, dir, message) => {
    const started = performance.now();
    const error = await ensureDirectory(dir()).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OutputPathError);
    expect((error as Error).message).toMatch(message);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses an output path that is a directory', async () => {
    const dir = freshDir();
    await expect(prepareOutputPath(dir)).rejects.toThrow(`${dir} is a directory`);
  });

  it('creates the missing directories of a good path', async () => {
    const dir = freshDir();
    await prepareOutputPath(path.join(dir, 'x/y/report.xml'));
    expect(existsSync(path.join(dir, 'x/y'))).toBe(true);
    expect(existsSync(path.join(dir, 'x/y/report.xml'))).toBe(false);
  });
});

describe('run --out with a path that cannot be written (the built CLI)', () => {
  let server: TestHttpServer;
  let impossible: CliResult;
  let intoDirectory: CliResult;
  let dir: string;

  beforeAll(async () => {
    server = await startFixtureServer();
    dir = mkdtempSync(path.join(tmpdir(), 'vd-cli-out-'));
    mkdirSync(path.join(dir, 'taken.json'));
    writeFileSync(path.join(dir, 'previous.json'), PREVIOUS);
    const base = `base=${server.url}`;
    [impossible, intoDirectory] = await Promise.all([
      runCli(['run', fixture('passing.yaml'), '--var', base, '--out', 'json=/proc/verify-deployment-nope/x.json', '--out', `junit=${path.join(dir, 'ok/junit.xml')}`], { killAfterMs: 20_000 }),
      runCli(['run', fixture('passing.yaml'), '--var', base, '--out', `json=${path.join(dir, 'taken.json')}`, '--out', `json=${path.join(dir, 'previous.json')}`]),
    ]);
  }, 60_000);

  afterAll(async () => {
    killAllCli();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('under /proc: says so before the run, still writes the other outputs, exits 1 promptly', () => {
    expect({ code: impossible.code, timedOut: impossible.timedOut }).toEqual({ code: 1, timedOut: false });
    expect(impossible.wallMs).toBeLessThan(10_000);
    expect(impossible.stderr).toContain('verify-deployment: --out json=/proc/verify-deployment-nope/x.json cannot be written: cannot create directory /proc/verify-deployment-nope');
    // Said before the checks ran, and again with the other write failures at the end.
    expect(impossible.stderr.indexOf('cannot be written')).toBeLessThan(impossible.stderr.indexOf('✓ first passed'));
    expect(impossible.stderr).toMatch(/verify-deployment: cannot write json report to \/proc\/verify-deployment-nope\/x\.json: /);
    expect(impossible.stderr).not.toContain(STACK_LINE);
    expect(readFileSync(path.join(dir, 'ok/junit.xml'), 'utf8')).toContain('<testsuite');
    expect(impossible.stdout).toContain('PASSED');
  });

  it('onto a directory: refused, nothing created in it; the other file is replaced whole', () => {
    expect(intoDirectory.code).toBe(1);
    expect(intoDirectory.stderr).toContain(`${path.join(dir, 'taken.json')} is a directory`);
    expect(readdirSync(path.join(dir, 'taken.json'))).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(dir, 'previous.json'), 'utf8'))).toMatchObject({ status: 'passed', scenario: 'cli passing' });
    expect(readdirSync(dir).sort()).toEqual(['ok', 'previous.json', 'taken.json']);
  });
});
