export { freePort } from '../../scripts/sandbox/services.js';
