/**
 * `exec`: runs a command and judges its exit code and output. The argument vector is run directly
 * (no shell) unless the scenario opts in with `shell: true`; output is streamed into bounded tails.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formatDuration } from './support/duration.js';
import { neutralize } from './support/untrusted.js';
import { displayCommand, NOT_EXECUTABLE, NOT_FOUND, runProcess, tail, type ProcessResult } from './support/process.js';
import { defineCheck, type AttemptResult, type Observation } from './types.js';

export { displayCommand, tail } from './support/process.js';

const MESSAGE_TAIL_LINES = 3;
const MESSAGE_TAIL_CHARS = 300;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const exitCode = z.int().min(0).max(255);
const oneOrMoreTexts = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const schema = z.strictObject({
  command: z
    .array(z.string())
    .min(1, { error: 'command needs at least the program name, e.g. [terraform, fmt, -check]' })
    .refine((argv) => argv[0] !== '', { error: 'the program name (first element) is empty' })
    .meta({
      description:
        'The program and its arguments as a list, run directly: each element is passed literally (no shell expansion, no word splitting), ' +
        'and the first element is the program (`FOO=bar` or `exit` are program names). With `shell: true`, the elements are joined with spaces into one bash script.',
      examples: [['terraform', 'fmt', '-check'], ['./scripts/smoke.sh', '--env', 'staging']],
    }),
  shell: z
    .boolean()
    .optional()
    .meta({
      description:
        'Run `command` through `bash -c` (pipes, `&&`, redirections, variables), its elements joined with spaces into one script. ' +
        'Default false: the argument vector runs directly, with no shell in between.',
      examples: [true],
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

/** What actually runs: the vector itself, or bash with the joined script. */
function argvOf(spec: ExecSpec): string[] {
  return spec.shell ? ['bash', '-c', spec.command.join(' ')] : spec.command;
}

function describeCodes(codes: number[]): string {
  return codes.length === 1 ? String(codes[0]) : `one of ${codes.join(', ')}`;
}

/** The last lines of a stream on one line, neutralized (command output is outside text), at most MESSAGE_TAIL_CHARS. */
function messageTail(output: string): string {
  const oneLine = neutralize(tail(output, MESSAGE_TAIL_LINES)).replace(/\s*\n\s*/g, ' ⏎ ').trim();
  return oneLine.length > MESSAGE_TAIL_CHARS ? `…${oneLine.slice(-MESSAGE_TAIL_CHARS)}` : oneLine;
}

