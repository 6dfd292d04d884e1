/**
 * The one child-process runner of the checks (`exec`, `terraform-drift`): runs an argument vector
 * directly (no shell), in its own process group, streams its output into bounded tails, and judges
 * it by its own exit. Nothing it starts may outlive the attempt or keep the run alive:
 * - an abort SIGKILLs the whole process group at once (a command may ignore SIGTERM);
 * - after the exit, the pipes get a short grace period (a background child may still hold them),
 *   then they are destroyed, and what is left of the group is killed;
 * - a descendant that escaped the group (`setsid`) is found by a marker in its environment (Linux
 *   /proc) and killed too, on an abort and after the exit; whatever cannot be found (another OS, a
 *   process that cleared its environment) is at least cut off and unreferenced, so it cannot keep
 *   the Node process alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';

/** What a POSIX shell exits with when it cannot find the command; reported the same way here. */
export const NOT_FOUND = 127;
/** What a POSIX shell exits with when the command is not executable. */
export const NOT_EXECUTABLE = 126;
/** Bytes kept from the end of each stream unless a caller asks for more. */
export const DEFAULT_TAIL_BYTES = 64 * 1024;
/** How long the pipes may stay open after the process exited (a background child holding them). */
export const PIPE_GRACE_MS = 250;
/** Environment variable that marks every descendant of one run, so escaped ones can be found. */
export const MARKER_VAR = 'VERIFY_DEPLOYMENT_PROCESS';

const TAIL_LINES = 20;
const TAIL_BYTES = 4096;

/** What to keep of one output stream. */
export interface StreamOptions {
  /** Bytes kept from the end of the stream. Default 64 KiB. */
  maxBytes?: number;
  /** Texts to look for in the whole stream as it passes (never buffered whole). */
  watch?: readonly string[];
}

export interface RunProcessOptions {
  /** Absolute working directory. */
  cwd: string;
  /** The child's whole environment (callers decide what it inherits). */
  env: Record<string, string | undefined>;
  /** Aborting SIGKILLs the process group and rejects with `signal.reason`. */
  signal: AbortSignal;
  stdout?: StreamOptions;
  stderr?: StreamOptions;
  /** Default PIPE_GRACE_MS. */
  pipeGraceMs?: number;
  /**
   * The run's masker (`CheckContext.mask`): applied to each kept stream end before it is cut to
   * `maxBytes`, so a secret the cut falls into is masked whole, never left half.
   */
  mask?: (text: string) => string;
}

/** One output stream as kept: its end, its size and the watched texts seen anywhere in it. */
export interface CapturedStream {
  /** The last `maxBytes` bytes as UTF-8 (a character cut by the limit is dropped). */
  text: string;
  /** Bytes the process wrote to the stream in all. */
  bytes: number;
  /** True when `text` is only the end of the output. */
  truncated: boolean;
  /** The watched texts that appeared in the stream. */
  found: ReadonlySet<string>;
}

export interface ProcessResult {
  /** The process's own exit code; 127 when not found, 126 when not executable (as a shell says); null when killed. */
  exitCode: number | null;
  /** The signal that killed the process, if one did. */
  signal: NodeJS.Signals | null;
  /** Start to exit, ms. */
  durationMs: number;
  stdout: CapturedStream;
  stderr: CapturedStream;
  /** The program does not exist (ENOENT: not on PATH, or no such file). */
  notFound: boolean;
  /** The program is not executable (EACCES: a file without the execute bit, a directory). */
  notExecutable: boolean;
  /** The process could not be started for another reason (too many open files, a bad argument). */
  cause?: Error;
  /** The pipes were still held open PIPE_GRACE_MS after the exit (by a descendant) and were closed. */
  pipesHeldAfterExit: boolean;
}

/**
 * Keeps the last `maxBytes` of a stream and looks for watched texts in all of it. A match across
 * two chunks is found through a carry of the last (longest needle - 1) bytes.
 */
export class StreamCapture {
  private chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;
  private carry = Buffer.alloc(0);
  private readonly pending: { text: string; bytes: Buffer }[];
  private readonly seen = new Set<string>();
  private readonly carryBytes: number;

  constructor(
    private readonly maxBytes = DEFAULT_TAIL_BYTES,
    watch: readonly string[] = [],
    private readonly mask?: (text: string) => string,
  ) {
    this.pending = [...new Set(watch)].map((text) => ({ text, bytes: Buffer.from(text) }));
    this.carryBytes = Math.max(0, ...this.pending.map((n) => n.bytes.length - 1));
  }

