/**
 * `verify-deployment sandbox up|down|break|fix|status`: the sandbox as a long-running local
 * environment. `up` runs in the foreground and records itself and its children in a state file;
 * the other commands read it. break/fix only change emulated AWS resources, like the incident's
 * real fixes.
 *
 * One sandbox per state file ($TMPDIR/verify-deployment-sandbox.json, or
 * $VERIFY_DEPLOYMENT_SANDBOX_FILE): a second `up` on the same file is refused with a message naming
 * the running one, so `status`/`break`/`fix`/`down` never have to guess which sandbox is meant. A
 * second sandbox gets its own file through the environment variable. The file records the pid and
 * start time of `up` and of each child (moto, redis-server) so that `down` can always stop what `up`
 * started — even after `up` was killed outright — and never signals a process that merely reuses a
 * recorded pid.
 */
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sandboxClients } from './aws.js';
import { guardExitPaths } from './exit-guard.js';
import { startSandbox } from './index.js';
import { isRunning, recordOf, signalRecorded, stopRecorded, type ProcessRecord } from './processes.js';
import type { SandboxResources } from './resources.js';
import { cliInvocation, incidentScenario, shellWord } from './scenario.js';
import { INCIDENT } from './incident.js';
import { startRollout, type SandboxRollout } from './rollout.js';
import { applyState, currentState, type SandboxState } from './states.js';

/** A running sandbox, as `up` records it once its services answer. */
export interface SandboxRecord {
  /** The `sandbox up` process. */
  pid: number;
  /** Its start time (see processes.ts), to tell it from a later process with the same pid. */
  startTime?: string;
  /** When `up` started, ISO 8601. */
  startedAt?: string;
  phase?: 'starting' | 'up';
  /** The processes `up` started: moto and redis-server, each in its own process group. */
  children?: ProcessRecord[];
  motoEndpoint: string;
  apiUrl: string;
  apiKey: string;
  resources: SandboxResources;
  env: Record<string, string>;
}

/** The state file while `up` is still starting: who owns it and which children exist so far. */
type StateFileRecord = Partial<SandboxRecord> & Pick<SandboxRecord, 'pid'>;

export function stateFile(env: Record<string, string | undefined> = process.env): string {
  return env.VERIFY_DEPLOYMENT_SANDBOX_FILE ?? path.join(tmpdir(), 'verify-deployment-sandbox.json');
}

/**
 * A sandbox command cannot do what was asked; the CLI prints the message and exits 2. (The base of
 * the more specific errors below, so a caller that maps this class maps them all.)
 */
export class SandboxNotRunning extends Error {}

/** `up` on a state file whose sandbox still runs. */
export class SandboxAlreadyRunning extends SandboxNotRunning {}

/**
 * `down` with no sandbox recorded: there was nothing to stop. The CLI says so on stderr and exits 0
 * (stopping is idempotent, so cleanup scripts under `set -e` can always call it).
 */
export class NothingToStop extends SandboxNotRunning {}

const owner = (record: StateFileRecord): ProcessRecord => ({ name: 'sandbox up', pid: record.pid, startTime: record.startTime });
const list = (records: readonly ProcessRecord[]) => records.map((r) => `${r.name} (pid ${r.pid})`).join(' and ');

function readStateFile(file: string): StateFileRecord | undefined | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const record = JSON.parse(text) as StateFileRecord;
    return typeof record.pid === 'number' ? record : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** Replaces the file's content at once (readers see the old or the new record, never half of one). */
function writeStateFile(file: string, record: StateFileRecord): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Removes the file only if it still holds `record` (another `up` may have replaced it meanwhile). */
function removeIfUnchanged(file: string, record: StateFileRecord): void {
  const now = readStateFile(file);
  if (now === 'unreadable' || (now && now.pid === record.pid && now.startTime === record.startTime)) rmSync(file, { force: true });
}

/** Who runs of what the file records. */
function liveness(record: StateFileRecord): { ownerRuns: boolean; children: ProcessRecord[] } {
  return { ownerRuns: isRunning(owner(record)), children: (record.children ?? []).filter(isRunning) };
}

function describe(record: StateFileRecord, file: string): string {
  const since = record.startedAt ? `, up since ${new Date(record.startedAt).toTimeString().slice(0, 8)}` : '';
  const where = record.motoEndpoint ? `, AWS emulator ${record.motoEndpoint}, model API ${record.apiUrl}` : ', still starting';
  return `pid ${record.pid}${since}${where}; state in ${file}`;
}

/**
 * The running sandbox recorded in `file`. Throws `SandboxNotRunning` when there is none, when it is
 * still starting, or when its `up` is gone. The file is removed only when nothing it records runs:
 * children that outlived their `up` keep the record, so that `down` can stop them.
 */
