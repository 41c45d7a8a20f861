import * as z from 'zod';
import { alertsSchema, runbookSchema } from './alerts-schema';
import { carriersSchema } from './carriers-schema';
import { FAILURE_KINDS } from './config-constants';
import { detectionSchema } from './detection-schema';
import { dnsSchema } from './dns-schema';
import { failbackSchema } from './failback-schema';
import { awsRegion } from './field-schemas';
import { practiceSchema } from './practice-schema';
import { siteSchema } from './site-schema';

/**
 * The config's fields, each area checked on its own; schema.ts adds the rules that span fields.
 * Every field carries a `.describe()`: the README's config reference is generated from them.
 */
export const configObjectSchema = z
  .object({
    deployment: z
      .string({ error: 'expected a deployment name' })
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,29}$/, {
        error: 'expected a name of letters, digits and dashes starting with a letter (at most 30 characters)',
      })
      .describe('Deployment name; prefixes every stack so two deployments can share an account.'),
    account: z
      .string()
      .regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' })
      .default('111111111111')
      .describe(
        'AWS account id. The dummy 111111111111 is enough for offline synth; set the real one to deploy.',
      ),
    homeRegion: awsRegion.describe("Region of the incident table's home (its primary replica)."),
    watchdogRegions: z
      .array(awsRegion)
      .min(2, {
        error:
          'expected at least 2 watchdog regions (3 recommended, so a quorum of 2 survives a region loss)',
      })
      .describe(
        'Regions that each probe every site and can fail over on their own. At least 2; 3 recommended.',
      ),
    alerts: alertsSchema
      .default({ emails: [], sms: [], https: [] })
      .describe('Who is told: subscriptions of the alert topic in every watchdog region.'),
    sites: z
      .array(siteSchema)
      .min(1, { error: 'expected at least one site' })
      .describe('The sites that carry calls.'),
    detection: detectionSchema
      .default(detectionSchema.parse({}))
      .describe('How a site is judged down or up again.'),
    carriers: carriersSchema.describe(
      'Upstream carriers, keyed by name; only configured ones may appear in the plan.',
    ),
    forwardingPlan: z
      .string({ error: 'expected the path of the forwarding plan CSV' })
      .min(1)
      .default('numbers.csv')
      .describe('Path of the forwarding plan CSV, relative to this config file.'),
    failback: failbackSchema
      .default(failbackSchema.parse({}))
      .describe('How numbers come home after the site recovers.'),
    dns: dnsSchema.optional().describe('Optional Route 53 hosted zone and web records to fail over.'),
    practice: practiceSchema
      .default(practiceSchema.parse({}))
      .describe('The weekly practice of the failover path (canary numbers are under each carrier).'),
    runbooks: z
      .partialRecord(
        z.enum(FAILURE_KINDS, { error: `expected one of ${FAILURE_KINDS.join(', ')}` }),
        runbookSchema,
      )
      .default({})
      .describe('Runbooks keyed by failure kind, attached to alerts and the incident log.'),
  })
  .strict();
