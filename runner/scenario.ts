/** A scenario after loading: every value interpolated, validated and resolved to milliseconds. */
import type { z } from 'zod';
import type { CheckType, RetryPolicy } from '../checks/types.js';
import type { ClientPoolSettings } from './clients.js';
import type { VarValue } from './interpolate.js';
import type { Masker } from './mask.js';
import type { SourceLocation } from './result.js';
import type { scenarioTopSchema } from './schema.js';

/**
 * The scenario's `publishMetrics:` block, as its schema parses it: `{ namespace }`, the CloudWatch
 * namespace ScenarioPassed and CheckPassed are put into after the run.
 */
export type PublishMetricsSettings = NonNullable<z.infer<typeof scenarioTopSchema>['publishMetrics']>;

export interface PlannedCheck {
  /** Position in the file, 0-based; reports keep this order. */
  index: number;
  name: string;
  type: string;
  checkType: CheckType;
  /** The type-specific options, parsed by the check type's schema. */
  spec: unknown;
  needs: string[];
  description?: string;
  timeoutMs: number;
  retry: RetryPolicy;
  location: SourceLocation;
}

export interface Scenario {
  file: string;
  dir: string;
  name: string;
  description?: string;
  vars: Record<string, VarValue>;
  secrets: string[];
  /** The `aws:` block: region, profile and `rateLimits` (calls per second per AWS API, over the defaults). */
  aws: ClientPoolSettings;
  /** The `publishMetrics:` block; `--publish-metrics NAMESPACE` overrides its namespace. */
  publishMetrics?: PublishMetricsSettings;
  checks: PlannedCheck[];
  /** The scenario's `concurrency:` (most checks at once); RunOptions.concurrency overrides it. */
  concurrency?: number;
  /** Knows every declared secret and sensitive header value of this scenario. */
  masker: Masker;
}
