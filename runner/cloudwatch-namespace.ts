/**
 * What CloudWatch takes as a namespace for PutMetricData, as the API reference states it
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html,
 * `Namespace`; the same constraints as API_Metric.html): 1 to 255 characters, pattern `[^:].*` —
 * only a leading ':' is refused, a ':' further in is allowed —, ASCII characters except control
 * characters, and not beginning with `AWS/` (reserved for AWS services' own metrics).
 * One rule for `--publish-metrics` and the scenario's `publishMetrics.namespace`.
 */

/** The rule as a regular expression (also the JSON Schema `pattern`; length is checked by it too). */
export const CLOUDWATCH_NAMESPACE_PATTERN = /^(?!AWS\/)(?!:)[\x20-\x7e]{1,255}$/;

/** What the rule asks for, in words, for error messages. */
export const CLOUDWATCH_NAMESPACE_RULE = '1-255 printable ASCII characters, not starting with ":" nor with "AWS/", which AWS reserves for its services';

/** Whether CloudWatch's PutMetricData accepts `value` as a `Namespace`. */
export function isCloudWatchNamespace(value: string): boolean {
  return CLOUDWATCH_NAMESPACE_PATTERN.test(value);
}
