/**
 * What the TelnyxCarrier tests share (telnyx.test.ts, telnyx-forwarding.test.ts,
 * telnyx-bulk.test.ts): three numbers with different forwarding on a started fake, and an
 * adapter pointed at it that never really sleeps.
 */
import { TelnyxCarrier, type TelnyxCarrierOptions } from '../../../lambdas/adapters/carriers/telnyx';
import { TelnyxFake, type TelnyxFakeOptions } from '../../../lib/developer/carrier-fakes/telnyx-fake';

/** Not forwarded. */
export const A = '+14155550100';
/** Forwarding on-failure to VOICEMAIL. */
export const B = '+14155550101';
/** A disabled forward to VOICEMAIL. */
export const C = '+14155550102';
/** Where the failover forwards to. */
export const BACKUP = '+13035559123';
/** The customer's own forwarding target. */
export const VOICEMAIL = '+13035550000';

/** A started fake with A, B and C on it (connection 1111111111). */
export async function startTelnyxFake(options: TelnyxFakeOptions = {}): Promise<TelnyxFake> {
  const fake = await new TelnyxFake(options).start();
  fake.seedNumbers([
    { phoneNumber: A },
    { phoneNumber: B, callForwarding: { forwards_to: VOICEMAIL, forwarding_type: 'on-failure' } },
    { phoneNumber: C, callForwarding: { call_forwarding_enabled: false, forwards_to: VOICEMAIL } },
  ]);
  return fake;
}

/** An adapter of the fake that polls every 10 ms and does not wait. */
export function telnyxCarrier(fake: TelnyxFake, options: Partial<TelnyxCarrierOptions> = {}): TelnyxCarrier {
  return new TelnyxCarrier({
    apiKey: fake.apiKey,
    baseUrl: fake.baseUrl,
    pollIntervalMs: 10,
    sleep: async () => {},
    ...options,
  });
}
