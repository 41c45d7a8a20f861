import * as z from 'zod';
import { AWS_REGION_PATTERN, E164_PATTERN, SIP_URI_PATTERN } from './config-constants';

/**
 * The config's field types that several areas share (numbers in a range, phone numbers, regions,
 * URLs). Messages say what is expected; the loader adds the file, the field path and what was found.
 */

/** An integer in [min, max] whose message states the range, e.g. "expected an integer 1-65535". */
export function intInRange(min: number, max: number) {
  const error = `expected an integer ${min}-${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** A phone number in E.164 form. */
export const e164 = z
  .string({ error: 'expected an E.164 number such as +14155550100' })
  .regex(E164_PATTERN, { error: 'expected an E.164 number such as +14155550100' });

/** Where calls may be forwarded: an E.164 number or a SIP URI (the plan's `forwardTo` rule). */
export const forwardDestination = z
  .string({ error: 'expected an E.164 number or a sip: URI such as sip:backup@sbc2.example.net' })
  .regex(new RegExp(`${E164_PATTERN.source}|${SIP_URI_PATTERN.source}`), {
    error: 'expected an E.164 number or a sip: URI such as sip:backup@sbc2.example.net',
  });

/** An AWS region name such as us-east-1. */
export const awsRegion = z
  .string({ error: 'expected an AWS region such as us-east-1' })
  .regex(AWS_REGION_PATTERN, { error: 'expected an AWS region such as us-east-1' });

/** An https:// URL. */
export const httpsUrl = z
  .string({ error: 'expected an https:// URL' })
  .refine((value) => isUrlWithProtocol(value, ['https:']), { error: 'expected an https:// URL' });

/** An http:// or https:// URL. */
export const httpUrl = z
  .string({ error: 'expected an http:// or https:// URL' })
  .refine((value) => isUrlWithProtocol(value, ['http:', 'https:']), {
    error: 'expected an http:// or https:// URL',
  });

function isUrlWithProtocol(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
