/**
 * `exec`: runs a command (an argument array, never a shell string) and judges its exit code and
 * output. zx is imported only when an exec check actually runs.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formatDuration } from '../runner/duration.js';
import { defineCheck, type AttemptResult, type Observation } from './types.js';

const TAIL_LINES = 20;
const TAIL_BYTES = 4096;
const MESSAGE_TAIL_LINES = 3;
const MESSAGE_TAIL_CHARS = 300;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** What a POSIX shell exits with when it cannot find or cannot execute the command. */
const NOT_FOUND = 127;
const NOT_EXECUTABLE = 126;

const exitCode = z.int().min(0).max(255);
const oneOrMoreTexts = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const schema = z.strictObject({
  command: z
    .array(z.string())
    .min(1, { error: 'command needs at least the program name, e.g. [terraform, fmt, -check]' })
    .refine((argv) => argv[0] !== '', { error: 'the program name (first element) is empty' })
    .meta({
      description: 'The program and its arguments as a list. Each element is passed literally (no shell expansion, no word splitting).',
      examples: [['terraform', 'fmt', '-check'], ['./scripts/smoke.sh', '--env', 'staging']],
    }),
  cwd: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "Working directory, relative to the scenario file's directory (or absolute). Default: the scenario's directory." }),
  env: z
    .record(z.string().regex(ENV_NAME, { error: 'not a valid environment variable name' }), z.string())
    .optional()
    .meta({ description: 'Extra environment variables, added to the environment verify-deployment runs with.', examples: [{ TF_IN_AUTOMATION: '1' }] }),
  expect: z
    .strictObject({
      exitCode: z
        .union([exitCode, z.array(exitCode).min(1)])
        .default(0)
        .meta({ description: 'Expected exit code, or a list of acceptable codes. Default 0.' }),
      stdoutContains: oneOrMoreTexts.optional().meta({ description: 'Text (or texts) stdout must contain.' }),
      stderrContains: oneOrMoreTexts.optional().meta({ description: 'Text (or texts) stderr must contain.' }),
    })
    .optional()
    .meta({ description: 'What the command must do. Default: exit 0.' }),
});

type ExecSpec = z.output<typeof schema>;

const texts = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat());
const expectedCodes = (spec: ExecSpec) => [spec.expect?.exitCode ?? 0].flat();

