/** The exit codes (a contract): passed, a check failed or errored, usage or invalid scenario, interrupted. */
export const EXIT = { passed: 0, failed: 1, usage: 2, SIGINT: 130, SIGTERM: 143 } as const;