  /** Bytes kept: the tail, plus (when masking) room for a secret the tail's cut falls into. */
  private get keepBytes(): number {
    return this.mask ? this.maxBytes + MASK_LOOKBEHIND_BYTES : this.maxBytes;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.watch(chunk);
    const keep = this.keepBytes;
    const piece = chunk.length > keep ? Buffer.from(chunk.subarray(chunk.length - keep)) : chunk;
    this.chunks.push(piece);
    this.kept += piece.length;
    while (this.chunks.length > 1 && this.kept - this.chunks[0]!.length >= keep) {
      this.kept -= this.chunks.shift()!.length;
    }
  }

  private watch(chunk: Buffer): void {
    if (this.pending.length === 0) return;
    const window = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    for (let i = this.pending.length - 1; i >= 0; i -= 1) {
      const needle = this.pending[i]!;
      if (window.includes(needle.bytes)) {
        this.seen.add(needle.text);
        this.pending.splice(i, 1);
      }
    }
    this.carry = Buffer.from(window.subarray(Math.max(0, window.length - this.carryBytes)));
  }

  result(): CapturedStream {
    const truncated = this.total > this.maxBytes;
    let tailBytes = Buffer.concat(this.chunks);
    // Masked before the cut: a secret that straddles where the tail starts is still whole here.
    if (this.mask) tailBytes = Buffer.from(this.mask(cutToCharacters(tailBytes, this.keepBytes, this.total > tailBytes.length)));
    return { text: cutToCharacters(tailBytes, this.maxBytes, truncated), bytes: this.total, truncated, found: new Set(this.seen) };
  }
}

/** Extra bytes kept before the tail when masking: a secret up to this long is masked whole at the cut. */
const MASK_LOOKBEHIND_BYTES = 4096;

/** The last `maxBytes` bytes as UTF-8, dropping the continuation bytes of a character the cut split. */
function cutToCharacters(bytes: Buffer, maxBytes: number, cut: boolean): string {
  let kept = bytes.length > maxBytes ? bytes.subarray(bytes.length - maxBytes) : bytes;
  if (cut || kept.length < bytes.length) {
    let start = 0;
    while (start < kept.length && start < 3 && (kept[start]! & 0xc0) === 0x80) start += 1;
    kept = kept.subarray(start);
  }
  return kept.toString('utf8');
}

/** The command as someone would type it, for messages (display only: it is never run this way). */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * The last lines of an output, bounded in lines and bytes (for report details). With `mask` (the
 * run's masker, `CheckContext.mask`), the whole output is masked first, so neither cut can leave
 * part of a secret.
 */
export function tail(output: string, lines = TAIL_LINES, bytes = TAIL_BYTES, mask?: (text: string) => string): string {
  const masked = mask ? mask(output) : output;
  const lastLines = masked.replace(/\n+$/, '').split('\n').slice(-lines).join('\n');
  return lastLines.length > bytes ? `…${lastLines.slice(-bytes)}` : lastLines;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * SIGKILLs every process whose environment carries this run's marker: descendants that left the
 * process group (setsid, a daemonizing script). Linux only (/proc); elsewhere it finds nothing.
 * Returns how many it killed.
 */
export async function killMarked(marker: string): Promise<number> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return 0;
  }
  const needle = Buffer.from(`${MARKER_VAR}=${marker}\0`);
  const killed = await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
      .map(async (entry) => {
        try {
          if (!(await readFile(`/proc/${entry}/environ`)).includes(needle)) return 0;
          process.kill(Number(entry), 'SIGKILL');
          return 1;
        } catch {
          return 0; // gone, or another user's process
        }
      }),
  );
  return killed.reduce<number>((sum, n) => sum + n, 0);
}

/** Stops listening to the child: its pipes are destroyed and nothing of it keeps the event loop alive. */
function release(child: ChildProcess): void {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.removeAllListeners('data');
    stream?.destroy();
  }
  child.unref();
}

