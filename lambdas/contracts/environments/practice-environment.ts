import * as z from 'zod';
import { commonEnvironmentSchema } from './common-environment';

const AWS_REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/**
 * The practice function's environment: the common variables, plus the regions that take turns
 * (config order: the rotation is by position) and the orchestrators' fixed name, the same in every
 * region, whose other-region copies it asks for a dry run.
 */
export const practiceEnvironmentSchema = commonEnvironmentSchema.extend({
  /** Every watchdog region, comma-separated, this one included, in config order. */
  WATCHDOG_REGIONS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((region) => region.trim())
        .filter((region) => region.length > 0),
    )
    .pipe(
      z
        .array(z.string().regex(AWS_REGION_PATTERN, { error: 'expected AWS regions such as us-east-1' }))
        .min(1, { error: 'expected at least one region, comma-separated' }),
    ),
  /** The orchestrator's name (the same in every region). */
  ORCHESTRATOR_FUNCTION_NAME: z.string().min(1),
});

/** The variables as the CDK construct sets them. */
export type PracticeEnvironment = z.input<typeof practiceEnvironmentSchema>;

/** The variables as the function reads them. */
export type ParsedPracticeEnvironment = z.output<typeof practiceEnvironmentSchema>;