export async function readRecord(file = stateFile()): Promise<SandboxRecord> {
  const record = readStateFile(file);
  if (record === undefined) throw new SandboxNotRunning(`no sandbox is running (no ${file}): start one with "verify-deployment sandbox up"`);
  if (record === 'unreadable') throw new SandboxNotRunning(`${file} is not a sandbox state file: remove it, or stop the sandbox with "verify-deployment sandbox down"`);
  const { ownerRuns, children } = liveness(record);
  if (!ownerRuns && children.length > 0) {
    throw new SandboxNotRunning(
      `the sandbox recorded in ${file} is not running (its "sandbox up", pid ${record.pid}, is gone), but ${list(children)} it started still run: stop them with "verify-deployment sandbox down"`,
    );
  }
  if (!ownerRuns) {
    removeIfUnchanged(file, record);
    throw new SandboxNotRunning(`the sandbox recorded in ${file} (pid ${record.pid}) has exited: start one with "verify-deployment sandbox up"`);
  }
  if (record.phase === 'starting' || !record.motoEndpoint) throw new SandboxNotRunning(`the sandbox (pid ${record.pid}) is still starting: try again in a few seconds`);
  return record as SandboxRecord;
}

/**
 * Makes `file` this process's state file, atomically (a hard link fails if the name exists). A file
 * whose sandbox still runs is refused with `SandboxAlreadyRunning`; one left by a sandbox that was
 * killed has its leftover children stopped first (reported on `out`).
 */
async function claimStateFile(file: string, record: StateFileRecord, out: NodeJS.WritableStream): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const tmp = `${file}.${process.pid}.claim`;
    try {
      writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      linkSync(tmp, file);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new SandboxNotRunning(`cannot write the sandbox state file ${file}: ${(error as Error).message}`);
    } finally {
      rmSync(tmp, { force: true });
    }
    const existing = readStateFile(file);
    if (existing === undefined) continue;
    if (existing === 'unreadable') {
      rmSync(file, { force: true });
      continue;
    }
    const { ownerRuns, children } = liveness(existing);
    if (ownerRuns) {
      throw new SandboxAlreadyRunning(
        `a sandbox is already running (${describe(existing, file)}): use it, stop it with "verify-deployment sandbox down", ` +
          `or give a second one its own state file: VERIFY_DEPLOYMENT_SANDBOX_FILE=${shellWord(path.join(path.dirname(file), 'verify-deployment-sandbox-2.json'))} verify-deployment sandbox up`,
      );
    }
    if (children.length > 0) {
      out.write(`Stopping what an earlier sandbox (pid ${existing.pid}) left running: ${list(children)}\n`);
      const survivors = await stopRecorded(children);
      if (survivors.length > 0) throw new SandboxNotRunning(`could not stop ${list(survivors)} left by an earlier sandbox`);
    }
    removeIfUnchanged(file, existing);
  }
  throw new SandboxNotRunning(`could not take ${file}: another "sandbox up" keeps claiming it`);
}

/** Which incident state `break <what>` leads to from the current one. */
export function brokenState(current: SandboxState, what: 'sg-rule' | 'secret' | 'both'): SandboxState {
  const sg = what !== 'secret' || current === 'missing-sg-rule' || current === 'both';
  const secret = what !== 'sg-rule' || current === 'missing-secret' || current === 'both';
  return sg && secret ? 'both' : sg ? 'missing-sg-rule' : 'missing-secret';
}

/**
 * The lines `up` prints once the sandbox answers: the environment and the commands, each pasteable
 * as it stands from any directory (one command a line, notes as shell comments).
 */
export function upInstructions(initial: SandboxState, record: SandboxRecord, file: string): string {
  const exports = Object.entries(record.env).map(([k, v]) => `export ${k}=${shellWord(v)}`);
  const cli = cliInvocation();
  return [
    `Sandbox up in state "${initial}". In another shell:`,
    ...exports,
    '# the shipped scenario (production windows: right after a fix, add --var logWindow=10s --var metricsWindow=10s)',
    `${cli} run ${shellWord(incidentScenario())} --var baseUrl=${shellWord(record.apiUrl)}`,
    '# zero-config: discover the service and run the standard chain (the model API stands in for the load balancer)',
    `${cli} run --cluster ${INCIDENT.cluster} --service ${INCIDENT.service} --url ${shellWord(record.apiUrl)}`,
    `${cli} sandbox break sg-rule   # or: secret, both`,
    `${cli} sandbox fix`,
    `${cli} sandbox status`,
    `${cli} sandbox down`,
    `# state in ${shellWord(file)}; Ctrl-C here stops everything`,
    '',
  ].join('\n');
}

/**
 * Runs the sandbox in the foreground until `signal` aborts, SIGINT/SIGTERM/SIGHUP arrives or `out`
 * closes; then stops its children and removes the state file. Throws `SandboxAlreadyRunning` when
 * the state file belongs to a running sandbox.
 */
