/**
 * The one small interface every check type implements. The runner owns retries, deadlines,
 * ordering and reporting; a check type only knows how to probe one thing once.
 */
import type { z } from 'zod';

/**
 * How one attempt ended.
 * - `pass`: the thing is OK.
 * - `retry`: not ready yet (or a transient fault): try again while the retry budget lasts;
 *   when it runs out the check is `failed`.
 * - `fail`: definitively broken; retrying cannot help (a STOPPED task, HTTP 500 with a known body).
 * - `error`: the check could not be evaluated (AccessDenied, missing credentials, a crash).
 *   With `retryable: true` the runner retries first (an unreachable endpoint, throttling) and the
 *   check ends as `error` when the budget runs out.
 * - `inconclusive`: the check ran and the evidence is missing (no datapoints in the window, fewer
 *   requests than asked for, an alarm in INSUFFICIENT_DATA). Retried like `retry` while the budget
 *   lasts — a metric period may simply not be published yet — and when it runs out the check ends
 *   as its `noData` policy says: `inconclusive` (the default), `passed` or `failed`.
 */
export type AttemptOutcome = 'pass' | 'retry' | 'fail' | 'error' | 'inconclusive';

/**
 * What a check whose evidence is missing ends as, once its retry budget is spent: the YAML key
 * `noData` of the check types that can have no data (cloudwatch-alarms, cloudwatch-metric,
 * alb-metrics). `inconclusive` (the default) is its own status: a gate does not open on it.
 */
export type NoDataPolicy = 'pass' | 'fail' | 'inconclusive';

/** One thing a check looked at, with what it expected and what it saw. */
export interface Observation {
  what: string;
  expected: string;
  actual: string;
  ok: boolean;
}

/** A concrete remedy a check can name when it knows one (shown with the root cause). */
export interface Fix {
  summary: string;
  /** The exact command that would fix it, with real resource names filled in. */
  command?: string;
}

export interface AttemptResult {
  outcome: AttemptOutcome;
  /** One line, written for the on-call engineer: resource, expected, seen. */
  message: string;
  /** For `error`: retry while the budget lasts before giving up. */
  retryable?: boolean;
  /** For `inconclusive`: the check's status when the budget runs out without evidence (default `inconclusive`). */
  noData?: NoDataPolicy;
  observations?: Observation[];
  details?: Record<string, unknown>;
  fix?: Fix;
  /** Commands an engineer would run next to look deeper. */
  nextSteps?: string[];
  /** Facts other checks' root-cause rules can match on (e.g. `{ port: 6379 }`). */
  facts?: Record<string, unknown>;
  /**
   * Things worth fixing that do not make the check fail (a `*_URL` without a scheme, a port that
   * differs from the resource's): one line each, shown in every report. Never changes the verdict.
   */
  warnings?: string[];
}

/**
 * Thrown from deep inside a check (e.g. an AWS call wrapper) to end the attempt with a given
 * result; the runner turns it into that result instead of a crash.
 */
export class AttemptResultError extends Error {
  constructor(readonly result: AttemptResult) {
    super(result.message);
    this.name = 'AttemptResultError';
  }
}

/** Settings a lazily created client is built from (scenario `aws:` block, per-check region). */
export interface ClientSettings {
  region?: string;
  profile?: string;
}

/** A named, lazily imported client (an AWS SDK client, say). Created at most once per settings. */
export interface ClientFactory<T> {
  id: string;
  create(settings: ClientSettings): Promise<T>;
}

export interface ClientProvider {
  get<T>(factory: ClientFactory<T>, overrides?: ClientSettings): Promise<T>;
}

export interface CheckLogger {
  /** Progress detail (stderr, never stdout). Values are masked before printing. */
  debug(message: string): void;
}

