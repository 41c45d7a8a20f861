import * as z from 'zod';
import { FAILURE_KINDS } from '../config/schema';

const actorSchema = z
  .object({
    type: z.enum(['probe', 'operator', 'schedule', 'system']),
    region: z.string().min(1),
    name: z.string().min(1).max(200).optional(),
  })
  .strict();

/**
 * The orchestrator's event: a request to fail a site over. Sent by a probe that tripped
 * (InvocationType Event), by the operator CLI, or by the orchestrator itself to continue a run.
 */
export const failoverEventSchema = z
  .object({
    action: z.literal('failover'),
    siteId: z.string().min(1).max(40),
    /** Epoch ms of the outage's first failed probe; with siteId it names the outage. */
    outageStartedAt: z.number().int().positive(),
    /** Epoch ms when quorum was reached or the operator asked. */
    detectedAt: z.number().int().positive(),
    regions: z.array(z.string().min(1)).min(1),
    trigger: actorSchema,
    failureKind: z.enum(FAILURE_KINDS),
    reason: z.string().min(1).max(500),
    continuation: z
      .object({ incidentId: z.string().min(1), leaseOwner: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();

export type FailoverEvent = z.infer<typeof failoverEventSchema>;
