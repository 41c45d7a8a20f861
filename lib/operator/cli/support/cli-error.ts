import { ConfigError } from '../../../../lambdas/contracts/config/config-error';
import { CarrierAuthError, CarrierError, ValidationError } from '../../../../lambdas/contracts/errors';
import { ExitCode } from './exit-codes';

/** Options of a CliError. */
export interface CliErrorOptions {
  /** Lines listed under the message, one problem each (e.g. every config problem). */
  problems?: readonly string[];
  /** What went wrong underneath; printed with --verbose. */
  cause?: unknown;
}

/**
 * A failure the CLI reports as one clear message and an exit code, never as a stack trace. The
 * message names the thing that failed and what to do about it.
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly problems: readonly string[];

  constructor(exitCode: ExitCode, message: string, options: CliErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.problems = options.problems ?? [];
  }
}

/** AWS SDK error names that mean the credentials are missing, expired or not accepted. */
const AWS_CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'TokenRefreshRequired',
  'AccessDeniedException',
  'AccessDenied',
]);

/** True when an AWS SDK error says the caller's credentials are missing or were rejected. */
export function isAwsCredentialError(error: unknown): boolean {
  return AWS_CREDENTIAL_ERRORS.has((error as { name?: string } | undefined)?.name ?? '');
}

/**
 * Turns anything thrown by a command into a CliError: config problems are bad input (1), carrier
 * credential problems are 4, other carrier failures 3, AWS credential problems 4; anything else is
 * unexpected and reported by name and message (exit 1).
 */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof ConfigError) {
    return new CliError(ExitCode.invalid, firstLine(error.message), {
      problems: error.problems,
      cause: error,
    });
  }
  if (error instanceof ValidationError) {
    return new CliError(ExitCode.invalid, firstLine(error.message), {
      problems: error.problems,
      cause: error,
    });
  }
  if (error instanceof CarrierAuthError)
    return new CliError(ExitCode.credentials, error.message, { cause: error });
  if (error instanceof CarrierError)
    return new CliError(ExitCode.unreachable, error.message, { cause: error });
  if (isAwsCredentialError(error)) return awsCredentialError(error);
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(ExitCode.invalid, `unexpected ${name}: ${firstLine(message)}`, { cause: error });
}

/** The message for AWS credentials that are missing or were refused. */
export function awsCredentialError(error: unknown, region?: string): CliError {
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  const message = firstLine(error instanceof Error ? error.message : String(error));
  const where = region ? ` in ${region}` : '';
  if (name === 'CredentialsProviderError') {
    return new CliError(
      ExitCode.credentials,
      `no AWS credentials found (${message}); set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run \`aws sso login\``,
      { cause: error },
    );
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new CliError(
      ExitCode.credentials,
      `AWS denied the request${where} (${name}: ${message}); use credentials of a role allowed to operate this deployment`,
      { cause: error },
    );
  }
  return new CliError(
    ExitCode.credentials,
    `AWS rejected the credentials${where} (${name}: ${message}); refresh them (e.g. \`aws sso login\`) or check AWS_PROFILE`,
    { cause: error },
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
