import * as z from 'zod/mini';
import '../zod-english-messages';
import { FAILURE_KINDS } from '../config/config-constants';

const actorSchema = z.strictObject({
  type: z.enum(['probe', 'operator', 'schedule', 'system']),
  region: z.string().check(z.minLength(1)),
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

/**
 * The orchestrator's event: a request to fail a site over. Sent by a probe that tripped
 * (InvocationType Event), by the operator CLI, or by the orchestrator itself to continue a run.
 */
export const failoverEventSchema = z.strictObject({
  action: z.literal('failover'),
  siteId: z.string().check(z.minLength(1), z.maxLength(40)),
  /** Epoch ms of the outage's first failed probe; with siteId it names the outage. */
  outageStartedAt: z.number().check(z.int(), z.positive()),
  /** Epoch ms when quorum was reached or the operator asked. */
  detectedAt: z.number().check(z.int(), z.positive()),
  regions: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  trigger: actorSchema,
  failureKind: z.enum(FAILURE_KINDS),
  reason: z.string().check(z.minLength(1), z.maxLength(500)),
  continuation: z.optional(
    z.strictObject({
      incidentId: z.string().check(z.minLength(1)),
      leaseOwner: z.string().check(z.minLength(1)),
    }),
  ),
});

export type FailoverEvent = z.infer<typeof failoverEventSchema>;
