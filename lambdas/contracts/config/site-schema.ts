import * as z from 'zod';
import { httpUrl, intInRange } from './field-schemas';
import { siteFailoverSchema } from './site-failover-schema';

/** SIP status codes a probe may count as healthy besides 2xx (many SBCs answer OPTIONS with 404/405). */
const sipStatusCode = intInRange(100, 699);

/** One SIP endpoint of a site, probed with OPTIONS. */
export const sipEndpointSchema = z
  .object({
    host: z
      .string({ error: 'expected a host name or IP address' })
      .min(1, { error: 'expected a host name or IP address' })
      .describe('Host name or IP address of the SBC or softswitch that answers SIP OPTIONS.'),
    port: intInRange(1, 65535).default(5060).describe('SIP port. Default 5060 (use 5061 for TLS).'),
    transport: z
      .enum(['udp', 'tcp', 'tls'], { error: 'expected one of udp, tcp, tls' })
      .default('udp')
      .describe('Transport for the OPTIONS probe: udp, tcp or tls.'),
    healthyCodes: z
      .array(sipStatusCode)
      .default([])
      .describe(
        'Extra SIP status codes that count as healthy besides 2xx, e.g. [404, 405] for SBCs that answer OPTIONS that way.',
      ),
  })
  .strict();

/** One HTTP(S) health URL of a site, probed with GET. */
export const httpEndpointSchema = z
  .object({
    url: httpUrl.describe('HTTP(S) health URL of the site (a portal or API that must answer).'),
    expectedStatus: intInRange(100, 599)
      .default(200)
      .describe('HTTP status that means healthy. Default 200.'),
    bodyContains: z
      .string()
      .min(1, { error: 'expected a non-empty string' })
      .optional()
      .describe('Optional text the response body must contain to count as healthy.'),
  })
  .strict();

/** A site that carries calls: its role and the endpoints probed to judge it. */
export const siteSchema = z
  .object({
    id: z
      .string({ error: 'expected a site id' })
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
        error: 'expected a lowercase id of letters, digits and dashes (at most 40 characters)',
      })
      .describe('Short id of the site, used in the forwarding plan, metrics, alerts and the incident log.'),
    role: z
      .enum(['primary', 'standby'], { error: 'expected primary or standby' })
      .describe(
        'primary sites are protected (their numbers are forwarded when they fail); standby sites are only watched.',
      ),
    sip: z.array(sipEndpointSchema).default([]).describe('SIP endpoints probed with OPTIONS.'),
    http: z.array(httpEndpointSchema).default([]).describe('HTTP(S) health URLs probed with GET.'),
    failover: siteFailoverSchema.optional(),
  })
  .strict();
