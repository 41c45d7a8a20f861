/**
 * How every watchdog function is bundled, in esbuild's own terms: the CDK construct passes these to
 * NodejsFunction, and `npm run bench` bundles with the very same settings to measure what Lambda loads.
 */
export const LAMBDA_BUNDLE_SETTINGS = {
  minify: true,
  sourcemap: false,
  target: 'node22',
  format: 'cjs',
  platform: 'node',
  /** ESM builds first: esbuild can tree-shake them (the AWS SDK shrinks by about a quarter). */
  mainFields: ['module', 'main'],
} as const;

/** The handler files under lambdas/handlers that become functions. */
export const LAMBDA_HANDLERS = ['probe', 'orchestrator', 'failback'] as const;
