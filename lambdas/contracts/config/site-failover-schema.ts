import * as z from 'zod';
import { CARRIER_FAILOVER_MODES, type CarrierName, SIP_URI_PATTERN } from './config-constants';
import { intInRange } from './field-schemas';

const sipUri = z
  .string({ error: 'expected a sip: URI such as sip:sbc1.dal.example.net:5060' })
  .regex(SIP_URI_PATTERN, { error: 'expected a sip: URI such as sip:sbc1.dal.example.net:5060' });

const routeId = z
  .string({ error: 'expected the carrier id as a string (quote numeric ids)' })
  .min(1, { error: 'expected the carrier id as a string (quote numeric ids)' });

/** The `mode` field of one carrier, limited to what its API offers. */
function modeOf(carrier: CarrierName) {
  const modes = CARRIER_FAILOVER_MODES[carrier];
  return z
    .enum(modes as unknown as [string, ...string[]], { error: `expected one of ${modes.join(', ')}` })
    .describe(
      `How this site's ${carrier} numbers move to the backup, fastest first: ${modes.join(', ')}. Numbers the mode cannot cover use the slower ones.`,
    );
}

/**
 * Seconds the carrier's own failover waits for a silent target before trying the next. Telnyx
 * documents it as the connection's `inbound.timeout_1xx_secs` (default 3), which `arm` sets when this
 * is given; Twilio and Bandwidth do not document it, so it only sets the bound the drill and the
 * bench measure against (default there: RFC 3261 Timer B, 32 s).
 */
const nativeFailoverSeconds = intInRange(1, 120)
  .optional()
  .describe(
    "Seconds the carrier's own failover waits for a silent target before the next. Telnyx: arm sets the connection's timeout_1xx_secs to it (Telnyx's default 3 s when unset). Twilio, Bandwidth: undocumented; used for the measured bound only (default 32 s, RFC 3261 Timer B).",
  );

/** How one site's numbers fail over at each carrier (`sites[].failover`). */
export const siteFailoverSchema = z
  .object({
    backupSipUri: sipUri
      .optional()
      .describe(
        "Where the carriers' own failover and the route switch send this site's calls: the backup site's SIP URI. Required when a carrier is native or switch.",
      ),
    primarySipUri: sipUri
      .optional()
      .describe(
        "This site's own SIP URI at the carriers. Defaults to sip:<host>:<port> of the site's first sip endpoint.",
      ),
    telnyx: z
      .object({
        mode: modeOf('telnyx'),
        connectionId: routeId
          .optional()
          .describe('The Telnyx SIP connection id the numbers arrive on (native and switch).'),
        backupConnectionId: routeId
          .optional()
          .describe(
            'The Telnyx SIP connection id that reaches the backup site (switch moves numbers to it).',
          ),
        nativeFailoverSeconds,
      })
      .strict()
      .optional()
      .describe(
        'native: the connection tries its targets in sequence; switch: numbers move to backupConnectionId in jobs of 1,000.',
      ),
    twilio: z
      .object({
        mode: modeOf('twilio'),
        trunkSid: z
          .string()
          .regex(/^TK[0-9a-fA-F]{32}$/, {
            error: 'expected a Twilio trunk SID (TK followed by 32 hex digits)',
          })
          .optional()
          .describe("The Elastic SIP trunk the site's numbers are on (native and switch)."),
        nativeFailoverSeconds,
      })
      .strict()
      .optional()
      .describe(
        'native: trunk origination URLs in priority order plus DisasterRecoveryUrl; switch: the primary origination URLs out of rotation.',
      ),
    bandwidth: z
      .object({
        mode: modeOf('bandwidth'),
        bandwidthSiteId: routeId.optional().describe('The Bandwidth site (sub-account) id of the SIP peer.'),
        sipPeerId: routeId.optional().describe("The Bandwidth SIP peer (location) the site's TNs are on."),
        backupSipPeerId: routeId
          .optional()
          .describe('Optional SIP peer that reaches the backup: switch moves the TNs to it (5,000 a call).'),
        nativeFailoverSeconds,
      })
      .strict()
      .optional()
      .describe(
        "native: the SIP peer's origination route plan fails over by priority; switch: one SIP peer update.",
      ),
    webhook: z
      .object({ mode: modeOf('webhook') })
      .strict()
      .optional()
      .describe('The webhook forwards one number a request.'),
  })
  .strict()
  .describe(
    "How this site's numbers fail over at each carrier. A carrier left out keeps its default: bulk for telnyx and bandwidth, per-number for twilio and webhook.",
  );
