import * as z from 'zod';
import { e164, httpsUrl } from './field-schemas';

/** What the on-call engineer does for one kind of failure; sent with every alert of that kind. */
export const runbookSchema = z
  .object({
    title: z.string().min(1, { error: 'expected a title' }).describe('One line naming the failure.'),
    steps: z
      .array(z.string().min(1))
      .min(1, { error: 'expected at least one step' })
      .describe('What the on-call engineer does, in order; sent with every alert of this kind.'),
    contacts: z.array(z.string().min(1)).default([]).describe('Who to call: names with phone numbers.'),
  })
  .strict();

/** Who is told: the subscriptions of the alert topic in every watchdog region. */
export const alertsSchema = z
  .object({
    emails: z
      .array(z.email({ error: 'expected an email address' }))
      .default([])
      .describe("Email addresses subscribed to every region's alert topic (each confirms once)."),
    sms: z.array(e164).default([]).describe('Phone numbers (E.164) that receive alerts by SMS.'),
    https: z
      .array(httpsUrl)
      .default([])
      .describe('HTTPS endpoints (e.g. a paging service) subscribed to the alert topics.'),
  })
  .strict();
