import * as z from 'zod';
import { MAX_CALL_INTERVAL_SECONDS } from './config-constants';
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

/** Who a test call is to or from: an E.164 number, a SIP URI, or a user part at the site's host. */
const callParty = z
  .string({ error: 'expected an E.164 number, a sip: URI or a user part such as 9999' })
  .regex(/^(\+[1-9]\d{1,14}|sips?:[^\s@]+(@[^\s@]+)?|[A-Za-z0-9_.!~*'()&=+$,;?/-]{1,64})$/, {
    error: 'expected an E.164 number, a sip: URI or a user part such as 9999',
  });

/** Answers a test call may be judged healthy by: provisional 180-183 and final 200-699, never 401/407 (digest). */
const expectedCallCode = intInRange(180, 699).refine(
  (code) => (code <= 183 || code >= 200) && code !== 401 && code !== 407,
  {
    error:
      'expected 180-183 or a final code 200-699 other than 401/407 (challenges are answered with the secret)',
  },
);

/** A test call through the site: an INVITE to a test number, judged by its answer and ended at once. */
export const testCallSchema = z
  .object({
    host: z
      .string({ error: 'expected a host name or IP address' })
      .min(1, { error: 'expected a host name or IP address' })
      .describe('Host name or IP address the INVITE is sent to (the SBC in front of the softswitch).'),
    port: intInRange(1, 65535).default(5060).describe('SIP port. Default 5060 (use 5061 for TLS).'),
    transport: z
      .enum(['udp', 'tcp', 'tls'], { error: 'expected one of udp, tcp, tls' })
      .default('udp')
      .describe('Transport for the test call: udp, tcp or tls.'),
    to: callParty.describe(
      'The test number at the site: an E.164 number or user part (sent as sip:<to>@<host>:<port>) or a full sip: URI.',
    ),
    from: callParty
      .default('carrier-failover')
      .describe(
        "The caller: an E.164 number, user part or sip: URI. Default carrier-failover (at the probe's address).",
      ),
    secretName: z
      .string({ error: 'expected the name of a Secrets Manager secret' })
      .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'expected the name of a Secrets Manager secret' })
      .optional()
      .describe(
        'Optional Secrets Manager secret (in every watchdog region) with digest credentials as JSON {"username", "password"}, answered on 401/407.',
      ),
    expect: z
      .array(expectedCallCode)
      .min(1, { error: 'expected at least one SIP status code' })
      .default([200])
      .describe(
        'Answers that mean the call went through: 200 (answered; ACK and BYE follow), 180/183 (ringing; CANCEL follows) or a fixed final code such as 486 from a test number that always answers busy.',
      ),
    answerWithinMs: intInRange(500, 30000)
      .default(5000)
      .describe('How long after the INVITE an expected answer may take; later or none fails the call.'),
    intervalSeconds: intInRange(5, MAX_CALL_INTERVAL_SECONDS)
      .optional()
      .describe(
        'Seconds between test calls from one region: a multiple of detection.probeIntervalSeconds. Default: every probe round.',
      ),
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
    calls: z
      .array(testCallSchema)
      .max(5, { error: 'expected at most 5 test calls' })
      .default([])
      .describe(
        'Test calls placed through the site (SIP INVITE to a test number); the round fails when every one fails.',
      ),
    failover: siteFailoverSchema.optional(),
  })
  .strict();