export interface CheckContext {
  /** Aborts when the attempt times out or the run is interrupted: pass it to every I/O call. */
  signal: AbortSignal;
  /** 1-based attempt number. */
  attempt: number;
  /** Per-attempt timeout in ms (already applied to `signal`). */
  timeoutMs: number;
  clients: ClientProvider;
  /** Directory of the scenario file: relative paths in specs resolve against it. */
  scenarioDir: string;
  log: CheckLogger;
  /** Values that must never appear in output; checks add sensitive values they discover. */
  addSecret(value: string): void;
  /**
   * The run's masker: `text` with every secret known so far (declared, sensitive-named values of the
   * scenario, and those added with addSecret) replaced by `***`, in every form a reader could undo.
   * Apply it to raw text BEFORE quoting, cutting, folding whitespace or encoding it: a secret cut in
   * two or shell-quoted (`'p'\''ssw0rd'`) can no longer be recognised afterwards.
   */
  mask(text: string): string;
}

export interface RetryPolicy {
  /** Total attempts, including the first. */
  attempts?: number;
  /** Delay before the first retry, ms. */
  intervalMs: number;
  backoff: number;
  maxIntervalMs: number;
  /** Deadline for the whole check (all attempts), ms. */
  withinMs?: number;
}

export interface CheckDefaults {
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

/**
 * What a root-cause rule sees of a failed check. Only checks with status `failed` are seen:
 * an errored or inconclusive check could not be evaluated and is no evidence of a cause or an effect.
 */
export interface FailureView {
  name: string;
  type: string;
  message: string;
  facts: Record<string, unknown>;
  /**
   * True when the check ended on a definitive `fail` (a concrete observation: a STOPPED task with
   * its reason, a missing rule); false when it gave up waiting on a not-ready state (retries or
   * the run deadline spent on `retry` outcomes). A definitive failure outranks a not-ready one.
   * Always set by the runner; optional so hand-built views (tests) need not name it.
   */
  definitive?: boolean;
}

/**
 * A known cause→effect relation: when a check of this type fails, a failure of an `effect` type can
 * be its consequence (a missing SG rule to Redis explains Redis errors in the logs).
 */
export interface CauseRelation {
  /** The check type whose failure this one can explain. */
  effect: string;
  /** Why, in a few words, for the report. */
  because: string;
  /** Extra condition on what the two checks observed; without it, the types alone decide. */
  when?(cause: FailureView, effect: FailureView): boolean;
}

export interface CheckType<S = any> {
  /** Equals the `type:` in YAML and the file name in checks/. */
  type: string;
  /** One line for --help and the reference. */
  summary: string;
  /** Strict object schema of the type-specific keys (not name/type/needs/timeout/retry). */
  schema: z.ZodType<S>;
  defaults?: CheckDefaults;
  describe(spec: S): string;
  run(spec: S, ctx: CheckContext): Promise<AttemptResult>;
  /** Failures of other check types this type's failure explains (root-cause report). */
  explains?: readonly CauseRelation[];
  /**
   * What a `fail` of this type is evidence about; default `'state'`.
   * - `'state'`: the present state, read as the attempt runs (a missing security-group rule, a
   *   STOPPED task, a FAILED rollout, a task definition without a secret). While it stands, a
   *   symptom it explains cannot heal: the runner stops the retries of the failing or not-ready
   *   checks it explains at once ("not retried: explained by <this check>", `consequenceOf`).
   * - `'window'`: the past — log events in a time window, metric datapoints over periods, an
   *   alarm's last evaluation. Such evidence lags the present (lines written before a fix stay in
   *   the window; an alarm stays in ALARM until its next period is evaluated), so its failure never
   *   cuts another check's retries: the checks it explains keep their own budgets and may still
   *   pass. The failure itself is real, is reported as such and may still be named a cause (or
   *   explained) by the root-cause analysis of the finished run.
   */
  evidence?: CheckEvidence;
}

/** What a check type's failure is evidence about: the present state or a window of the past (CheckType.evidence). */
export type CheckEvidence = 'state' | 'window';

/** Helper so check files get their spec type inferred from the schema. */
export function defineCheck<Schema extends z.ZodType>(
  check: Omit<CheckType<z.output<Schema>>, 'schema'> & { schema: Schema },
): CheckType<z.output<Schema>> {
  return check as CheckType<z.output<Schema>>;
}
