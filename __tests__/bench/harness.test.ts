/**
 * Smoke tests of the benchmark harness pieces (scripts/bench/), with tiny sizes and no timing
 * assertions: the counting proxy forwards and counts by AWS action, the statistics and polling
 * models compute what the report says they do, and the results section is replaced in place; the
 * proxy counts the exact bytes that cross it, and the insights figure verifies counts and renders.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { classifyRequest, headBytes, startCountingProxy, trafficByAction, type CountingProxy } from '../../scripts/bench/counting-proxy.js';
import { budgetLine } from '../../scripts/bench/fig-broken-verdict.js';
import { bytes, INSIGHTS_CASES, medianTraffic, renderLogInsights, seriesVerified, type InsightsSample } from '../../scripts/bench/fig-log-insights.js';
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

describe('bytes over the wire', () => {
  it.each([
    ['start line only', 'GET / HTTP/1.1', [], 'GET / HTTP/1.1\r\n\r\n'],
    ['two headers', 'HTTP/1.1 200 OK', ['Content-Length', '2', 'X-A', 'b'], 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\n'],
    ['multi-byte value', 'POST / HTTP/1.1', ['X-Name', 'café'], 'POST / HTTP/1.1\r\nX-Name: café\r\n\r\n'],
  ])('headBytes: %s', (_label, line, raw, wire) => {
    expect(headBytes(line, raw)).toBe(Buffer.byteLength(wire));
  });

  it('trafficByAction sums calls and bytes per action', () => {
    const call = (action: string, requestBytes: number, responseBytes: number) => ({ action, service: 'logs', at: 0, requestBytes, responseBytes });
    expect(trafficByAction([call('StartQuery', 100, 50), call('GetQueryResults', 80, 900), call('StartQuery', 110, 55)])).toEqual({
      StartQuery: { calls: 2, requestBytes: 210, responseBytes: 105 },
      GetQueryResults: { calls: 1, requestBytes: 80, responseBytes: 900 },
    });
  });

  it('counts the exact request and response bytes that cross the proxy', async () => {
    const response = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n{"queryId":"q-12345"}';
    const upstream = net.createServer((socket) => {
      let seen = '';
      socket.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('\r\n\r\n{}')) socket.end(response);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    const proxy = await startCountingProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    try {
      const request = 'POST / HTTP/1.1\r\nHost: bench\r\nX-Amz-Target: Logs_20140328.StartQuery\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}';
      const port = Number(new URL(proxy.endpoint).port);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toContain('{"queryId":"q-12345"}');
      expect(proxy.traffic()).toEqual({ StartQuery: { calls: 1, requestBytes: Buffer.byteLength(request), responseBytes: Buffer.byteLength(response) } });
    } finally {
      await proxy.stop();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });

  it('counts no response bytes for the proxy\'s own 502', async () => {
    const dead = await startCountingProxy('http://127.0.0.1:9');
    try {
      await (await fetch(dead.endpoint, { method: 'POST', headers: { 'x-amz-target': 'Logs_20140328.GetQueryResults' }, body: '{"queryId":"q"}' })).text();
      const traffic = dead.traffic().GetQueryResults!;
      expect(traffic.calls).toBe(1);
      expect(traffic.requestBytes).toBeGreaterThan(Buffer.byteLength('{"queryId":"q"}'));
      expect(traffic.responseBytes).toBe(0);
    } finally {
      await dead.stop();
    }
  });
});

describe('insights figure', () => {
  const sample = (over: Partial<InsightsSample> = {}): InsightsSample => ({
    wallMs: 1000,
    status: 'failed',
    matches: 100_000,
    recordsScanned: 100_000,
    engine: 'insights',
    traffic: { StartQuery: { calls: 2, requestBytes: 1000, responseBytes: 200 }, GetQueryResults: { calls: 2, requestBytes: 900, responseBytes: 2000 } },
    ...over,
  });
  const absentWorst = INSIGHTS_CASES.find((c) => c.check === 'logs-absent' && c.matching > 0)!;
  const presentWorst = INSIGHTS_CASES.find((c) => c.check === 'logs-present' && c.matching > 0)!;
  const filterSample = (over: Partial<InsightsSample> = {}) =>
    sample({ engine: 'filter', recordsScanned: undefined, traffic: { FilterLogEvents: { calls: 10, requestBytes: 10_000, responseBytes: 17 * 1024 * 1024 } }, ...over });

  it.each([
    ['insights counting all 100,000', absentWorst, 'insights', sample(), true],
    ['insights one short', absentWorst, 'insights', sample({ matches: 99_999 }), false],
    ['insights scanning fewer records', absentWorst, 'insights', sample({ recordsScanned: 90_000 }), false],
    ['the wrong status', absentWorst, 'insights', sample({ status: 'passed' }), false],
    ['another engine answered', absentWorst, 'insights', sample({ engine: 'filter' }), false],
    ['filter counting all for logs-absent', absentWorst, 'filter', filterSample(), true],
    ['filter one page short for logs-absent', absentWorst, 'filter', filterSample({ matches: 90_000 }), false],
    ['logs-present on filter stopping at its first match', presentWorst, 'filter', filterSample({ status: 'passed', matches: 5 }), true],
    ['logs-present on filter finding nothing', presentWorst, 'filter', filterSample({ status: 'passed', matches: 0 }), false],
  ] as const)('seriesVerified: %s', (_label, c, engine, x, ok) => {
    expect(seriesVerified({ ...c, engine, samples: [x] }, 100_000)).toBe(ok);
  });

  it('medianTraffic takes the median per action, a missing action counting 0', () => {
    const one = (calls: number) => sample({ traffic: { GetQueryResults: { calls, requestBytes: calls * 10, responseBytes: calls * 100 } } });
    expect(medianTraffic([one(2), one(6), sample({ traffic: {} })])).toEqual({ GetQueryResults: { calls: 2, requestBytes: 20, responseBytes: 200 } });
  });

  it.each([
    [812, '812 B'],
    [2048, '2.0 KiB'],
    [17 * 1024 * 1024, '17.0 MiB'],
  ])('bytes(%d) = %s', (value, text) => {
    expect(bytes(value)).toBe(text);
  });

  it('renders a row per engine with calls, bytes and the count check, and the ratios', () => {
    const text = renderLogInsights({
      size: 100_000,
      putMs: 800,
      series: [
        { ...absentWorst, engine: 'insights', samples: [sample(), sample({ wallMs: 1200 }), sample({ wallMs: 1400 })] },
        { ...absentWorst, engine: 'filter', samples: [filterSample({ wallMs: 2400 }), filterSample({ wallMs: 2600 }), filterSample({ wallMs: 2500, matches: 1 })] },
      ],
    });
    expect(text).toContain('## 11. Logs Insights vs FilterLogEvents');
    expect(text).toContain('not CloudWatch');
    expect(text).toContain('| logs-absent | `request` (100,000 match) | insights | failed | 100,000 (100,000 scanned) | 4: GetQueryResults 2, StartQuery 2 | **1.20 s** (1.00 s–1.40 s) | 1.9 KiB / 2.1 KiB | ✅ |');
    expect(text).toMatch(/\| filter \| failed \| 100,000, 1 \| 10: FilterLogEvents 10 \| \*\*2\.50 s\*\* .* \| 9\.8 KiB \/ 17\.0 MiB \| ❌ \|/);
    expect(text).toContain('logs-absent `request`: FilterLogEvents ÷ Insights — wall time 2.08×, bytes 4,350×');
  });
});

describe('broken figure budgets', () => {
  it('sums the finite budgets, names the longest, and gives each run\'s share of the sum', () => {
    const run = (id: 'before' | 'after', wallMs: number) => ({ id, label: id, wallMs: [wallMs], checks: [], sameVerdict: true });
    const line = budgetLine(
      { budgets: [{ name: 'a', budgetMs: 60_000 }, { name: 'b', budgetMs: 120_000 }, { name: 'c', budgetMs: Infinity }] },
      run('before', 90_000),
      run('after', 1_800),
    );
    expect(line).toContain('Budgets of all 3 checks');
    expect(line).toContain('(the others unbounded)');
    expect(line).toContain('Sum 3m');
    expect(line).toContain('longest b 2m');
    expect(line).toContain('Before took 50.0 % of the sum, after 1.0 %');
  });
});
