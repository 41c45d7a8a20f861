/**
 * How our forwarding requests and routing snapshots map onto a Telnyx number's voice settings
 * (`call_forwarding` and `connection_id`), in Telnyx's own field names.
 */
import type { ForwardMode } from '../../contracts/config/plan-entry';
import { CarrierError } from '../../contracts/errors';
import type { ForwardRequest, RoutingSnapshot } from '../../ports/carriers';

const E164 = /^\+[1-9]\d{1,14}$/;

/** The carrier-specific part of a Telnyx RoutingSnapshot, in Telnyx's own field names. */
export interface TelnyxRoutingSettings {
  /** Telnyx phone number id. */
  id: string;
  connection_id: string | null;
  call_forwarding: TelnyxCallForwarding;
}

/** Telnyx `CallForwarding` as read; null where Telnyx had no value. */
export interface TelnyxCallForwarding {
  call_forwarding_enabled?: boolean | null;
  forwards_to?: string | null;
  forwarding_type?: string | null;
}

/**
 * A number's voice settings as GetPhoneNumberVoiceSettings and ListPhoneNumbersWithVoiceSettings
 * return them (both: PhoneNumberWithVoiceSettings in Telnyx's spec); only the fields we read.
 */
export interface TelnyxVoiceRecord {
  id?: string;
  phone_number?: string;
  connection_id?: unknown;
  call_forwarding?: TelnyxCallForwarding;
}

/**
 * The snapshot of a number's voice settings, `call_forwarding` kept as Telnyx returned it. The one
 * shape for readRouting and the list pages alike, so `restore` takes either.
 */
export function routingSnapshotOf(number: string, id: string, data: TelnyxVoiceRecord): RoutingSnapshot {
  const callForwarding = { ...(data.call_forwarding ?? {}) };
  const forwardsTo =
    callForwarding.call_forwarding_enabled !== false && callForwarding.forwards_to
      ? callForwarding.forwards_to
      : null;
  const settings: TelnyxRoutingSettings = {
    id,
    connection_id: typeof data.connection_id === 'string' ? data.connection_id : null,
    call_forwarding: callForwarding,
  };
  return {
    carrier: 'telnyx',
    number,
    settings: { ...settings },
    forwardsTo,
    mode: forwardsTo ? readMode(callForwarding.forwarding_type) : null,
  };
}

/**
 * True when two read `call_forwarding`s route calls alike: Telnyx's defaults filled in (enabled
 * unless false), a blank target the same as none, and the old `on_failure` spelling the same mode.
 */
export function sameCallForwarding(
  one: TelnyxCallForwarding | undefined,
  other: TelnyxCallForwarding | undefined,
): boolean {
  const plain = (forwarding: TelnyxCallForwarding | undefined) => ({
    enabled: forwarding?.call_forwarding_enabled !== false,
    to: forwarding?.forwards_to || null,
    type: forwarding?.forwarding_type ? readMode(forwarding.forwarding_type) : null,
  });
  const [a, b] = [plain(one), plain(other)];
  return a.enabled === b.enabled && a.to === b.to && a.type === b.type;
}

/** Throws the CarrierError Telnyx's forward would raise before any request (a non-E.164 destination). */
export function assertForwardable(request: ForwardRequest): void {
  if (!E164.test(request.destination)) {
    throw new CarrierError(
      'telnyx',
      `forward for ${request.number}: Telnyx call forwarding takes an E.164 number, not "${request.destination}"; use an E.164 destination, or a backup SIP connection (backupConnectionId) for SIP targets`,
      { retryable: false },
    );
  }
}

/** The voice-settings body that forwards a number to `destination` in `mode`. */
export function forwardingSettings(destination: string, mode: ForwardMode): Record<string, unknown> {
  return {
    call_forwarding: { call_forwarding_enabled: true, forwards_to: destination, forwarding_type: mode },
  };
}

/**
 * The voice-settings body that writes a read `call_forwarding` back as it was. Telnyx treats null
 * as "leave unchanged", so a number that had no forwarding target gets a blank `forwards_to`
 * ("calls are not forwarded if left blank").
 */
export function writableCallForwarding(callForwarding: TelnyxCallForwarding): Record<string, unknown> {
  const written: Record<string, unknown> = { forwards_to: callForwarding.forwards_to ?? '' };
  if (typeof callForwarding.call_forwarding_enabled === 'boolean') {
    written.call_forwarding_enabled = callForwarding.call_forwarding_enabled;
  }
  if (typeof callForwarding.forwarding_type === 'string') {
    written.forwarding_type = callForwarding.forwarding_type;
  }
  return { call_forwarding: written };
}

/** The forward mode a read `forwarding_type` stands for; older Telnyx docs and SDKs spell it on_failure. */
export function readMode(type: string | null | undefined): ForwardMode {
  return type === 'on-failure' || type === 'on_failure' ? 'on-failure' : 'always';
}
