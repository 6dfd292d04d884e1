/**
 * Fake check types for the runner's tests: scripted outcomes per attempt (and two scripted types
 * with cause→effect relations, `fake-cause` and `fake-upstream`), a `hang` that ignores
 * its signal (to prove the runner's race), and a type with a required nested object and a
 * duration field (to test validation paths such as `checks[2] (fake-http).expect.maxLatency`).
 */
import { z } from 'zod';
import { defineCheck, type AttemptResult, type CheckContext, type CheckType } from '../../checks/types.js';
import { durationSchema } from '../../runner/duration.js';
import { parseScenario, type LoadOptions } from '../../runner/load.js';
import type { Scenario } from '../../runner/scenario.js';

export const FAKE_OUTCOMES = ['pass', 'retry', 'fail', 'error', 'retryable-error', 'hang', 'throw', 'inconclusive'] as const;
export type FakeOutcome = (typeof FAKE_OUTCOMES)[number];

/** One call of a fake check's run(), as the test sees it afterwards. */
export interface FakeCall {
  /** The spec's `id` (the tests use the check name). */
  id: string;
  attempt: number;
  timeoutMs: number;
  outcome: FakeOutcome;
  /** performance.now() when run() was called / when it settled (or saw its signal abort). */
  startedAt: number;
  endedAt?: number;
  /** The attempt's signal was aborted by the time the call ended (hang: when the signal fired). */
  signalAborted: boolean;
  abortReason?: unknown;
}

const calls: FakeCall[] = [];

/** Every fake call since the last reset, in the order they started. */
export function fakeCalls(id?: string): FakeCall[] {
  return id === undefined ? [...calls] : calls.filter((call) => call.id === id);
}

export function resetFakes(): void {
  calls.length = 0;
}

const fakeSchema = z.strictObject({
  /** Which call record this check writes (defaults to "fake"). */
  id: z.string().optional(),
  /** Outcome of attempt N is outcomes[N-1]; the last one repeats. */
  outcomes: z.array(z.enum(FAKE_OUTCOMES)).min(1),
  /** How long each attempt works before answering, ms (honours the signal). */
  delay: z.number().int().min(0).optional(),
  /** Message of each attempt; "{attempt}" and "{outcome}" are replaced. */
  message: z.string().optional(),
  /** Values the check "discovers" and registers through ctx.addSecret. */
  discoverSecret: z.string().optional(),
  /** A line the check logs through ctx.log.debug on each attempt. */
  debug: z.string().optional(),
  /** Facts every attempt reports (what the fake cause→effect relations look at). */
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** For `inconclusive` outcomes: the check's noData policy. */
  noData: z.enum(['pass', 'fail', 'inconclusive']).optional(),
});
type FakeSpec = z.output<typeof fakeSchema>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function resultFor(outcome: FakeOutcome, spec: FakeSpec, attempt: number): AttemptResult {
  const message = (spec.message ?? '{outcome} on attempt {attempt}').replaceAll('{attempt}', String(attempt)).replaceAll('{outcome}', outcome);
  const observations = [{ what: 'attempt', expected: 'pass', actual: `attempt ${attempt}: ${outcome}`, ok: outcome === 'pass' }];
  const facts = spec.facts ? { facts: spec.facts } : {};
  switch (outcome) {
    case 'pass':
      return { outcome: 'pass', message, observations, ...facts };
    case 'retry':
      return { outcome: 'retry', message, observations, ...facts };
    case 'fail':
      return { outcome: 'fail', message, observations, fix: { summary: 'make it pass' }, ...facts };
    case 'error':
      return { outcome: 'error', message, observations, ...facts };
    case 'retryable-error':
      return { outcome: 'error', retryable: true, message, observations, ...facts };
    case 'inconclusive':
      return { outcome: 'inconclusive', message, observations, ...facts, ...(spec.noData ? { noData: spec.noData } : {}) };
    default:
      throw new Error(`resultFor(${outcome})`);
  }
}

