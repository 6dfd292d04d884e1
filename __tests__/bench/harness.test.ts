/**
 * Smoke tests of the benchmark harness pieces (scripts/bench/), with tiny sizes and no timing
 * assertions: the counting proxy forwards and counts by AWS action, the statistics and polling
 * models compute what the report says they do, and the results section is replaced in place.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { classifyRequest, startCountingProxy, type CountingProxy } from '../../scripts/bench/counting-proxy.js';
import { median, percentile } from '../../scripts/bench/stats.js';
import { delayInForce, detectionDelay, fixedPoll, runnerPolicy, sdkWaiter, seededRandom } from '../../scripts/bench/simulate.js';
import { RESULTS_END, RESULTS_START, writeResultsSection } from '../../scripts/bench/report.js';

describe('counting proxy', () => {
  let upstream: http.Server;
  let upstreamUrl: string;
  const received: { method: string; url: string; body: string }[] = [];
  let proxy: CountingProxy;

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString() });
        res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    proxy = await startCountingProxy(upstreamUrl);
  });

  afterAll(async () => {
    await proxy?.stop();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('forwards requests unchanged and counts them by AWS action', async () => {
    const json = await fetch(proxy.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.DescribeServices', 'content-type': 'application/x-amz-json-1.1' },
      body: '{"cluster":"c","services":["s"]}',
    });
    expect(json.status).toBe(201);
    expect(json.headers.get('x-upstream')).toBe('yes');
    expect(await json.text()).toBe('{"ok":true}');
    for (let i = 0; i < 2; i++) {
      const query = await fetch(proxy.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: 'Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=arn',
      });
      await query.text();
    }
    await (await fetch(`${proxy.endpoint}/moto-api/`)).text();

    expect(proxy.counts()).toEqual({ DescribeServices: 1, DescribeTargetHealth: 2, 'other:GET /moto-api/': 1 });
    expect(proxy.total()).toBe(4);
    expect(proxy.calls.map((c) => c.service)).toEqual(['ecs', 'elbv2', 'elbv2', '?']);
    expect(received[0]).toEqual({ method: 'POST', url: '/', body: '{"cluster":"c","services":["s"]}' });
    expect(received[1]?.body).toBe('Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=arn');

    proxy.clear();
    expect(proxy.total()).toBe(0);
  });

  it('answers 502 when the upstream is gone, still counting the call', async () => {
    const dead = await startCountingProxy('http://127.0.0.1:9');
    try {
      const res = await fetch(dead.endpoint, { method: 'POST', headers: { 'x-amz-target': 'Logs_20140328.FilterLogEvents' }, body: '{}' });
      expect(res.status).toBe(502);
      await res.text();
      expect(dead.counts()).toEqual({ FilterLogEvents: 1 });
    } finally {
      await dead.stop();
    }
  });
});

describe('classifyRequest', () => {
  it.each([
    ['JSON 1.1 (ECS)', 'POST', '/', { 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListTasks' }, '', { action: 'ListTasks', service: 'ecs' }],
    ['JSON 1.1 (Logs)', 'POST', '/', { 'x-amz-target': 'Logs_20140328.FilterLogEvents' }, '', { action: 'FilterLogEvents', service: 'logs' }],
    ['query body (EC2)', 'POST', '/', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=DescribeVpcs&Version=2016-11-15', { action: 'DescribeVpcs', service: 'ec2' }],
    ['query string', 'GET', '/?Action=DescribeTargetGroups&Version=2015-12-01', {}, '', { action: 'DescribeTargetGroups', service: 'elbv2' }],
    ['RPC v2 CBOR path', 'POST', '/service/GraniteServiceVersion20100801/operation/GetMetricData', {}, '', { action: 'GetMetricData', service: 'GraniteServiceVersion20100801' }],
    ['anything else', 'POST', '/moto-api/reset', {}, '', { action: 'other:POST /moto-api/reset', service: '?' }],
  ])('%s', (_label, method, url, headers, body, expected) => {
    expect(classifyRequest(method, url, headers, body)).toEqual(expected);
  });
});

describe('stats', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('median(%j) = %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('is NaN for no values', () => {
    expect(median([])).toBeNaN();
    expect(percentile([], 50)).toBeNaN();
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 100)).toBe(20);
  });
});

describe('polling models', () => {
  it('a fixed 15 s poll sees a flip at 3 s 12 s late, and one at 16 s 14 s late', () => {
    expect(detectionDelay(3_000, fixedPoll(15_000))).toBe(12_000);
    expect(detectionDelay(16_000, fixedPoll(15_000))).toBe(14_000);
  });

  it("the SDK waiter's first wait is exactly minDelay, later ones stay within [min, max]", () => {
    const delay = sdkWaiter(15, 120);
    const random = seededRandom(1);
    expect(delay(1, random)).toBe(15_000);
    for (let attempt = 2; attempt < 12; attempt++) {
      const d = delay(attempt, random);
      expect(d).toBeGreaterThanOrEqual(15_000);
      expect(d).toBeLessThanOrEqual(120_000);
    }
    expect(delay(20, random)).toBe(120_000);
  });

  it("the runner's policy grows by its backoff up to its cap, and the delay in force at T follows it", () => {
    const policy = runnerPolicy(5_000, 1.5, 15_000);
    expect([1, 2, 3, 4].map((n) => policy(n, Math.random))).toEqual([5_000, 7_500, 11_250, 15_000]);
    // polls at 0, 5, 12.5, 23.75 s
    expect(delayInForce(3_000, policy)).toBe(5_000);
    expect(delayInForce(6_000, policy)).toBe(7_500);
    expect(detectionDelay(6_000, policy)).toBe(6_500);
  });

  it('seeded draws repeat', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe('writeResultsSection', () => {
  it('replaces only the generated section, and appends markers to a file without them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-report-'));
    try {
      const file = path.join(dir, 'BENCHMARKS.md');
      writeFileSync(file, `# Benchmarks\n\nMethod text.\n\n${RESULTS_START}\nold numbers\n${RESULTS_END}\n\nFooter.\n`);
      await writeResultsSection(file, 'new numbers');
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('Method text.');
      expect(text).toContain('Footer.');
      expect(text).toContain('new numbers');
      expect(text).not.toContain('old numbers');

      const bare = path.join(dir, 'bare.md');
      writeFileSync(bare, '# Only a title\n');
      await writeResultsSection(bare, 'first numbers');
      expect(readFileSync(bare, 'utf8')).toBe(`# Only a title\n\n${RESULTS_START}\n\nfirst numbers\n\n${RESULTS_END}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