/** Resolves true when both pipes closed within `graceMs`, false when something still holds them. */
function pipesClosed(child: ChildProcess, graceMs: number): Promise<boolean> {
  const streams = [child.stdout, child.stderr].filter((s) => s !== null && !s.closed);
  if (streams.length === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    let open = streams.length;
    const timer = setTimeout(() => resolve(false), graceMs);
    for (const stream of streams) {
      stream!.once('close', () => {
        open -= 1;
        if (open === 0) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    }
  });
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** The result of a process that never started (ENOENT/EACCES are judged like a shell's 127/126). */
async function notStarted(error: NodeJS.ErrnoException, cwd: string, empty: () => [CapturedStream, CapturedStream]): Promise<ProcessResult> {
  const [stdout, stderr] = empty();
  const base = { signal: null, durationMs: 0, stdout, stderr, notFound: false, notExecutable: false, pipesHeldAfterExit: false };
  // ENOENT also means a missing working directory: that is not "command not found".
  if (error.code === 'ENOENT' && (await isDirectory(cwd))) return { ...base, exitCode: NOT_FOUND, notFound: true };
  if (error.code === 'EACCES') return { ...base, exitCode: NOT_EXECUTABLE, notExecutable: true };
  if (error.code === 'ENOENT') return { ...base, exitCode: null, cause: new Error(`working directory ${cwd} does not exist`) };
  return { ...base, exitCode: null, cause: error };
}

/**
 * Runs `argv[0]` with the arguments `argv[1..]` (no shell: each element is passed literally) in its
 * own process group, stdin empty (/dev/null). Resolves with the process's own exit once its pipes
 * closed or PIPE_GRACE_MS passed, whichever is first; a program that cannot be found or executed
 * resolves as exit 127 / 126 with `notFound` / `notExecutable`.
 *
 * @throws `options.signal.reason` when the signal aborts (before or during the run); the process
 *   group and every marked descendant are SIGKILLed first.
 */
export async function runProcess(argv: readonly string[], options: RunProcessOptions): Promise<ProcessResult> {
  const { signal } = options;
  if (signal.aborted) throw signal.reason;
  const [program, ...args] = argv;
  if (!program) throw new TypeError('runProcess needs at least a program name');
  const out = new StreamCapture(options.stdout?.maxBytes, options.stdout?.watch, options.mask);
  const err = new StreamCapture(options.stderr?.maxBytes, options.stderr?.watch, options.mask);
  const captured = (): [CapturedStream, CapturedStream] => [out.result(), err.result()];
  const marker = randomUUID();
  const started = performance.now();
  let child: ChildProcess;
  try {
    child = spawn(program, args, {
      cwd: options.cwd,
      env: { ...options.env, [MARKER_VAR]: marker },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group (setsid), so one kill reaches everything it starts.
      detached: true,
    });
  } catch (error) {
    // Synchronous refusals: an argument with a NUL byte, an invalid option.
    return notStarted(error as NodeJS.ErrnoException, options.cwd, captured);
  }
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
  return supervise(child, { marker, started, captured, options });
}

interface Supervision {
  marker: string;
  /** performance.now() at spawn. */
  started: number;
  captured: () => [CapturedStream, CapturedStream];
  options: RunProcessOptions;
}

/** Settles once: on abort (reject), on a failed spawn, or after the exit and the pipes' grace period. */
function supervise(child: ChildProcess, { marker, started, captured, options }: Supervision): Promise<ProcessResult> {
  const { signal } = options;
  return new Promise<ProcessResult>((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = () => {
      killGroup(child.pid);
      release(child);
      // Escaped descendants too (a /proc scan: milliseconds), before the run may exit.
      void killMarked(marker).finally(() => settle(() => reject(signal.reason)));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      // A failed spawn has no pid; any later error (a failed kill) changes nothing.
      if (child.pid !== undefined) return;
      release(child);
      void notStarted(error, options.cwd, captured).then((result) => settle(() => resolve(result)));
    });
    child.once('exit', (exitCode, exitSignal) => {
      const durationMs = Math.round(performance.now() - started);
      void pipesClosed(child, options.pipeGraceMs ?? PIPE_GRACE_MS).then(async (closed) => {
        // Whatever it left behind goes with it: its group, and descendants that escaped the group.
        killGroup(child.pid);
        await killMarked(marker);
        release(child);
        const [stdout, stderr] = captured();
        const result = { exitCode, signal: exitSignal, durationMs, stdout, stderr, notFound: false, notExecutable: false, pipesHeldAfterExit: !closed };
        // An abort that killed it may reach here before onAbort's own scan settles: still an abort.
        settle(() => (signal.aborted ? reject(signal.reason) : resolve(result)));
      });
    });
  });
}
