/**
 * Zero-config discovery: from an ECS service, find what the standard post-deploy chain needs (its
 * target groups, log group, security groups, task definition, deployment start) and write that
 * chain as a commented scenario. `run --cluster --service` runs the very text `init` prints.
 */
import { stringify } from 'yaml';
import type { ClientSettings } from '../checks/types.js';
import { ClientPool } from '../runner/clients.js';
import { ecsClient, elbv2Client, awsErrorResult } from '../checks/support/aws.js';

export interface DiscoveryInput {
  cluster: string;
  service: string;
  /** Base URL of the service; adds an `http` check on its health-check path. */
  url?: string;
  region?: string;
}

export interface Discovered {
  taskDefinition?: string;
  containers: { name: string; secrets: string[]; environment: string[]; logGroup?: string }[];
  targetGroups: { name: string; arn: string; healthCheckPath?: string }[];
  securityGroups: string[];
  deploymentStartedAt?: string;
  region?: string;
}

export class DiscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscoveryError';
  }
}

/** The default "something went wrong" filter pattern for application logs. */
export const DEFAULT_ERROR_PATTERN = '?ERROR ?FATAL ?Exception ?Traceback ?panic';

function label(arn: string | undefined): string | undefined {
  return arn?.split('/').pop();
}

export async function discover(input: DiscoveryInput): Promise<Discovered> {
  const settings: ClientSettings = { region: input.region };
  const pool = new ClientPool(settings);
  const call = async <T>(action: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      throw new DiscoveryError(`cannot discover ${input.service}: ${awsErrorResult(error, action).message}`);
    }
  };
  try {
    const ecs = await pool.get(ecsClient);
    const { DescribeServicesCommand, DescribeTaskDefinitionCommand } = await import('@aws-sdk/client-ecs');
    const described = await call('ecs:DescribeServices', () => ecs.send(new DescribeServicesCommand({ cluster: input.cluster, services: [input.service] })));
    const service = described.services?.[0];
    if (!service || service.status !== 'ACTIVE') {
      const why = service?.status ?? described.failures?.[0]?.reason ?? 'MISSING';
      throw new DiscoveryError(`ECS service ${input.service} not found in cluster ${input.cluster} (${why}); check the names and the region (aws ecs list-services --cluster ${input.cluster})`);
    }
    const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
    const taskDefinitionArn = primary?.taskDefinition ?? service.taskDefinition;
    const definition = taskDefinitionArn
      ? (await call('ecs:DescribeTaskDefinition', () => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })))).taskDefinition
      : undefined;
    const containers = (definition?.containerDefinitions ?? []).map((c) => ({
      name: c.name ?? '?',
      secrets: (c.secrets ?? []).map((s) => s.name!).filter(Boolean),
      environment: (c.environment ?? []).map((e) => e.name!).filter(Boolean),
      logGroup: c.logConfiguration?.options?.['awslogs-group'],
    }));
    const targetGroupArns = [...new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((a): a is string => Boolean(a)))];
    let targetGroups: Discovered['targetGroups'] = [];
    if (targetGroupArns.length > 0) {
      const elbv2 = await pool.get(elbv2Client);
      const { DescribeTargetGroupsCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
      const groups = await call('elasticloadbalancing:DescribeTargetGroups', () => elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: targetGroupArns })));
      targetGroups = (groups.TargetGroups ?? []).map((g) => ({ name: g.TargetGroupName ?? label(g.TargetGroupArn) ?? '?', arn: g.TargetGroupArn ?? '', healthCheckPath: g.HealthCheckPath }));
    }
    return {
      taskDefinition: definition ? `${definition.family}:${definition.revision}` : label(taskDefinitionArn),
      containers,
      targetGroups,
      securityGroups: service.networkConfiguration?.awsvpcConfiguration?.securityGroups ?? [],
      deploymentStartedAt: primary?.createdAt?.toISOString(),
      region: input.region ?? (await ecs.config.region().catch(() => undefined)),
    };
  } finally {
    await pool.destroy();
  }
}

function comment(lines: string[]): string {
  return lines.map((line) => (line ? `# ${line}` : '#')).join('\n');
}

/** The standard chain for a service, as a commented scenario that validates as it is. */
export function scenarioText(input: DiscoveryInput, found: Discovered, now = new Date()): string {
  const vars: Record<string, string> = { cluster: input.cluster, service: input.service };
  if (input.url) vars.baseUrl = input.url.replace(/\/+$/, '');
  const ref = { cluster: '${vars.cluster}', service: '${vars.service}' };
  const checks: Record<string, unknown>[] = [
    { name: 'service stable', type: 'ecs-service-stable', ...ref },
    { name: 'tasks running', type: 'ecs-task-running', needs: ['service stable'], ...ref },
  ];
  if (found.targetGroups.length > 0) checks.push({ name: 'targets healthy', type: 'alb-targets-healthy', needs: ['tasks running'], ...ref });
  if (found.containers.some((c) => c.logGroup)) {
    checks.push({ name: 'no errors since the deployment', type: 'logs-absent', needs: ['service stable'], ...ref, pattern: DEFAULT_ERROR_PATTERN, sinceDeployment: true });
  }
  if (input.url) {
    const path = found.targetGroups.find((g) => g.healthCheckPath)?.healthCheckPath ?? '/health';
    checks.push({ name: 'health', type: 'http', url: `\${vars.baseUrl}${path}`, samples: 3, expect: { status: 200, maxLatency: '1s' } });
  }
  const scenario = {
    name: `${input.service}`,
    description: `Post-deploy checks for ECS service ${input.service} in cluster ${input.cluster}`,
    vars,
    ...(found.region ? { aws: { region: found.region } } : {}),
    checks,
  };
  const secrets = [...new Set(found.containers.flatMap((c) => c.secrets))];
  const header = comment([
    `Generated by verify-deployment init --cluster ${input.cluster} --service ${input.service} on ${now.toISOString()}.`,
    'Discovered from the service as it runs now:',
    `  task definition: ${found.taskDefinition ?? 'unknown'} (containers: ${found.containers.map((c) => c.name).join(', ') || 'none'})`,
    `  target groups:   ${found.targetGroups.map((g) => `${g.name} (health check ${g.healthCheckPath ?? '?'})`).join(', ') || 'none'}`,
    `  log groups:      ${[...new Set(found.containers.map((c) => c.logGroup).filter(Boolean))].join(', ') || 'none (no awslogs driver)'}`,
    `  security groups: ${found.securityGroups.join(', ') || 'none (not awsvpc)'}`,
    `  PRIMARY deployment started: ${found.deploymentStartedAt ?? 'unknown'}`,
    'Run it with: verify-deployment run <this file>. Extend it: see the README reference.',
  ]);
  const examples = comment([
    '',
    'More checks worth adding (uncomment and adapt):',
    ...(secrets.length
      ? ['  - name: task definition has its secrets', '    type: ecs-task-definition', '    cluster: ${vars.cluster}', '    service: ${vars.service}', `    secrets: [${secrets.join(', ')}]`]
      : []),
    ...(found.securityGroups.length
      ? ['  - name: redis reachable from the service', '    type: sg-ingress', '    from: { cluster: "${vars.cluster}", service: "${vars.service}" }', '    toSecurityGroup: sg-REPLACE-ME', '    port: 6379']
      : []),
  ]);
  return `${header}\n${stringify(scenario, { lineWidth: 0 })}${examples}\n`;
}
