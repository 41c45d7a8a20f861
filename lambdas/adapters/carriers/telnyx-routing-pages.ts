/**
 * Reads many Telnyx numbers' routing in pages of ListPhoneNumbersWithVoiceSettings
 * (`GET /phone_numbers/voice`, `page[size]` at most 250): a request a page instead of a lookup and
 * a GetPhoneNumberVoiceSettings each. The spec gives both operations the same item schema
 * (PhoneNumberWithVoiceSettings: `id`, `phone_number`, `connection_id`, `call_forwarding`), so a
 * page shows everything readRouting reads and its readings are complete snapshots.
 *
 * The page numbers come from `meta.total_pages`: once the account's size is known, every page is
 * handed to `call` at once. The ids the pages show are learned into the adapter's cache, so later
 * forwards and restores look nothing up.
 */
import type { CarrierCall, PageReading, RoutingPages, RoutingSnapshot } from '../../ports/carriers';
import { TELNYX_PAGE_SIZE, type TelnyxPage, telnyxPage } from './telnyx-route-api';
import type { TelnyxJobContext } from './telnyx-update-job';
import {
  routingSnapshotOf,
  sameCallForwarding,
  type TelnyxRoutingSettings,
  type TelnyxVoiceRecord,
} from './telnyx-voice-settings';

/**
 * Fewest one-by-one requests for which an account of unknown size is listed. Its first page is
 * spent before the size is known; below this it could cost more than it saves.
 */
export const MIN_REQUESTS_TO_PAGE = 20;

const LIST = {
  operation: 'ListPhoneNumbersWithVoiceSettings',
  path: '/phone_numbers/voice',
} as const;

/** Telnyx's RoutingPages: the account's voice settings, 250 numbers a page. */
export class TelnyxRoutingPages implements RoutingPages {
  readonly pageSize = TELNYX_PAGE_SIZE;
  /** Pages the account had at the last read; lets the next read decide, and fetch, without waiting for page 1. */
  private knownPages: number | undefined;

  /**
   * @param context how to reach Telnyx (the adapter's job context)
   * @param ids the adapter's phone number id cache, read to price lookups and filled from the pages
   */
  constructor(
    private readonly context: TelnyxJobContext,
    private readonly ids: Map<string, string>,
  ) {}

  async read(
    numbers: readonly string[],
    call: CarrierCall,
    onPage: (readings: PageReading[]) => void,
  ): Promise<{ unseen: string[] }> {
    const wanted = new Set(numbers);
    const seen = new Set<string>();
    const unseen = () => [...wanted].filter((number) => !seen.has(number));
    const take = (page: TelnyxPage<TelnyxVoiceRecord>) => {
      if (page.totalPages > 0) this.knownPages = page.totalPages;
      const readings = this.readingsOf(page.data, wanted, seen);
      if (readings.length > 0) onPage(readings);
    };
    const known = this.knownPages;
    if (known !== undefined) {
      if (known >= this.oneByOneCost(wanted)) return { unseen: unseen() };
      const { totalPages } = await this.readPages(range(1, known), call, take);
      // The account grew since: read the pages it gained too.
      await this.readPages(range(known + 1, totalPages), call, take, false);
      return { unseen: unseen() };
    }
    if (this.oneByOneCost(wanted) < MIN_REQUESTS_TO_PAGE) {
      return { unseen: unseen() };
    }
    // Page 1 failing means nothing was read: its error says why (readPages rethrows it).
    const { totalPages } = await this.readPages([1], call, take);
    const rest = range(2, totalPages);
    if (rest.length > 0 && rest.length < this.oneByOneCost(unseen())) {
      await this.readPages(rest, call, take, false);
    }
    return { unseen: unseen() };
  }

  /** True when `reading` shows the same connection and call forwarding as `baseline`. */
  confirms(reading: RoutingSnapshot, baseline: RoutingSnapshot): boolean {
    if (reading.carrier !== 'telnyx' || baseline.carrier !== 'telnyx' || reading.number !== baseline.number) {
      return false;
    }
    const now = reading.settings as Partial<TelnyxRoutingSettings>;
    const then = baseline.settings as Partial<TelnyxRoutingSettings>;
    return (
      (now.connection_id ?? null) === (then.connection_id ?? null) &&
      sameCallForwarding(now.call_forwarding, then.call_forwarding)
    );
  }

  /**
   * Reads `pages` at once, each through `call`, handing each to `take` as it arrives. A page whose
   * `call` rejects is given up (its numbers stay unseen); when every page failed and `rethrow`, the
   * first error is thrown. Resolves with the most pages any page's `meta` reported.
   */
  private async readPages(
    pages: number[],
    call: CarrierCall,
    take: (page: TelnyxPage<TelnyxVoiceRecord>) => void,
    rethrow = true,
  ): Promise<{ totalPages: number }> {
    let totalPages = 0;
    let read = 0;
    const errors: unknown[] = [];
    await Promise.all(
      pages.map(async (page) => {
        let answer: TelnyxPage<TelnyxVoiceRecord>;
        try {
          answer = await call(() => telnyxPage<TelnyxVoiceRecord>(this.context, subjectOf(page), page));
        } catch (error) {
          errors.push(error);
          return;
        }
        read += 1;
        totalPages = Math.max(totalPages, answer.totalPages);
        // Outside the try: an error of the caller's onPage is not a failed page.
        take(answer);
      }),
    );
    if (read === 0 && rethrow && errors.length > 0) throw errors[0];
    return { totalPages };
  }

  /** The page's readings of numbers asked for and not handed out yet; learns every id it shows. */
  private readingsOf(records: TelnyxVoiceRecord[], wanted: Set<string>, seen: Set<string>): PageReading[] {
    const readings: PageReading[] = [];
    for (const record of records) {
      const number = record.phone_number;
      if (typeof number !== 'string' || typeof record.id !== 'string') continue;
      this.ids.set(number, record.id);
      // A record without call_forwarding is not what readRouting would read: leave it unseen.
      if (!wanted.has(number) || seen.has(number) || typeof record.call_forwarding !== 'object') continue;
      seen.add(number);
      readings.push({ snapshot: routingSnapshotOf(number, record.id, record), complete: true });
    }
    return readings;
  }

  /** Requests reading `numbers` one by one would take: a read each, plus a lookup for an unknown id. */
  private oneByOneCost(numbers: Iterable<string>): number {
    let cost = 0;
    for (const number of numbers) cost += this.ids.has(number) ? 1 : 2;
    return cost;
  }
}

function subjectOf(page: number) {
  return { ...LIST, subject: `page ${page} of the account's voice settings` };
}

/** `from` to `to`, both included (empty when `to` < `from`). */
function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}
