import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one Logger of a function, built once at module scope (Powertools' pattern). Service name and
 * level come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL, set by the CDK construct.
 * Nothing secret is ever passed to it: carrier credentials stay inside the credential source.
 */
export const logger = new Logger();

/** The part of the Logger the probe uses, so the drill and tests may pass a recorder instead. */
export type ProbeLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
