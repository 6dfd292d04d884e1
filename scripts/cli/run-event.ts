/**
 * `run --event FILE|-`: read a deployment event (an ECS lifecycle hook payload, a CodeDeploy hook,
 * an EventBridge `ECS Deployment State Change` or `ECS Hook State Change` event, or a plain
 * `{cluster, service, scenario?, vars?}` input), resolve the rollout it is about, and turn it into
 * the run's vars and, without a scenario file, the zero-config target.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from './exit-codes.js';
import { fsReason } from './outputs.js';
import type { RunArgs } from './run-command.js';
import { UsageError } from './usage-error.js';

type Library = typeof import('../../runner/index.js');

/** Events are small JSON documents: refuse anything larger before parsing it. */
const MAX_EVENT_BYTES = 1024 * 1024;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_EVENT_BYTES) throw new UsageError(`--event -: more than ${MAX_EVENT_BYTES} bytes on stdin; an event is a small JSON document`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The event's JSON. Throws UsageError for an unreadable file, too much input or text that is not JSON. */
async function readEvent(source: string, stdin: NodeJS.ReadableStream): Promise<unknown> {
  let text: string;
  if (source === '-') text = await readAll(stdin);
  else {
    text = await readFile(source, 'utf8').catch((error: unknown) => {
      throw new UsageError(`--event ${source}: cannot read it: ${fsReason(error)}`);
    });
    if (Buffer.byteLength(text) > MAX_EVENT_BYTES) throw new UsageError(`--event ${source}: larger than ${MAX_EVENT_BYTES} bytes; an event is a small JSON document`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`--event ${source}: not JSON (${(error as Error).message})`);
  }
}

/**
 * `args` with the event applied: the rollout's vars (cluster, service, taskDefinition, stage over
 * the event's own vars and --var), and without a scenario file either the plain input's scenario
 * (relative to the event file) or the zero-config target with its stage and task definition.
 * Returns an exit code instead when the rollout cannot be resolved (written to stderr).
 * @throws UsageError for an unreadable or malformed event, or one that names no service and comes without a scenario.
 */
export async function withEvent(
  args: RunArgs,
  lib: Library,
  io: { stderr: NodeJS.WritableStream; env: Record<string, string | undefined> },
  signal?: AbortSignal,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<RunArgs | number> {
  const source = args.event!;
  const parsed = lib.parseDeploymentEvent(await readEvent(source, stdin));
  if (!parsed.ok) throw new UsageError(`--event ${source}: ${parsed.error}`);
  const pool = new lib.ClientPool();
  let run: Awaited<ReturnType<Library['resolveEventRun']>>;
  try {
    run = await lib.resolveEventRun(parsed.event, { clients: pool, env: io.env, signal });
  } catch (error) {
    if (!(error instanceof lib.EventResolutionError)) throw error;
    io.stderr.write(`verify-deployment: --event ${source}: ${lib.oneLine(error.message)}\n`);
    return EXIT.failed;
  } finally {
    await pool.destroy();
  }
  for (const note of run.notes) io.stderr.write(`verify-deployment: --event: ${lib.oneLine(note)}\n`);
  // The event's vars are a program's (set whether declared or not); a --var the user typed is
  // checked against the scenario and wins over the event's own vars, not over the rollout's.
  const fromEvent = Object.fromEntries(Object.entries(run.vars).filter(([name]) => !Object.hasOwn(args.vars, name)));
  const optionalVars = run.target ? lib.rolloutVars(fromEvent, run.target) : fromEvent;
  if (args.file) return { ...args, optionalVars };
  if (run.scenario) {
    const file = source === '-' ? path.resolve(run.scenario) : path.resolve(path.dirname(source), run.scenario);
    return { ...args, optionalVars, file };
  }
  if (!run.target) {
    throw new UsageError(`--event ${source}: a CodeDeploy hook names no service: give a scenario file, or set VERIFY_DEPLOYMENT_CLUSTER and VERIFY_DEPLOYMENT_SERVICE`);
  }
  const { cluster, service, region, stage, taskDefinition } = run.target;
  return { ...args, optionalVars, target: { cluster, service, ...(region ? { region } : {}) }, rollout: { stage, taskDefinition } };
}
