/** Check `bootstrap`: whether `cdk bootstrap` ran in the region, recently enough for our aws-cdk-lib. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { DEFAULT_CONFIG_PATH } from '../../../config/load-config';
import type { PreflightAws } from './preflight-aws';
import type { CheckStatus, PreflightCheck } from './preflight-check';

/** The bootstrap qualifier `cdk bootstrap` and the default synthesizer use unless told otherwise. */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** The cdk.json context key that overrides the qualifier (aws-cdk-lib's BOOTSTRAP_QUALIFIER_CONTEXT). */
export const BOOTSTRAP_QUALIFIER_CONTEXT = '@aws-cdk/core:bootstrapQualifier';

/**
 * The bootstrap version our aws-cdk-lib demands: its DefaultStackSynthesizer's
 * MIN_BOOTSTRAP_STACK_VERSION, asserted by the `CheckBootstrapVersion` rule of every synthesized
 * template (not exported by aws-cdk-lib; a test synthesizes a stack and compares).
 */
export const REQUIRED_BOOTSTRAP_VERSION = 6;

/** The bootstrap qualifier named by a cdk.json document, or the default. */
export function bootstrapQualifierOf(cdkJson: unknown): string {
  const context = (cdkJson as { context?: Record<string, unknown> } | undefined)?.context;
  const qualifier = context?.[BOOTSTRAP_QUALIFIER_CONTEXT];
  return typeof qualifier === 'string' && qualifier !== '' ? qualifier : DEFAULT_BOOTSTRAP_QUALIFIER;
}

/** The project's cdk.json (where `cdk deploy` reads its context), or undefined when absent or unreadable. */
export function readCdkJson(): unknown {
  try {
    // Beside the embedded config folder: the project root, from the sources and from the bundle alike.
    return JSON.parse(readFileSync(resolve(dirname(DEFAULT_CONFIG_PATH), '..', 'cdk.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * SSM GetParameter `/cdk-bootstrap/<qualifier>/version`: at least the version aws-cdk-lib's
 * `CheckBootstrapVersion` rule demands.
 */
export async function checkBootstrap(
  aws: PreflightAws,
  account: string,
  region: string,
  qualifier: string,
): Promise<PreflightCheck> {
  const row = (status: CheckStatus, detail: string): PreflightCheck => ({
    check: 'bootstrap',
    region,
    status,
    detail,
  });
  const parameter = `/cdk-bootstrap/${qualifier}/version`;
  const bootstrapCommand = `npx cdk bootstrap aws://${account}/${region}${qualifier === DEFAULT_BOOTSTRAP_QUALIFIER ? '' : ` --qualifier ${qualifier}`}`;
  const outcome = await aws.attempt(region, 'SSM', () =>
    aws.ssm(region).send(new GetParameterCommand({ Name: parameter })),
  );
  if (!outcome.ok) {
    if (outcome.errorName === 'ParameterNotFound') {
      return row('fail', `not bootstrapped (no SSM parameter ${parameter}); run \`${bootstrapCommand}\``);
    }
    return row('fail', outcome.problem('ssm:GetParameter'));
  }
  const value = outcome.value.Parameter?.Value ?? '';
  const version = Number(value);
  if (!Number.isInteger(version) || version < REQUIRED_BOOTSTRAP_VERSION) {
    return row(
      'fail',
      `bootstrap version ${value || '(empty)'} is older than the ${REQUIRED_BOOTSTRAP_VERSION} aws-cdk-lib requires; upgrade it: \`${bootstrapCommand}\``,
    );
  }
  return row(
    'ok',
    `bootstrapped, version ${version} (at least ${REQUIRED_BOOTSTRAP_VERSION}), qualifier ${qualifier}`,
  );
}
