import type { BuildOptions } from 'esbuild';

/**
 * How every watchdog function is bundled, in esbuild's own terms: the CDK construct passes these to
 * NodejsFunction, and `npm run bench` bundles with the very same settings to measure what Lambda loads.
 */
export const LAMBDA_BUNDLE_SETTINGS = {
  minify: true,
  sourcemap: false,
  target: 'node22',
  // CommonJS: an ESM bundle measured the same size (within 1 KB), loaded no faster, and needs a `require` shim.
  format: 'cjs',
  platform: 'node',
  /** ESM builds first: esbuild can tree-shake them (the AWS SDK shrinks by about a quarter). */
  mainFields: ['module', 'main'],
  /**
   * Modules swapped at bundling, paths relative to the project root (esbuild's working directory in
   * the bench and in NodejsFunction's local bundling, which it uses since esbuild is installed). The
   * SDK's default credential chain becomes its first link, the environment variables Lambda sets:
   * about 110 KB less in every bundle.
   */
  alias: {
    '@aws-sdk/credential-provider-node': './lambdas/runtime/lambda-credentials.ts',
  },
} as const;

/** The handler files under lambdas/handlers that become functions. */
export const LAMBDA_HANDLERS = ['probe', 'orchestrator', 'failback', 'practice'] as const;

/** {@link LAMBDA_BUNDLE_SETTINGS}' aliases as esbuild command-line values (`name=path`), for NodejsFunction. */
export function esbuildAliasArguments(): string[] {
  return Object.entries(LAMBDA_BUNDLE_SETTINGS.alias).map(([name, path]) => `${name}=${path}`);
}

/**
 * {@link LAMBDA_BUNDLE_SETTINGS} as esbuild's own build options, run from `projectRoot` as
 * NodejsFunction runs esbuild: what the bench and the bundle tests build with.
 */
export function lambdaBuildOptions(projectRoot: string): BuildOptions {
  return {
    bundle: true,
    minify: LAMBDA_BUNDLE_SETTINGS.minify,
    sourcemap: LAMBDA_BUNDLE_SETTINGS.sourcemap,
    target: LAMBDA_BUNDLE_SETTINGS.target,
    format: LAMBDA_BUNDLE_SETTINGS.format,
    platform: LAMBDA_BUNDLE_SETTINGS.platform,
    mainFields: [...LAMBDA_BUNDLE_SETTINGS.mainFields],
    alias: { ...LAMBDA_BUNDLE_SETTINGS.alias },
    absWorkingDir: projectRoot,
  };
}
