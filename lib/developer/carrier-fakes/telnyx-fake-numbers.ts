/**
 * The fake Telnyx's number listings (ListPhoneNumbers, ListPhoneNumbersWithVoiceSettings): the
 * account's numbers filtered as asked, a page at a time, with the spec's `meta` (the totals the
 * adapters count with).
 */
import type { FakeResponse } from './fake-carrier-server';
import {
  listPage,
  matchesDigits,
  type TelnyxFakeAccount,
  type TelnyxFakeNumberState,
  voiceView,
} from './telnyx-fake-state';

/** ListPhoneNumbers, filtered by digits and connection id, 20 a page unless asked. */
export function listNumbers(account: TelnyxFakeAccount, query: Record<string, string>): FakeResponse {
  const connection = query['filter[connection_id]'];
  const matches = [...account.numbers.values()].filter(
    (state) =>
      matchesDigits(state, query['filter[phone_number]']) &&
      (connection === undefined || state.connection_id === connection),
  );
  const view = (state: TelnyxFakeNumberState) => ({
    id: state.id,
    record_type: 'phone_number',
    phone_number: state.phone_number,
    status: 'active',
    connection_id: state.connection_id,
    connection_name: account.connections.get(state.connection_id)?.connection_name ?? null,
    call_forwarding_enabled: state.call_forwarding.call_forwarding_enabled,
  });
  return listPage(matches, query, view, 20);
}

/** ListPhoneNumbersWithVoiceSettings, filtered by digits and connection name (contains). */
export function listVoiceSettings(account: TelnyxFakeAccount, query: Record<string, string>): FakeResponse {
  const contains = query['filter[connection_name][contains]']?.toLowerCase();
  const matches = [...account.numbers.values()].filter(
    (state) =>
      matchesDigits(state, query['filter[phone_number]']) &&
      (contains === undefined ||
        (account.connections.get(state.connection_id)?.connection_name.toLowerCase().includes(contains) ??
          false)),
  );
  return listPage(matches, query, voiceView, 20);
}
