export * from '../checks/support/duration.js';
