/**
 * Report files: written whole or not at all. A file is written to a temporary name in its own
 * directory and renamed over the destination, so a failed write (full disk, killed process) never
 * leaves a truncated report and never destroys the previous good one. Missing directories are
 * created one level at a time, so a path the file system refuses (under /proc) fails at once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** An output path that cannot be written; the message names the path and the reason in words. */
export class OutputPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputPathError';
  }
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENAMETOOLONG: 'name too long',
};

/** `no space left on device (ENOSPC)`; the error's own message when its code is not listed. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** The missing directories from `dir` up to the first existing one (deepest first). */
async function missingDirectories(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    try {
      if ((await stat(current)).isDirectory()) return missing;
      throw new OutputPathError(`${current} is not a directory`);
    } catch (error) {
      if (error instanceof OutputPathError) throw error;
      // ENOTDIR: a file sits higher up; keep climbing to name it.
      if ((codeOf(error) !== 'ENOENT' && codeOf(error) !== 'ENOTDIR') || path.dirname(current) === current) {
        throw new OutputPathError(`cannot reach ${current}: ${fsReason(error)}`);
      }
      missing.push(current);
    }
  }
}

/**
 * Makes sure `dir` exists and is a directory, creating what is missing with one mkdir per level
 * (Node's recursive mkdir retries forever where mkdir answers ENOENT for an existing parent, as
 * under /proc). Throws OutputPathError.
 */
export async function ensureDirectory(dir: string): Promise<void> {
  for (const missing of (await missingDirectories(dir)).reverse()) {
    try {
      await mkdir(missing);
    } catch (error) {
      if (codeOf(error) === 'EEXIST' && (await stat(missing)).isDirectory()) continue;
      // ENOENT from mkdir with the parent present: a file system that takes no new entries (/proc).
      const reason = codeOf(error) === 'ENOENT' ? 'the file system refuses new entries there (ENOENT)' : fsReason(error);
      throw new OutputPathError(`cannot create directory ${missing}: ${reason}`);
    }
  }
}

/**
 * Checks before a run that `file` can be written: its directory exists or was created, and the
 * path is not a directory. Throws OutputPathError.
 */
export async function prepareOutputPath(file: string): Promise<void> {
  const target = path.resolve(file);
  await ensureDirectory(path.dirname(target));
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new OutputPathError(`${target} is a directory`);
  // The directory exists, but can a file be made in it (/proc, a read-only mount)? Find out before
  // the checks run, with the same kind of temporary file the write will use.
  const probe = tempPathFor(target);
  try {
    await (await open(probe, 'wx')).close();
  } catch (error) {
    throw new OutputPathError(`cannot create a file in ${path.dirname(target)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  await rm(probe, { force: true }).catch(() => undefined);
}

/** A unique hidden name next to `target`, for a temporary file. */
function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export interface AtomicWriteOptions {
  /** The temporary file's path (tests); default a unique hidden name next to the destination. */
  tempPath?: (target: string) => string;
}

/**
 * Writes `text` to `file` atomically: temp file in the same directory, flushed to disk, renamed
 * over `file`. On any failure the destination is untouched and the temp file removed. Throws
 * OutputPathError for a directory that cannot be created, else the file system's error.
 */
export async function writeFileAtomic(file: string, text: string, options: AtomicWriteOptions = {}): Promise<void> {
  const target = path.resolve(file);
  await ensureDirectory(path.dirname(target));
  const temp = options.tempPath?.(target) ?? tempPathFor(target);
  let created = false;
  try {
    // 'wx': never write through an existing file or link at the temporary name.
    const handle = await open(temp, 'wx');
    created = true;
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    if (created) await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}
