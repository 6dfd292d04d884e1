/**
 * The CloudWatch namespace rule, after the PutMetricData API reference: 1-255 characters, pattern
 * `[^:].*` (a leading ':' only), ASCII without control characters, not `AWS/…`. The CLI flag and the
 * scenario key both use it.
 */
import { describe, expect, it } from '@jest/globals';
import { CLOUDWATCH_NAMESPACE_PATTERN, CLOUDWATCH_NAMESPACE_RULE, isCloudWatchNamespace } from '../../runner/cloudwatch-namespace.js';
import { PUBLISH_NAMESPACE_PATTERN, publishNamespace } from '../../scripts/cli/flags.js';
import { UsageError } from '../../scripts/cli/usage-error.js';
import { scenarioShape } from '../../runner/schema.js';

const ACCEPTED: [string, string][] = [
  ['a plain name', 'Deploy'],
  ['slashes', 'Deploy/Verify'],
  ['a ":" after the first character', 'Deploy:Verify'],
  ['a trailing ":"', 'Deploy:'],
  ['one character', 'D'],
  ['255 characters', 'n'.repeat(255)],
  ['spaces and punctuation', 'My App / prod #1 (eu-west-1)'],
  ['"aws/" in lower case (only "AWS/" is reserved)', 'aws/mine'],
  ['"AWS" without a slash', 'AWSome'],
  ['"AWS/" further in', 'Deploy/AWS/x'],
];
const REFUSED: [string, string][] = [
  ['empty', ''],
  ['256 characters', 'n'.repeat(256)],
  ['a leading ":"', ':Deploy'],
  ['only ":"', ':'],
  ['"AWS/" at the start (reserved for AWS services)', 'AWS/ECS'],
  ['exactly "AWS/"', 'AWS/'],
  ['a control character (newline)', 'Deploy\nVerify'],
  ['a control character (tab)', 'Deploy\tVerify'],
  ['DEL', 'Deploy\u007f'],
  ['a non-ASCII character', 'Déploiement'],
];

describe('CloudWatch namespace rule', () => {
  it.each(ACCEPTED)('accepts %s', (_what, value) => {
    expect(isCloudWatchNamespace(value)).toBe(true);
    expect(publishNamespace(value)).toBe(value);
  });

  it.each(REFUSED)('refuses %s', (_what, value) => {
    expect(isCloudWatchNamespace(value)).toBe(false);
    expect(() => publishNamespace(value)).toThrow(UsageError);
    expect(() => publishNamespace(value)).toThrow(/--publish-metrics expects a CloudWatch namespace \(1-255 printable ASCII characters, not starting with ":" nor with "AWS\/"/);
  });

  it('the CLI flag uses the same rule (a copy, so that help loads nothing from runner/), and says it in the same words', () => {
    expect(PUBLISH_NAMESPACE_PATTERN.source).toBe(CLOUDWATCH_NAMESPACE_PATTERN.source);
    expect(PUBLISH_NAMESPACE_PATTERN.flags).toBe(CLOUDWATCH_NAMESPACE_PATTERN.flags);
    expect(() => publishNamespace(':x')).toThrow(`(${CLOUDWATCH_NAMESPACE_RULE})`);
  });

  it('leaves an absent flag absent', () => {
    expect(publishNamespace(undefined)).toBeUndefined();
  });

  it.each([...ACCEPTED.map(([w, v]) => [w, v, true] as const), ...REFUSED.map(([w, v]) => [w, v, false] as const)])(
    'the scenario key publishMetrics.namespace agrees on %s',
    (_what, value, ok) => {
      const namespaceSchema = scenarioShape.publishMetrics.unwrap().shape.namespace;
      expect(namespaceSchema.safeParse(value).success).toBe(ok);
    },
  );
});
