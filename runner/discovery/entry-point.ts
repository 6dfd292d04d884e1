/**
 * The service's HTTP entry point, when no --url is given: the internet-facing Application Load
 * Balancer in front of its target group and the listener whose default action forwards to it.
 * An entry point that a request from outside could not reach (internal scheme, listener rules only)
 * is not guessed: the reason is returned instead, and the http check is left out.
 */
import type { Action, Listener, LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsCall, elbv2Client, type ResponseShape } from '../../checks/support/aws.js';
import { AttemptResultError, type CheckContext } from '../../checks/types.js';
import type { DiscoveredEntryPoint, DiscoveredTargetGroup } from './types.js';

const DESCRIBE_LOAD_BALANCERS_SHAPE: ResponseShape = {
  LoadBalancers: 'array',
  'LoadBalancers[].LoadBalancerArn': 'string',
  'LoadBalancers[].DNSName': 'string',
};
const DESCRIBE_LISTENERS_SHAPE: ResponseShape = {
  Listeners: 'array',
  'Listeners[].ListenerArn': 'string',
  'Listeners[].Protocol': 'string',
  'Listeners[].Port': 'number',
};

const DEFAULT_PORT: Readonly<Record<string, number>> = { HTTP: 80, HTTPS: 443 };

/** Whether a listener's default action sends traffic to the target group (simple or weighted forward). */
export function forwardsTo(actions: readonly Action[] | undefined, targetGroupArn: string): boolean {
  return (actions ?? []).some(
    (a) => a.Type === 'forward' && (a.TargetGroupArn === targetGroupArn || (a.ForwardConfig?.TargetGroups ?? []).some((t) => t.TargetGroupArn === targetGroupArn)),
  );
}

/** `https://name.elb.amazonaws.com` or `http://name:8080`: the base URL a listener serves. Pure. */
export function baseUrlOf(loadBalancer: Pick<LoadBalancer, 'DNSName'>, listener: Pick<Listener, 'Protocol' | 'Port'>): string {
  const protocol = listener.Protocol ?? 'HTTP';
  const port = listener.Port !== undefined && listener.Port !== DEFAULT_PORT[protocol] ? `:${listener.Port}` : '';
  return `${protocol.toLowerCase()}://${loadBalancer.DNSName}${port}`;
}

/**
 * The load balancers with these ARNs (name, scheme, type, DNS name).
 * AWS API: elasticloadbalancing:DescribeLoadBalancers.
 * @throws AttemptResultError when AWS refuses or fails the call.
 */
export async function describeLoadBalancers(ctx: CheckContext, arns: string[]): Promise<LoadBalancer[]> {
  const { DescribeLoadBalancersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const client = await ctx.clients.get(elbv2Client);
  const out = await awsCall(
    ctx,
    'elasticloadbalancing:DescribeLoadBalancers',
    (abortSignal) => client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: arns }), { abortSignal }),
    DESCRIBE_LOAD_BALANCERS_SHAPE,
  );
  return out.LoadBalancers ?? [];
}

async function listeners(ctx: CheckContext, loadBalancerArn: string): Promise<Listener[]> {
  const { DescribeListenersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const client = await ctx.clients.get(elbv2Client);
  const out = await awsCall(
    ctx,
    'elasticloadbalancing:DescribeListeners',
    (abortSignal) => client.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }), { abortSignal }),
    DESCRIBE_LISTENERS_SHAPE,
  );
  return out.Listeners ?? [];
}

/**
 * The first internet-facing ALB listener (HTTP or HTTPS) whose default action forwards to one of
 * the target groups, or the reason there is none. `known`: the target groups' load balancers,
 * already read by the caller (then not read again).
 * AWS APIs: elasticloadbalancing:DescribeLoadBalancers (unless `known`), elasticloadbalancing:DescribeListeners.
 */
export async function discoverEntryPoint(
  ctx: CheckContext,
  groups: readonly DiscoveredTargetGroup[],
  known?: readonly LoadBalancer[],
): Promise<{ entryPoint?: DiscoveredEntryPoint; missing?: string }> {
  const arns = [...new Set(groups.flatMap((g) => g.loadBalancerArns ?? []))];
  if (arns.length === 0) return { missing: 'the target group has no load balancer' };
  const skipped: string[] = [];
  try {
    for (const lb of known ?? (await describeLoadBalancers(ctx, arns))) {
      const name = lb.LoadBalancerName ?? lb.LoadBalancerArn ?? '?';
      if (lb.Scheme === 'internal') {
        skipped.push(`${name} is internal (not reachable from outside its VPC)`);
        continue;
      }
      if (lb.Type && lb.Type !== 'application') {
        skipped.push(`${name} is a ${lb.Type} load balancer`);
        continue;
      }
      for (const listener of await listeners(ctx, lb.LoadBalancerArn!)) {
        const group = groups.find((g) => forwardsTo(listener.DefaultActions, g.arn));
        if (!group || !['HTTP', 'HTTPS'].includes(listener.Protocol ?? '')) continue;
        return { entryPoint: { baseUrl: baseUrlOf(lb, listener), loadBalancer: name, listener: `${listener.Protocol}:${listener.Port}`, targetGroup: group.name } };
      }
      skipped.push(`no HTTP(S) listener of ${name} forwards to the target group by default (listener rules are not followed)`);
    }
  } catch (error) {
    if (!(error instanceof AttemptResultError)) throw error;
    return { missing: `the load balancer could not be read (${error.result.message})` };
  }
  return { missing: skipped.join('; ') || 'no load balancer found' };
}
