/** The registry of check types. Adding a type: one file in checks/, one line here, tests, docs. */
import type { CheckType } from './types.js';
import { albMetrics } from './alb-metrics.js';
import { albTargetsHealthy } from './alb-targets-healthy.js';
import { cloudwatchAlarms } from './cloudwatch-alarms.js';
import { cloudwatchMetric } from './cloudwatch-metric.js';
import { ecsDeployment } from './ecs-deployment.js';
import { ecsServiceStable } from './ecs-service-stable.js';
import { ecsTaskDefinition } from './ecs-task-definition.js';
import { ecsTaskRunning } from './ecs-task-running.js';
import { elasticacheAvailable } from './elasticache-available.js';
import { exec } from './exec.js';
import { http } from './http.js';
import { logsAbsent } from './logs-absent.js';
import { logsPresent } from './logs-present.js';
import { rdsAvailable } from './rds-available.js';
import { redisPing } from './redis-ping.js';
import { sgIngress } from './sg-ingress.js';
import { terraformDrift } from './terraform-drift.js';

export const checkTypes: readonly CheckType[] = [
  // Each check file registers itself here, alphabetically by type.
  albMetrics,
  albTargetsHealthy,
  cloudwatchAlarms,
  cloudwatchMetric,
  ecsDeployment,
  ecsServiceStable,
  ecsTaskDefinition,
  ecsTaskRunning,
  elasticacheAvailable,
  exec,
  http,
  logsAbsent,
  logsPresent,
  rdsAvailable,
  redisPing,
  sgIngress,
  terraformDrift,
];

export function findCheckType(type: string): CheckType | undefined {
  return checkTypes.find((check) => check.type === type);
}