function describe(spec: ExecSpec): string {
  let text = `${displayCommand(argvOf(spec))} → exit ${describeCodes(expectedCodes(spec))}`;
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

function containsObservations(stream: 'stdout' | 'stderr', found: ReadonlySet<string>, needles: string[]): Observation[] {
  return needles.map((needle) => ({
    what: `${stream} contains ${JSON.stringify(needle)}`,
    expected: 'present',
    actual: found.has(needle) ? 'present' : 'absent',
    ok: found.has(needle),
  }));
}

/** Why the command could not be judged at all (not found, not executable, not started); undefined when it ran. */
function notRun(spec: ExecSpec, run: ProcessResult, codes: number[], shown: string, cwd: string): string | undefined {
  const program = argvOf(spec)[0];
  if (run.cause) return `${shown}: could not start (${run.cause.message})`;
  if (run.notFound) return `${shown}: command not found: ${program} (exit 127; check PATH or the path relative to ${cwd})`;
  if (run.notExecutable) return `${shown}: ${program} is not executable (exit 126: permission denied)`;
  // A shell (the `shell: true` one, or a script's) reporting that a command it runs is missing.
  const stderr = run.stderr.text;
  if (run.exitCode === NOT_FOUND && !codes.includes(NOT_FOUND) && /not found|No such file/i.test(stderr)) {
    return `${shown}: command not found (exit 127: ${messageTail(stderr)})`;
  }
  if (run.exitCode === NOT_EXECUTABLE && !codes.includes(NOT_EXECUTABLE) && /permission denied|cannot execute/i.test(stderr)) {
    return `${shown}: a command it runs is not executable (exit 126: ${messageTail(stderr)})`;
  }
  return undefined;
}

/**
 * The output a failure message ends with: the stream each unmet expectation was about, and for an
 * unexpected exit the last lines of stderr (stdout when stderr is empty), each once.
 */
function failureOutput(run: ProcessResult, exitFailed: boolean, failedStreams: Set<'stdout' | 'stderr'>): string {
  const parts: string[] = [];
  if (exitFailed) {
    const stream = run.stderr.text.trim() ? 'stderr' : 'stdout';
    const text = messageTail(run[stream].text);
    if (text && !failedStreams.has(stream)) parts.push(`output: ${text}`);
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    if (failedStreams.has(stream)) parts.push(`${stream}: ${messageTail(run[stream].text) || '(empty)'}`);
  }
  return parts.map((part) => `; ${part}`).join('');
}

/** The verdict on a finished run: error when it could not run, pass, or retry naming what was unmet. */
function judge(spec: ExecSpec, run: ProcessResult, { shown, cwd, details }: { shown: string; cwd: string; details: Record<string, unknown> }): AttemptResult {
  const { exitCode, signal, durationMs } = run;
  const codes = expectedCodes(spec);
  const problem = notRun(spec, run, codes, shown, cwd);
  if (problem) return { outcome: 'error', message: problem, details };

  const exitObservation: Observation = {
    what: 'exit code',
    expected: describeCodes(codes),
    actual: exitCode === null ? `killed by ${signal}` : String(exitCode),
    ok: exitCode !== null && codes.includes(exitCode),
  };
  const observations = [
    exitObservation,
    ...containsObservations('stdout', run.stdout.found, texts(spec.expect?.stdoutContains)),
    ...containsObservations('stderr', run.stderr.found, texts(spec.expect?.stderrContains)),
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
  const failedStreams = new Set(failed.filter((o) => o !== exitObservation).map((o) => (o.what.startsWith('stdout') ? 'stdout' : 'stderr') as 'stdout' | 'stderr'));
  // A mismatch is `retry`, not `fail`: exec checks often poll (a smoke script waiting for a
  // deployment). A deterministic command gets one attempt with `retry: { attempts: 1 }`.
  return {
    outcome: 'retry',
    message: `${shown}: ${reasons.join('; ')}${failureOutput(run, !exitObservation.ok, failedStreams)}`,
    observations,
    details,
    facts: { exitCode },
  };
}

export const exec = defineCheck({
  type: 'exec',
  summary: 'Runs a command (argument list run directly, or a bash script with shell: true) and judges its exit code and output.',
  schema,
  evidence: 'state',
  defaults: { timeoutMs: 120_000 },
  describe,
  async run(spec, ctx): Promise<AttemptResult> {
    const shown = displayCommand(argvOf(spec).map(ctx.mask));
    const cwd = path.resolve(ctx.scenarioDir, spec.cwd ?? '.');
    if (!(await isDirectory(cwd))) {
      return { outcome: 'error', message: `${shown}: working directory ${cwd} does not exist`, details: { cwd } };
    }
    const stdoutNeedles = texts(spec.expect?.stdoutContains);
    const stderrNeedles = texts(spec.expect?.stderrContains);
    // Throws the abort reason after SIGKILLing the command and everything it started.
    const run = await runProcess(argvOf(spec), {
      cwd,
      // The one place a check reads process.env: the child inherits the environment
      // verify-deployment runs with, as any command run by hand would.
      env: { ...process.env, ...spec.env },
      signal: ctx.signal,
      mask: ctx.mask,
      stdout: { watch: stdoutNeedles },
      stderr: { watch: stderrNeedles },
    });
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const details = {
      command: spec.command,
      ...(spec.shell ? { shell: true } : {}),
      cwd,
      exitCode: run.exitCode,
      signal: run.signal,
      durationMs: run.durationMs,
      stdoutTail: tail(run.stdout.text),
      stderrTail: tail(run.stderr.text),
      stdoutBytes: run.stdout.bytes,
      stderrBytes: run.stderr.bytes,
      ...(run.pipesHeldAfterExit ? { pipesHeldAfterExit: true } : {}),
    };

    return judge(spec, run, { shown, cwd, details });
  },
});
