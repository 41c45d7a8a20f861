/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias, see
 * lib/deploy/constructs/lambda-bundle-settings.ts). Every bundled SDK client imports that package's
 * `defaultProvider`; in Lambda the default chain always stops at its first link, the environment
 * variables the runtime sets from the execution role. The links after it (SSO, profile files, login,
 * web identity, container and instance metadata) and the STS, SSO and sign-in clients they carry
 * are about 110 KB of every bundle that Lambda never runs.
 *
 * Only the bundles see this module: tests, the drill and the CLI keep the SDK's whole chain.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
