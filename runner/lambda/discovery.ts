/**
 * The one place the Lambda handler reaches zero-config discovery: repoint this line, and nothing
 * else, if discovery moves again.
 */
export { discover, scenarioText, DiscoveryError, type DiscoveryInput, type Discovered } from '../discovery/index.js';