export async function sandboxUp(initial: SandboxState, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  const file = stateFile();
  const self = recordOf('sandbox up', process.pid);
  const record: StateFileRecord = { pid: process.pid, startTime: self.startTime, startedAt: new Date().toISOString(), phase: 'starting', children: [] };
  const guard = guardExitPaths(out);
  const say = (text: string) => guard.outputOpen() && out.write(text);
  const stop = AbortSignal.any([signal, guard.signal]);
  // An uncaught error or a second signal ends the process at once: its children are killed by
  // processes.ts's exit hook; the state file goes with them.
  const removeOnExit = () => removeIfUnchanged(file, record);
  try {
    await claimStateFile(file, record, out);
    process.on('exit', removeOnExit);
    say('Starting the sandbox on 127.0.0.1 (AWS emulator, redis-server, model API, ALB health checker)...\n');
    let sandbox;
    try {
      sandbox = await startSandbox({
        state: initial,
        signal: stop,
        onChild: (child) => {
          record.children!.push(child);
          writeStateFile(file, record);
        },
      });
    } catch (error) {
      if (stop.aborted) return;
      throw error;
    }
    try {
      Object.assign(record, { phase: 'up', motoEndpoint: sandbox.motoEndpoint, apiUrl: sandbox.apiUrl, apiKey: sandbox.apiKey, resources: sandbox.resources, env: sandbox.env });
      writeStateFile(file, record);
      say(upInstructions(initial, record as SandboxRecord, file));
      if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
    } finally {
      await sandbox.stop();
      say('Sandbox stopped.\n');
    }
  } finally {
    // Removed last: `down` waits for the file to go.
    if (process.listeners('exit').includes(removeOnExit)) {
      process.off('exit', removeOnExit);
      removeOnExit();
    }
    guard.dispose();
  }
}

export async function sandboxSetState(target: SandboxState | { break: 'sg-rule' | 'secret' | 'both' }): Promise<SandboxState> {
  const record = await readRecord();
  const aws = sandboxClients(record.motoEndpoint);
  try {
    const next = typeof target === 'string' ? target : brokenState(await currentState(aws, record.resources), target.break);
    await applyState(aws, record.resources, next);
    return next;
  } finally {
    aws.destroy();
  }
}

/**
 * `sandbox rollout`: a blue/green rollout of a new revision, paused at a PAUSE hook at `stage`
 * (see rollout.ts), for `verify-deployment gate` to release.
 */
export async function sandboxRollout(stage?: string): Promise<SandboxRollout & { gateCommand: string }> {
  const record = await readRecord();
  const aws = sandboxClients(record.motoEndpoint);
  try {
    const rollout = await startRollout(aws, record.resources, { stage });
    const gateCommand = `${cliInvocation()} gate --cluster ${INCIDENT.cluster} --service ${INCIDENT.service} ${shellWord(incidentScenario())} --var baseUrl=${shellWord(record.apiUrl)}`;
    return { ...rollout, gateCommand };
  } finally {
    aws.destroy();
  }
}

export async function sandboxStatus(): Promise<{ state: SandboxState; record: SandboxRecord }> {
  const record = await readRecord();
  const aws = sandboxClients(record.motoEndpoint);
  try {
    return { state: await currentState(aws, record.resources), record };
  } finally {
    aws.destroy();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What `down` did: the processes it stopped itself (children a killed `up` left behind). */
export interface DownResult {
  /** The `up` process that stopped its own children, if it was running. */
  stoppedUp?: number;
  /** Children stopped directly (their `up` was gone or did not stop them in time). */
  stoppedChildren: ProcessRecord[];
}

/**
 * Stops the sandbox recorded in the state file: asks its `up` to stop (SIGTERM) and waits for it;
 * then stops any recorded child still running (verified by start time), and removes the file.
 * Works also when `up` was killed and left its children. Throws `NothingToStop` (a
 * `SandboxNotRunning`) when nothing is recorded, `SandboxNotRunning` when the file is not a state
 * file, and an Error when a process could not be stopped within `timeoutMs`.
 */
export async function sandboxDown(timeoutMs = 30_000): Promise<DownResult> {
  const file = stateFile();
  const record = readStateFile(file);
  if (record === undefined) throw new NothingToStop(`no sandbox is running (no ${file}): nothing to stop`);
  if (record === 'unreadable') throw new SandboxNotRunning(`${file} is not a sandbox state file: remove it`);
  const result: DownResult = { stoppedChildren: [] };
  const up = owner(record);
  if (signalRecorded(up, 'SIGTERM')) {
    result.stoppedUp = up.pid;
    // `up` stops its children, removes the file, and exits.
    const deadline = Date.now() + timeoutMs;
    while (isRunning(up) && Date.now() < deadline) await sleep(50);
  }
  // The latest record: `up` adds children as it spawns them.
  const latest = readStateFile(file);
  const children = [...(record.children ?? []), ...(latest && latest !== 'unreadable' ? (latest.children ?? []) : [])].filter(
    (child, i, all) => all.findIndex((c) => c.pid === child.pid) === i && isRunning(child),
  );
  if (children.length > 0) {
    const survivors = await stopRecorded(children);
    if (survivors.length > 0) throw new Error(`could not stop ${list(survivors)} of the sandbox recorded in ${file}`);
    result.stoppedChildren = children;
  }
  const hung = isRunning(up);
  // `up` did not finish stopping in time although its children are gone now.
  if (hung) signalRecorded(up, 'SIGKILL');
  removeIfUnchanged(file, record);
  if (hung) throw new Error(`the sandbox (pid ${up.pid}) did not stop within ${timeoutMs / 1000}s: killed it and its children`);
  return result;
}
