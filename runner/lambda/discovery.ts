/**
 * The one place the Lambda handler reaches zero-config discovery. When discovery moves (to
 * runner/discovery/), repoint this line and nothing else.
 */
export { discover, scenarioText, DiscoveryError, type DiscoveryInput, type Discovered } from '../../scripts/discovery.js';
