/** Flags shared by several commands (`--var`, the discovery target), with their help and checks. */
import type { FlagHelp } from './command.js';
import { UsageError } from './usage-error.js';

/** `--var key=value`, repeatable (run, validate). */
export const VAR_FLAG = { var: { type: 'string', multiple: true } } as const;
export const VAR_HELP: { readonly var: FlagHelp } = {
  var: { arg: 'key=value', text: 'override a `vars:` entry of the scenario (repeatable)' },
};

/** `--publish-metrics NAMESPACE`: put the verdict into CloudWatch after the run (run, gate). */
export const PUBLISH_METRICS_FLAG = { 'publish-metrics': { type: 'string' } } as const;
export const PUBLISH_METRICS_HELP: { readonly 'publish-metrics': FlagHelp } = {
  'publish-metrics': {
    arg: 'NAMESPACE',
    text: "after the run, put ScenarioPassed (1/0) and CheckPassed per check (dimensions Scenario, Check) into that CloudWatch namespace (overrides the scenario's publishMetrics)",
  },
};

/**
 * runner/cloudwatch-namespace.ts's rule (PutMetricData's `Namespace` as the API reference states
 * it: 1-255 characters, pattern `[^:].*`, ASCII without control characters, not `AWS/…`), copied:
 * help and usage load nothing from runner/ (cold start). __tests__/runner/cloudwatch-namespace.test.ts
 * pins the two as identical.
 */
export const PUBLISH_NAMESPACE_PATTERN = /^(?!AWS\/)(?!:)[\x20-\x7e]{1,255}$/;

/**
 * The --publish-metrics namespace, checked as CloudWatch's PutMetricData takes it; undefined when
 * not given. Throws UsageError.
 */
export function publishNamespace(value: string | undefined): string | undefined {
  if (value !== undefined && !PUBLISH_NAMESPACE_PATTERN.test(value)) {
    throw new UsageError(`--publish-metrics expects a CloudWatch namespace (1-255 printable ASCII characters, not starting with ":" nor with "AWS/", which AWS reserves for its services), got "${value}"`);
  }
  return value;
}

/** `--cluster C --service S [--url BASE] [--region R]`: discover the service (run, init). */
export const TARGET_FLAGS = {
  cluster: { type: 'string' },
  service: { type: 'string' },
  url: { type: 'string' },
  region: { type: 'string' },
} as const;
export const TARGET_HELP: { readonly [K in keyof typeof TARGET_FLAGS]: FlagHelp } = {
  cluster: { arg: 'C', text: 'ECS cluster of the service to discover (with --service)' },
  service: { arg: 'S', text: 'ECS service to discover: its standard chain of checks' },
  url: { arg: 'BASE', text: "http(s) base URL for the http check on the target group's health-check path" },
  region: { arg: 'R', text: 'AWS region of the cluster (default: AWS_REGION)' },
};

/** The ECS service a chain of checks is discovered from. */
export interface ServiceTarget {
  cluster: string;
  service: string;
  url?: string;
  region?: string;
}

/** `NAME=VALUE` → [NAME, VALUE]; VALUE may contain `=`. */
export function keyValue(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} expects NAME=VALUE, got "${text}"`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** The `--var` values as a record (a later one wins). */
export function varsOf(values: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries((values ?? []).map((v) => keyValue('--var', v)));
}

/** The discovery target, or undefined when neither --cluster nor --service was given. */
export function serviceTarget(values: { cluster?: string; service?: string; url?: string; region?: string }): ServiceTarget | undefined {
  if (!values.cluster && !values.service) {
    if (values.url || values.region) throw new UsageError('--url and --region apply to --cluster/--service discovery');
    return undefined;
  }
  if (!values.cluster || !values.service) throw new UsageError('--cluster and --service go together');
  if (values.url !== undefined) {
    try {
      const url = new URL(values.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    } catch {
      throw new UsageError(`--url expects an http(s) base URL, got "${values.url}"`);
    }
  }
  return { cluster: values.cluster, service: values.service, url: values.url, region: values.region };
}