/** `fake`: scripted outcomes, optional delay, records every call. No type defaults (built-ins apply). */
export const fakeCheck = defineCheck({
  type: 'fake',
  summary: 'A scripted check for the runner tests.',
  schema: fakeSchema,
  describe: (spec) => `fake ${spec.id ?? 'fake'} (${spec.outcomes.join(', ')})`,
  async run(spec, ctx: CheckContext) {
    const outcome = spec.outcomes[Math.min(ctx.attempt, spec.outcomes.length) - 1]!;
    const call: FakeCall = {
      id: spec.id ?? 'fake',
      attempt: ctx.attempt,
      timeoutMs: ctx.timeoutMs,
      outcome,
      startedAt: performance.now(),
      signalAborted: false,
    };
    calls.push(call);
    if (spec.discoverSecret) ctx.addSecret(spec.discoverSecret);
    if (spec.debug) ctx.log.debug(spec.debug);
    const settle = () => {
      call.endedAt ??= performance.now();
      call.signalAborted = ctx.signal.aborted;
      call.abortReason = ctx.signal.reason;
    };
    if (outcome === 'hang') {
      // Ignores the signal on purpose: only the runner's race can end this attempt.
      ctx.signal.addEventListener('abort', settle, { once: true });
      return new Promise<AttemptResult>(() => {});
    }
    try {
      if (spec.delay) await sleep(spec.delay, ctx.signal);
      if (outcome === 'throw') throw new TypeError(`exploded on attempt ${ctx.attempt}`);
      return resultFor(outcome, spec, ctx.attempt);
    } finally {
      settle();
    }
  },
});

const fakeHttpSchema = z.strictObject({
  url: z.string().regex(/^https?:\/\//, 'expected an http:// or https:// URL'),
  method: z.enum(['GET', 'POST']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  port: z.int().min(1).max(65_535).optional(),
  insecure: z.boolean().optional(),
  expect: z.strictObject({
    status: z.int().min(100).max(599),
    maxLatency: durationSchema.optional(),
    body: z.string().optional(),
  }),
});

/** `fake-http`: never run by the runner tests; it exists for validation paths and type defaults. */
export const fakeHttpCheck = defineCheck({
  type: 'fake-http',
  summary: 'An HTTP-like check with a nested expect block, for validation tests.',
  schema: fakeHttpSchema,
  defaults: { timeoutMs: 7_000, retry: { attempts: 4, intervalMs: 700, backoff: 1.5, maxIntervalMs: 7_000 } },
  describe: (spec) => `${spec.method ?? 'GET'} ${spec.url} answers ${spec.expect.status}`,
  async run(spec) {
    return { outcome: 'pass', message: `${spec.url} answered ${spec.expect.status}` };
  },
});

/** `fake-deadline`: a type whose defaults set only a deadline (like ecs-service-stable). */
export const fakeDeadlineCheck = defineCheck({
  type: 'fake-deadline',
  summary: 'A check type whose defaults retry until a deadline.',
  schema: z.strictObject({ target: z.string().min(1) }),
  defaults: { retry: { intervalMs: 5_000, withinMs: 600_000 } },
  describe: (spec) => `deadline ${spec.target}`,
  async run() {
    return { outcome: 'pass', message: 'ok' };
  },
});

/**
 * `fake-cause`: a scripted check (like `fake`) whose failure explains a failing `fake` check that
 * reports the fact `symptom: true` — a relation with a `when` on what the effect observed.
 */
export const fakeCauseCheck: CheckType<FakeSpec> = {
  ...fakeCheck,
  type: 'fake-cause',
  summary: 'A scripted check whose failure explains fake checks that report symptom: true.',
  explains: [{ effect: 'fake', because: 'the fake cause breaks it', when: (_, effect) => effect.facts.symptom === true }],
};

/** `fake-upstream`: a scripted check whose failure explains every `fake-cause` and `fake` failure. */
export const fakeUpstreamCheck: CheckType<FakeSpec> = {
  ...fakeCheck,
  type: 'fake-upstream',
  summary: 'A scripted check upstream of fake-cause.',
  explains: [
    { effect: 'fake-cause', because: 'upstream breaks the cause' },
    { effect: 'fake', because: 'upstream breaks it too' },
  ],
};

export const fakeChecks: readonly CheckType[] = [fakeCheck, fakeHttpCheck, fakeDeadlineCheck];
/** The fake types plus the two with relations (kept apart: validation tests list the known types). */
export const fakeChecksWithRelations: readonly CheckType[] = [...fakeChecks, fakeCauseCheck, fakeUpstreamCheck];

/** Parses a scenario from YAML text with the fake check types (no file needed). */
export function scenarioFrom(yaml: string, options: Partial<LoadOptions> = {}): Scenario {
  return parseScenario(yaml, { checkTypes: fakeChecks, env: {}, ...options, displayName: options.displayName ?? 'test.yaml', dir: process.cwd() });
}
