/**
 * The deployment's validated config and forwarding plan, shipped beside each function's code (not in
 * the template or an environment variable, so neither grows with the plan). Synth writes them
 * (lib/deploy/constructs/watchdog-function.ts); the function reads them once per cold start
 * (lambdas/runtime/deployment-files.ts). Paths are relative to the function's code root.
 */
export const DEPLOYMENT_FILES = { config: 'deployment/config.json', plan: 'deployment/numbers.csv' } as const;
