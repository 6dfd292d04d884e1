/**
 * A fault-injecting HTTP proxy in front of the AWS emulator (moto has no throttling, no AccessDenied,
 * no expired credentials). Every request is recorded with its AWS action; a test can make the next N
 * matching requests fail the way AWS fails them, in the request's own protocol, after which requests
 * pass through to the emulator unchanged:
 *
 * - JSON 1.0/1.1 (ECS, CloudWatch Logs; `X-Amz-Target`): HTTP 400 (or the given status) with
 *   `x-amzn-errortype: <Code>` and body `{"__type":"<Code>","message":"..."}`.
 * - EC2 query (`Version=2016-11-15`): `<Response><Errors><Error><Code>…` (EC2's own shape).
 * - Other query services (ELBv2, ElastiCache): `<ErrorResponse><Error><Type>Sender</Type><Code>…`.
 *
 * The SDK parses each of these into an error whose `name` is the code (checked by the reliability
 * tests through the real SDK, not assumed). `drop` instead destroys the connection without answering.
 * A `BodyFault` answers HTTP 200 (or its status) with a body of the test's choosing — `{}`, nothing,
 * or something shaped wrongly for the API — the way a proxy, a middlebox or an emulator may.
 */
import type http from 'node:http';
import type { ServerResponse } from 'node:http';
import { startAwsProxy } from '../../scripts/bench/counting-proxy.js';

export interface AwsFault {
  /** The AWS error code, e.g. `ThrottlingException`, `Throttling`, `AccessDeniedException`. */
  code: string;
  message: string;
  /** HTTP status of the error answer (default 400). */
  status?: number;
}

/** A success status with a body that is not the API's answer. */
export interface BodyFault {
  /** HTTP status (default 200). */
  status?: number;
  body: string;
  /** Default: the request's own content type for JSON protocols, `text/xml` for query protocols. */
  contentType?: string;
}

export type Fault = AwsFault | BodyFault | 'drop';

function isBodyFault(fault: Fault): fault is BodyFault {
  return typeof fault === 'object' && 'body' in fault;
}

export interface ProxiedRequest {
  /** e.g. `DescribeServices`. */
  action: string;
  /** `ecs`, `logs`, `elbv2`, `ec2`, `elasticache`, or `?`. */
  service: string;
  /** performance.now() when the request arrived. */
  at: number;
  /** The fault it was answered with, if any. */
  fault?: string;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: use it as AWS_ENDPOINT_URL. */
  endpoint: string;
  /**
   * Answers the next `count` requests whose action is `action` (any action: '*') and whose request
   * body contains `bodyContains` (when given: e.g. a resource name, to fault one check of several)
   * with `fault`.
   */
  failNext(count: number, fault: Fault, action?: string, bodyContains?: string): void;
  /** Every request so far, in arrival order. */
  requests: ProxiedRequest[];
  /** Requests for `action` (every request without it). */
  count(action?: string): number;
  stop(): Promise<void>;
}

interface Rule {
  remaining: number;
  fault: Fault;
  action: string;
  bodyContains?: string;
}

const EC2_VERSION = '2016-11-15';
let requestCounter = 0;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Writes a 2xx answer with `fault.body`. */
function answerBody(res: ServerResponse, fault: BodyFault, headers: http.IncomingHttpHeaders): void {
  const json = typeof headers['x-amz-target'] === 'string';
  res.writeHead(fault.status ?? 200, {
    'content-type': fault.contentType ?? (json ? String(headers['content-type'] ?? 'application/x-amz-json-1.1') : 'text/xml'),
    'x-amzn-requestid': `fault-proxy-${++requestCounter}`,
  });
  res.end(fault.body);
}

/** Writes `fault` the way the service of this request would. */
function answer(res: ServerResponse, fault: AwsFault, headers: http.IncomingHttpHeaders, body: string): void {
  const status = fault.status ?? 400;
  const requestId = `fault-proxy-${++requestCounter}`;
  if (typeof headers['x-amz-target'] === 'string') {
    res.writeHead(status, {
      'content-type': String(headers['content-type'] ?? 'application/x-amz-json-1.1'),
      'x-amzn-errortype': fault.code,
      'x-amzn-requestid': requestId,
    });
    res.end(JSON.stringify({ __type: fault.code, message: fault.message }));
    return;
  }
  const version = new URLSearchParams(body).get('Version');
  const xml =
    version === EC2_VERSION
      ? `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(fault.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      : `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(fault.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(xml);
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const rules: Rule[] = [];
  const proxy = await startAwsProxy(upstream, {
    maxSockets: 16,
    intercept(call, req, res, body) {
      const rule = rules.find(
        (r) => r.remaining > 0 && (r.action === '*' || r.action === call.action) && (r.bodyContains === undefined || body.includes(r.bodyContains)),
      );
      if (!rule) return false;
      rule.remaining -= 1;
      if (rule.fault === 'drop') {
        (call as ProxiedRequest).fault = 'drop';
        req.socket.destroy();
        return true;
      }
      if (isBodyFault(rule.fault)) {
        (call as ProxiedRequest).fault = `body ${rule.fault.status ?? 200}`;
        answerBody(res, rule.fault, req.headers);
        return true;
      }
      (call as ProxiedRequest).fault = rule.fault.code;
      answer(res, rule.fault, req.headers, body);
      return true;
    },
  });
  const requests = proxy.calls as ProxiedRequest[];
  return {
    endpoint: proxy.endpoint,
    requests,
    failNext(count, fault, action = '*', bodyContains) {
      rules.push({ remaining: count, fault, action, bodyContains });
    },
    count: (action) => requests.filter((r) => action === undefined || r.action === action).length,
    stop: () => proxy.stop(),
  };
}
