import * as z from 'zod/mini';
import '../zod-english-messages';
import { commonEnvironmentSchema } from './common-environment';
import { regionListVariable } from './region-list-variable';

/**
 * The practice function's environment: the common variables, plus the regions that take turns
 * (config order: the rotation is by position) and the orchestrators' fixed name, the same in every
 * region, whose other-region copies it asks for a dry run.
 */
export const practiceEnvironmentSchema = z.extend(commonEnvironmentSchema, {
  /** Every watchdog region, comma-separated, this one included, in config order. */
  WATCHDOG_REGIONS: regionListVariable(),
  /** The orchestrator's name (the same in every region). */
  ORCHESTRATOR_FUNCTION_NAME: z.string().check(z.minLength(1)),
});

/** The variables as the CDK construct sets them. */
export type PracticeEnvironment = z.input<typeof practiceEnvironmentSchema>;

/** The variables as the function reads them. */
export type ParsedPracticeEnvironment = z.output<typeof practiceEnvironmentSchema>;
