import type * as z from 'zod';
import type { runbookSchema } from './alerts-schema';
import type { CarrierName } from './config-constants';
import { configObjectSchema } from './config-object-schema';
import { checkCrossFieldRules } from './cross-field-rules';

/**
 * The deployment's configuration. This schema is also the documentation: every field carries a
 * `.describe()` and the README's config reference is generated from it (lib/config/config-reference.ts).
 * Messages say what is expected; the loader adds the file, the field path and what was found. Each
 * area has its file (site-schema.ts, carriers-schema.ts, ...); the values a Lambda reads at run time
 * are in config-constants.ts, which imports no zod.
 */

/**
 * The whole config: the fields plus the rules that span fields. The rules also run when some fields
 * are invalid (`when`), so one pass reports every problem; each rule looks only at fields that
 * parsed into the expected shape.
 */
export const configSchema = configObjectSchema.superRefine(checkCrossFieldRules, { when: () => true });

/** A validated config with every default filled in. */
export type Config = z.output<typeof configSchema>;
/** One site, validated. */
export type Site = Config['sites'][number];
/** One SIP endpoint of a site. */
export type SipEndpoint = Site['sip'][number];
/** One test call of a site. */
export type TestCall = Site['calls'][number];
/** One HTTP(S) endpoint of a site. */
export type HttpEndpoint = Site['http'][number];
/** How a site is judged down or up again. */
export type DetectionSettings = Config['detection'];
/** How numbers come home. */
export type FailbackSettings = Config['failback'];
/** The configured carriers. */
export type CarriersConfig = Config['carriers'];
/** The weekly practice's settings. */
export type PracticeSettings = Config['practice'];
/** A carrier's canary: a test number the practice run forwards and restores. */
export type Canary = NonNullable<NonNullable<CarriersConfig[CarrierName]>['canary']>;
/** A runbook attached to alerts of one failure kind. */
export type Runbook = z.output<typeof runbookSchema>;

export { alertsSchema, runbookSchema } from './alerts-schema';
export { canariesOf } from './canaries';
export { carriersSchema } from './carriers-schema';
export {
  AWS_REGION_PATTERN,
  CARRIER_NAMES,
  type CarrierName,
  DEFAULT_BASE_URLS,
  DEFAULT_PRACTICE_SCHEDULE,
  DEFAULT_RATE_LIMITS,
  E164_PATTERN,
  FAILURE_KINDS,
  type FailureKind,
  PRACTICE_SITE_PREFIX,
  SIP_URI_PATTERN,
} from './config-constants';
export { detectionSchema } from './detection-schema';
export { dnsRecordSchema, dnsSchema } from './dns-schema';
export { failbackSchema } from './failback-schema';
export { e164, intInRange } from './field-schemas';
export { practiceSchema } from './practice-schema';
export { httpEndpointSchema, sipEndpointSchema, siteSchema, testCallSchema } from './site-schema';
