import * as z from 'zod';
import { intInRange } from './field-schemas';

/** One web record failed over by Route 53 between a primary and a secondary target. */
export const dnsRecordSchema = z
  .object({
    name: z
      .string()
      .min(1, { error: 'expected a DNS name' })
      .describe('Record name, e.g. portal.example.com.'),
    site: z
      .string()
      .optional()
      .describe(
        'Optional primary site id: the record then fails over when that site is down by quorum as well as when its HTTPS check fails.',
      ),
    primary: z
      .object({
        target: z
          .string()
          .min(1, { error: 'expected a host name' })
          .describe('CNAME target served by the primary site.'),
        healthCheckPath: z
          .string()
          .startsWith('/', { error: 'expected a path starting with /' })
          .default('/health')
          .describe('Path Route 53 requests over HTTPS on the primary target.'),
        port: intInRange(1, 65535).default(443).describe('HTTPS port of the primary target.'),
      })
      .strict()
      .describe('Primary target, HTTPS health checked by Route 53.'),
    secondary: z
      .object({
        target: z
          .string()
          .min(1, { error: 'expected a host name' })
          .describe('CNAME target used while the primary is unhealthy.'),
      })
      .strict()
      .describe('Secondary target, served while the primary is unhealthy.'),
    ttlSeconds: intInRange(10, 86400)
      .default(60)
      .describe('Record TTL in seconds; keep it short so failover takes effect quickly.'),
  })
  .strict();

/** The Route 53 hosted zone and the web records to fail over. */
export const dnsSchema = z
  .object({
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, {
        error: 'expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ',
      })
      .describe('Route 53 hosted zone id (given by id so synth needs no lookup).'),
    zoneName: z
      .string()
      .min(1, { error: 'expected the zone name, e.g. example.com' })
      .describe("The zone's domain name."),
    failureThreshold: intInRange(1, 10)
      .default(3)
      .describe('Consecutive failed Route 53 checks before a target is unhealthy.'),
    checkerRegions: z
      .array(
        z.enum([
          'us-east-1',
          'us-west-1',
          'us-west-2',
          'eu-west-1',
          'ap-southeast-1',
          'ap-southeast-2',
          'ap-northeast-1',
          'sa-east-1',
        ]),
      )
      .min(3, { error: 'expected at least 3 Route 53 checker regions' })
      .default(['us-east-1', 'us-west-1', 'us-west-2'])
      .describe('Route 53 health checker regions (at least 3).'),
    records: z
      .array(dnsRecordSchema)
      .min(1, { error: 'expected at least one record' })
      .describe('Web records to fail over.'),
  })
  .strict();
