/** The sandbox's ALB-like metrics and its own evaluation of the deployment alarm (pure parts). */
import { describe, expect, it } from '@jest/globals';
import { batchData, evaluateAlarm, percentile, reasonTime, secondOf, type ServedRequest } from '../../scripts/sandbox/alb-metrics.js';

const NOW = Date.parse('2026-11-29T21:50:12.400Z');
const served = (durationMs: number, agoMs: number, status = 200): ServedRequest => ({ status, durationMs, at: NOW - agoMs });

describe('evaluateAlarm (TargetResponseTime p95 over 10 s > 1 s)', () => {
  it.each<[string, 'OK' | 'ALARM', ServedRequest[], string]>([
    [
      'no request in the period: missing data, not breaching',
      'OK',
      [],
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    ],
    ['health checks waiting on Redis', 'ALARM', [served(2006, 1000), served(2010, 6000)], 'Threshold Crossed: 1 datapoint [2.01 (29/11/26 21:50:02)] was greater than the threshold (1.0).'],
    ['fast answers', 'OK', [served(12, 500), served(4, 3000)], 'Threshold Crossed: 1 datapoint [0.012 (29/11/26 21:50:02)] was not greater than the threshold (1.0).'],
    ['exactly the threshold is not greater', 'OK', [served(1000, 500)], 'Threshold Crossed: 1 datapoint [1 (29/11/26 21:50:02)] was not greater than the threshold (1.0).'],
    // 21:50:01.9 is published in second 21:50:01, before the period's first second (21:50:02).
    ['a slow request older than the period no longer counts', 'OK', [served(2006, 10_500), served(5, 200)], 'Threshold Crossed: 1 datapoint [0.005 (29/11/26 21:50:02)] was not greater than the threshold (1.0).'],
    // One slow request in 20 is the 95th percentile's nearest rank (19th of 20 is fast): OK.
    ['one slow request in twenty', 'OK', [served(2006, 100), ...Array.from({ length: 19 }, (_, i) => served(5, 200 + i * 100))], 'Threshold Crossed: 1 datapoint [0.005 (29/11/26 21:50:02)] was not greater than the threshold (1.0).'],
    ['two slow requests in twenty', 'ALARM', [served(2006, 100), served(2001, 150), ...Array.from({ length: 18 }, (_, i) => served(5, 200 + i * 100))], 'Threshold Crossed: 1 datapoint [2.001 (29/11/26 21:50:02)] was greater than the threshold (1.0).'],
  ])('%s → %s', (_name, state, requests, reason) => {
    expect(evaluateAlarm(requests, NOW)).toEqual({ state, reason });
  });
});

describe('percentile and times', () => {
  it.each([
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 95, 4],
    [[7], 95, 7],
    [[5, 1, 3], 100, 5],
  ])('percentile(%j, %d) = %d (nearest rank)', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('writes a datapoint time as CloudWatch does in a StateReason (dd/MM/yy HH:mm:ss, UTC)', () => {
    expect(reasonTime(Date.parse('2026-01-03T04:05:06.789Z'))).toBe('03/01/26 04:05:06');
  });

  it('publishes a request in the second it ended', () => {
    expect(new Date(secondOf(NOW)).toISOString()).toBe('2026-11-29T21:50:12.000Z');
  });
});

describe('batchData', () => {
  const dims = { loadBalancer: 'app/hokusai-api-development/50dc6c495c0c9188', targetGroup: 'targetgroup/hokusai-api-development/6d0ecf831eec9f09' };
  const at = secondOf(NOW);
  const names = (data: ReturnType<typeof batchData>) => data.map((d) => d.MetricName);

  it('carries both ALB dimensions, the second, and high resolution on every datum', () => {
    for (const datum of batchData([served(5, 0)], { healthy: 1, unhealthy: 0 }, dims, at)) {
      expect(datum.Dimensions).toEqual([
        { Name: 'LoadBalancer', Value: dims.loadBalancer },
        { Name: 'TargetGroup', Value: dims.targetGroup },
      ]);
      expect(datum).toMatchObject({ Timestamp: new Date(at), StorageResolution: 1 });
    }
  });

  it('counts requests and gives every response time in seconds; no 5xx datum when there is none (as ALB)', () => {
    const data = batchData([served(2006, 0), served(4, 0)], undefined, dims, at);
    expect(names(data)).toEqual(['RequestCount', 'TargetResponseTime']);
    expect(data[0]).toMatchObject({ Value: 2, Unit: 'Count' });
    expect(data[1]).toMatchObject({ Values: [2.006, 0.004], Unit: 'Seconds' });
  });

  it('counts 5xx answers when there are some', () => {
    const data = batchData([served(3, 0, 500), served(3, 0, 503), served(3, 0, 404)], undefined, dims, at);
    expect(data.find((d) => d.MetricName === 'HTTPCode_Target_5XX_Count')).toMatchObject({ Value: 2, Unit: 'Count' });
  });

  it('publishes host counts alone when no request ended in the second', () => {
    const data = batchData([], { healthy: 0, unhealthy: 1 }, dims, at);
    expect(data.map((d) => [d.MetricName, d.Value])).toEqual([
      ['HealthyHostCount', 0],
      ['UnHealthyHostCount', 1],
    ]);
  });
});
