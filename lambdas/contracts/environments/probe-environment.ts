import * as z from 'zod/mini';
import '../zod-english-messages';
import { commonEnvironmentSchema } from './common-environment';
import { regionListVariable } from './region-list-variable';

/**
 * A whole number in an environment variable (always a string there), with a range and a default. The
 * input type stays `string`, so the CDK side, typed by `z.input`, cannot pass a number by mistake.
 */
function integerVariable(min: number, max: number, fallback: number) {
  return z._default(
    z.pipe(
      z.pipe(
        z.string().check(z.regex(/^\d+$/, { error: `expected a whole number ${min}-${max}` })),
        z.transform(Number),
      ),
      z.number().check(z.int(), z.minimum(min), z.maximum(max)),
    ),
    fallback,
  );
}

/**
 * The probe's environment: the common variables, plus where observations are kept, whom to tell
 * about a trip and whose observations to read. Checked at cold start; the CDK construct's `environment` is typed by
 * {@link ProbeEnvironment} so the two cannot drift.
 */
export const probeEnvironmentSchema = z.extend(commonEnvironmentSchema, {
  /**
   * The observation table's name; the probe writes and reads its replica in AWS_REGION. Apart from
   * TABLE_NAME because observations expire by TTL, which the strongly consistent incident table
   * cannot have. Only the probe reads observations, so only its environment has it.
   */
  OBSERVATION_TABLE_NAME: z.string().check(z.minLength(1)),
  /** This region's orchestrator function (name or ARN), invoked asynchronously on a trip. */
  ORCHESTRATOR_FUNCTION_NAME: z.string().check(z.minLength(1)),
  /**
   * Every watchdog region, comma-separated, this one included: the regions whose observations the
   * quorum reads. Config order is kept.
   */
  WATCHDOG_REGIONS: regionListVariable(),
  /**
   * How long one invocation keeps probing. The schedule starts one invocation a minute, so 55 s
   * leaves the next one a clean start instead of two overlapping runs probing the same sites.
   */
  PROBE_WINDOW_SECONDS: integerVariable(1, 900, 55),
  /** Days an observation is kept before DynamoDB's TTL deletes it: a month's replay and a report. */
  OBSERVATION_RETENTION_DAYS: integerVariable(1, 3650, 35),
});

/** The variables as the CDK construct sets them (all strings; defaults may be left out). */
export type ProbeEnvironment = z.input<typeof probeEnvironmentSchema>;

/** The variables as the probe reads them, parsed and defaulted. */
export type ParsedProbeEnvironment = z.output<typeof probeEnvironmentSchema>;