/** The command as someone would type it, for messages (display only: it is never run this way). */
export function displayCommand(argv: string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function describeCodes(codes: number[]): string {
  return codes.length === 1 ? String(codes[0]) : `one of ${codes.join(', ')}`;
}

/** The last lines of an output, bounded in lines and bytes. */
export function tail(output: string, lines = TAIL_LINES, bytes = TAIL_BYTES): string {
  const lastLines = output.replace(/\n+$/, '').split('\n').slice(-lines).join('\n');
  return lastLines.length > bytes ? `…${lastLines.slice(-bytes)}` : lastLines;
}

function messageTail(output: string): string {
  const oneLine = tail(output, MESSAGE_TAIL_LINES).replace(/\s*\n\s*/g, ' ⏎ ').trim();
  return oneLine.length > MESSAGE_TAIL_CHARS ? `…${oneLine.slice(-MESSAGE_TAIL_CHARS)}` : oneLine;
}

function describe(spec: ExecSpec): string {
  let text = `${displayCommand(spec.command)} → exit ${describeCodes(expectedCodes(spec))}`;
  if (spec.cwd) text += ` (in ${spec.cwd})`;
  const extras = [
    ...texts(spec.expect?.stdoutContains).map((needle) => `stdout contains ${JSON.stringify(needle)}`),
    ...texts(spec.expect?.stderrContains).map((needle) => `stderr contains ${JSON.stringify(needle)}`),
  ];
  return extras.length ? `${text}, ${extras.join(', ')}` : text;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

function containsObservations(stream: 'stdout' | 'stderr', output: string, needles: string[]): Observation[] {
  return needles.map((needle) => ({
    what: `${stream} contains ${JSON.stringify(needle)}`,
    expected: 'present',
    actual: output.includes(needle) ? 'present' : 'absent',
    ok: output.includes(needle),
  }));
}

export const exec = defineCheck({
  type: 'exec',
  summary: 'Runs a command (argument list, no shell string) and judges its exit code and output.',
  schema,
  defaults: { timeoutMs: 120_000 },
  describe,
  async run(spec, ctx): Promise<AttemptResult> {
    const shown = displayCommand(spec.command);
    const cwd = path.resolve(ctx.scenarioDir, spec.cwd ?? '.');
    if (!(await isDirectory(cwd))) {
      return { outcome: 'error', message: `${shown}: working directory ${cwd} does not exist`, details: { cwd } };
    }
    const { $ } = await import('zx/core');
    const started = performance.now();
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const command = $({
      cwd,
      // The one place a check reads process.env: the child inherits the environment
      // verify-deployment runs with, as any command run by hand would.
      env: { ...process.env, ...spec.env },
      nothrow: true,
      quiet: true,
      verbose: false,
      // Own process group, so an abort can end the command and everything it started.
      detached: true,
    })`${spec.command}`;
    // SIGKILL to the whole group (zx's own abort sends SIGTERM to it, which a command may ignore):
    // the attempt is over either way, and nothing it started may outlive it.
    const killGroup = () => {
      try {
        if (command.pid) process.kill(-command.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    ctx.signal.addEventListener('abort', killGroup, { once: true });
    let output;
    try {
      output = await command;
    } finally {
      ctx.signal.removeEventListener('abort', killGroup);
    }
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const durationMs = Math.round(performance.now() - started);
    const { exitCode, signal, stdout, stderr } = output;
    const details = { command: spec.command, cwd, exitCode, signal, durationMs, stdoutTail: tail(stdout), stderrTail: tail(stderr) };

    if (output.cause) {
      return { outcome: 'error', message: `${shown}: could not start (${String(output.cause)})`, details };
    }
    if (exitCode === NOT_FOUND && /not found|No such file/i.test(stderr)) {
      return { outcome: 'error', message: `${shown}: command not found: ${spec.command[0]} (exit 127; check PATH or the path relative to ${cwd})`, details };
    }
    if (exitCode === NOT_EXECUTABLE && /permission denied|cannot execute/i.test(stderr)) {
      return { outcome: 'error', message: `${shown}: ${spec.command[0]} is not executable (exit 126: ${messageTail(stderr)})`, details };
    }

    const codes = expectedCodes(spec);
    const exitObservation: Observation = {
      what: 'exit code',
      expected: describeCodes(codes),
      actual: exitCode === null ? `killed by ${signal}` : String(exitCode),
      ok: exitCode !== null && codes.includes(exitCode),
    };
    const observations = [
      exitObservation,
      ...containsObservations('stdout', stdout, texts(spec.expect?.stdoutContains)),
      ...containsObservations('stderr', stderr, texts(spec.expect?.stderrContains)),
    ];
    const failed = observations.filter((o) => !o.ok);
    if (failed.length === 0) {
      return { outcome: 'pass', message: `${shown} exited ${exitCode} in ${formatDuration(durationMs)}`, observations, details };
    }
    const reasons = failed.map((o) =>
      o === exitObservation
        ? exitCode === null ? `killed by ${signal}` : `exited ${exitCode}, expected ${exitObservation.expected}`
        : `${o.what.replace(' contains ', ' does not contain ')}`,
    );
    const lastOutput = messageTail(stderr) || messageTail(stdout);
    // A mismatch is `retry`, not `fail`: exec checks often poll (a smoke script waiting for a
    // deployment). A deterministic command gets one attempt with `retry: { attempts: 1 }`.
    return {
      outcome: 'retry',
      message: `${shown}: ${reasons.join('; ')}${lastOutput ? `; output: ${lastOutput}` : ''}`,
      observations,
      details,
      facts: { exitCode },
    };
  },
});
