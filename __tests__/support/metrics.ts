/**
 * Reading back what a run published with PutMetricData (the emulator or AWS): the verdict metrics
 * of --publish-metrics, `publishMetrics:`, the gate and the Lambda hook.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';

/**
 * The latest value of one metric: GetMetricData, `Maximum` per minute over the last 10 minutes,
 * the first (newest) datapoint; undefined when there is none. Dimensions as a name → value map.
 */
export async function latestMetricValue(cloudwatch: CloudWatchClient, namespace: string, metricName: string, dimensions: Record<string, string>): Promise<number | undefined> {
  const end = new Date(Date.now() + 60_000);
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(end.getTime() - 10 * 60_000),
      EndTime: end,
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: { Metric: { Namespace: namespace, MetricName: metricName, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) }, Period: 60, Stat: 'Maximum' },
        },
      ],
    }),
  );
  return out.MetricDataResults?.[0]?.Values?.[0];
}
