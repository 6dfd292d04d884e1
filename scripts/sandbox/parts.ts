/**
 * The sandbox's parts that load the AWS SDK (~1-2 s), in one module: startSandbox imports it while
 * the emulator boots. (One dynamic import, not several side by side: jest's ESM loader fails on
 * concurrent dynamic imports that share dependencies.)
 */
export { sandboxAwsEnv, sandboxClients } from './aws.js';
export { startAlbHealthChecker } from './alb-health.js';
export { createAlbMetrics } from './alb-metrics.js';
export { startLogShipper } from './log-shipper.js';
export { failedHealthCheckHistory, startModelApi } from './model-api.js';
export { createIncidentResources } from './resources.js';
export { pinEcsTaskStates } from './services.js';
export { startSgGate } from './sg-gate.js';
export { recordedContinue, startRollout } from './rollout.js';
export { applyState, currentState, deploy, findApiToRedisRule, hasSecret, runningDeployment } from './states.js';
