export * from '../runner/discovery/index.js';
