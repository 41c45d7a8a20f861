/**
 * The fake Twilio's ListIncomingPhoneNumber, paged by cursor as Twilio pages it. The account's
 * numbers come in the order they were added, filtered by `PhoneNumber` ("partial numbers", `*` for
 * any digit) and `FriendlyName`, `PageSize` a page (default 50; the validator holds the spec's
 * maximum of 1,000). `next_page_uri` and `previous_page_uri` carry `Page` ("simply for client
 * state") and a `PageToken` ("provided by the API") naming the last (PA) or first (PB) record of the
 * page they follow. A PageToken the fake did not issue, or a `Page` past 0 without one, is refused:
 * Twilio's error 21481 asks clients to request "the provided paging urls".
 */
import type { TwilioFakeNumberState, TwilioFakeState } from './twilio-fake-state';

/** Twilio's error code for a PageToken it did not issue (https://www.twilio.com/docs/api/errors/21481). */
export const INVALID_PAGE_TOKEN = 21481;

const PAGE_TOKEN = /^P[AB](PN[0-9a-fA-F]{32})$/;
const FILTERS = ['Beta', 'FriendlyName', 'PhoneNumber', 'Origin'] as const;

/** Why the paging parameters of a ListIncomingPhoneNumber request are not ones the fake issued. */
export function numberListProblems(
  operation: string,
  query: Record<string, string>,
  state: TwilioFakeState,
): string[] {
  if (operation !== 'ListIncomingPhoneNumber') {
    return [];
  }
  const token = query.PageToken;
  if (token === undefined) {
    return Number(query.Page ?? 0) > 0
      ? [`Page ${query.Page} without a PageToken: follow next_page_uri (error ${INVALID_PAGE_TOKEN})`]
      : [];
  }
  const sid = PAGE_TOKEN.exec(token)?.[1];
  return sid && state.numberBySid(sid)
    ? []
    : [`PageToken ${token} was not issued by this API (error ${INVALID_PAGE_TOKEN})`];
}

/**
 * The page of the account's numbers `query` asks for, in the shape of the spec's
 * ListIncomingPhoneNumberResponse. `listPath` is the list's path (`/2010-04-01/Accounts/AC.../
 * IncomingPhoneNumbers.json`), the base of the page URIs, which the spec gives relative to the host.
 */
export function incomingNumbersPage(
  state: TwilioFakeState,
  query: Record<string, string>,
  listPath: string,
  view: (state: TwilioFakeNumberState) => Record<string, unknown>,
): Record<string, unknown> {
  const size = Number(query.PageSize ?? 50);
  const page = Number(query.Page ?? 0);
  const listed = [...state.numbers.values()].filter(matching(query));
  const from = firstIndex(listed, query.PageToken, size);
  const items = listed.slice(from, from + size);
  const uriOf = (at: number, token?: string) => {
    const params = new URLSearchParams();
    for (const filter of FILTERS) {
      if (query[filter] !== undefined) params.set(filter, query[filter]);
    }
    params.set('PageSize', String(size));
    params.set('Page', String(at));
    if (token) params.set('PageToken', token);
    return `${listPath}?${params}`;
  };
  const last = items.at(-1);
  return {
    incoming_phone_numbers: items.map(view),
    page,
    page_size: size,
    start: from,
    end: from + Math.max(0, items.length - 1),
    first_page_uri: uriOf(0),
    next_page_uri: last && from + size < listed.length ? uriOf(page + 1, `PA${last.sid}`) : null,
    previous_page_uri:
      from > 0 && items.length > 0 ? uriOf(Math.max(0, page - 1), `PB${items[0].sid}`) : null,
    uri: uriOf(page, query.PageToken),
  };
}

function firstIndex(
  listed: readonly TwilioFakeNumberState[],
  token: string | undefined,
  size: number,
): number {
  const sid = token === undefined ? undefined : PAGE_TOKEN.exec(token)?.[1];
  const at = sid === undefined ? -1 : listed.findIndex((number) => number.sid === sid);
  if (at < 0) {
    return 0;
  }
  return token!.startsWith('PA') ? at + 1 : Math.max(0, at - size);
}

function matching(query: Record<string, string>): (number: TwilioFakeNumberState) => boolean {
  const digits = query.PhoneNumber;
  const pattern =
    digits === undefined
      ? undefined
      : new RegExp(digits.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[0-9]'));
  // The fake's friendly name is the number itself (see TwilioFake's number view).
  return (number) =>
    (pattern === undefined || pattern.test(number.phone_number)) &&
    (query.FriendlyName === undefined || query.FriendlyName === number.phone_number);
}
