import * as z from 'zod';
import { DEFAULT_BASE_URLS } from './config-constants';
import { e164, forwardDestination, httpsUrl, httpUrl, intInRange } from './field-schemas';

/** The fields every carrier has: its secret, its limits and an optional canary. */
const carrierCommon = {
  secretName: z
    .string({ error: 'expected the name of a Secrets Manager secret' })
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'expected the name of a Secrets Manager secret' })
    .describe(
      "Name of the Secrets Manager secret (in every watchdog region) holding this carrier's credentials as JSON.",
    ),
  rateLimitPerSecond: z
    .number({ error: 'expected a positive number' })
    .positive({ error: 'expected a positive number' })
    .max(1000, { error: 'expected at most 1000' })
    .optional()
    .describe("Requests per second we send to this carrier. Defaults to the carrier's documented limit."),
  maxConcurrency: intInRange(1, 200).default(10).describe('Requests in flight at once to this carrier.'),
  canary: z
    .object({
      number: e164.describe(
        'A number the provider owns for testing, on this carrier, that is not in the forwarding plan (E.164).',
      ),
      forwardTo: forwardDestination.describe(
        'Where the practice run forwards the canary (E.164 or sip: URI, as the plan allows for this carrier).',
      ),
    })
    .strict()
    .optional()
    .describe(
      'Optional canary number: the weekly practice run forwards it, checks the carrier took it, and restores it.',
    ),
};

/** The upstream carriers, keyed by name; each is optional, the cross-field rules ask for one. */
export const carriersSchema = z
  .object({
    telnyx: z
      .object({
        ...carrierCommon,
        baseUrl: httpUrl.default(DEFAULT_BASE_URLS.telnyx).describe('Telnyx API v2 base URL.'),
        // 20: Telnyx's pending-jobs limit, shown only as CreateUpdatePhoneNumbersJob's 422 example.
        bulkJobsInFlight: intInRange(1, 20)
          .default(20)
          .describe(
            'Bulk update jobs failover keeps pending at once. Telnyx allows an account 20 pending or in-progress jobs in all; lower this when other tools run jobs on the same account.',
          ),
        lostJobs: z
          .enum(['search', 'read-back'], { error: 'expected search or read-back' })
          .default('search')
          .describe(
            'An update job create whose answer was lost (no answer, a 5xx, a body we cannot read). search: look among the 50 newest update jobs (ListPhoneNumbersJobs) for one naming exactly its numbers, created since it was sent (60 s of clock skew allowed), and poll it, or create it again when none is (Telnyx does not say how soon a new job is listed: one not yet listed is created twice, which sets the same values). read-back: give the numbers to the per-number path, which reads each back before writing it again.',
          ),
      })
      .strict()
      .optional()
      .describe('Telnyx API v2: per-number call forwarding and bulk update jobs.'),
    twilio: z
      .object({
        ...carrierCommon,
        baseUrl: httpUrl.default(DEFAULT_BASE_URLS.twilio).describe('Twilio REST API base URL.'),
        trunkingBaseUrl: httpUrl
          .default('https://trunking.twilio.com/v1')
          .describe('Twilio Elastic SIP Trunking API base URL.'),
        dialTwimlUrl: httpsUrl
          .optional()
          .describe(
            "A URL you host (e.g. a TwiML Bin) answering <Response><Dial>{{Destination}}</Dial></Response>; per-number forwards to a phone number call it with ?Destination=. Default: Twilio's Echo Twimlet, a Labs service with no support statement.",
          ),
        dialSipTwimlUrl: httpsUrl
          .optional()
          .describe(
            "The same for sip: destinations and the trunk's DisasterRecoveryUrl, answering <Response><Dial><Sip>{{Destination}}</Sip></Dial></Response> (Dial takes a SIP URI only inside Sip). Default: the Echo Twimlet.",
          ),
      })
      .strict()
      .optional()
      .describe('Twilio: IncomingPhoneNumbers updates and Elastic SIP Trunking (sites[].failover.twilio).'),
    bandwidth: z
      .object({
        ...carrierCommon,
        baseUrl: httpUrl.default(DEFAULT_BASE_URLS.bandwidth).describe('Bandwidth Dashboard API base URL.'),
        // Bandwidth documents no maximum for a TN option order; 5,000 is its limit for other TN lists.
        bulkOrderNumbers: intInRange(1, 5000)
          .default(5000)
          .describe(
            'Most numbers one TN option order carries; larger bulks are split. Bandwidth documents no maximum (5,000 is its limit for other TN-list calls).',
          ),
        bulkOrdersInFlight: intInRange(1, 50)
          .default(5)
          .describe('TN option orders failover keeps in flight at once. Bandwidth documents no limit.'),
        numberRoutePlans: z
          .enum(['possible', 'none'], { error: 'expected possible or none' })
          .default('possible')
          .describe(
            'possible: a TN may have an origination route plan of its own, which the SIP peer TN lists do not show, so each TN without a CallForward is looked up on its own (RetrieveTnDetails, one request) for the routing baseline, unless the route audit of the same run already looked it up (and read in full at an outage when its baseline no longer holds). none: you state that no TN on the account has one, so the lists suffice and no TN is looked up; a TN that does have one then fails in a bulk order (a single forward still finds its plan).',
          ),
        lostOrders: z
          .enum(['search', 'read-back'], { error: 'expected search or read-back' })
          .default('search')
          .describe(
            'A TN option order create whose answer was lost (no answer, a 5xx, a body we cannot read). search: look for it by its CustomerOrderId (GetTnOptionOrders) and poll the order found, or create it again when none is (the spec documents no answer for a search that finds nothing: a 200 without an order and a 404 read as none). read-back: give the numbers to the per-number path, which reads each back before writing it again (one to two requests a number).',
          ),
      })
      .strict()
      .optional()
      .describe('Bandwidth Dashboard API (XML): TN option orders with CallForward.'),
    webhook: z
      .object({
        ...carrierCommon,
        baseUrl: httpsUrl.describe('HTTPS endpoint the provider runs; receives signed JSON POSTs.'),
      })
      .strict()
      .optional()
      .describe('Generic signed webhook for carriers with no adapter yet.'),
  })
  .strict();
