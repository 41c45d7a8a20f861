/**
 * Reading many Twilio numbers' routing from the account's number list (ListIncomingPhoneNumber,
 * PageSize up to 1,000: the spec's `maximum`) instead of a lookup and a fetch each. Each list item
 * is the whole IncomingPhoneNumber, so every reading is complete: the same snapshot readRouting
 * gives, and the SID it carries is cached so later writes skip the lookup.
 *
 * Pages come one after another: Twilio pages by cursor (`next_page_uri` with a `PageToken` "provided
 * by the API"; `Page` "is simply for client state"), and its list has no total, so how many pages
 * an account has is known only once its last page was read.
 */
import type { CarrierCall, PageReading, RoutingPages, RoutingSnapshot } from '../../ports/carriers';
import { TWILIO_MAX_PAGE_SIZE, type TwilioApi, type TwilioRecord } from './twilio-api';
import type { TwilioDialTwiml } from './twilio-dial-twiml';
import {
  routingRecordOf,
  type TwilioRoutingSettings,
  twilioRoutingSnapshot,
} from './twilio-routing-snapshot';

/** Requests readRouting costs a number whose SID is known (a fetch), and one whose SID is not (a lookup too). */
const READ_KNOWN_SID = 1;
const READ_UNKNOWN_SID = 2;

const SETTINGS_FIELDS: readonly (keyof TwilioRoutingSettings)[] = [
  'sid',
  'voice_url',
  'voice_method',
  'voice_fallback_url',
  'voice_fallback_method',
  'trunk_sid',
  'voice_application_sid',
];

/** Twilio's RoutingPages; shares the adapter's cache of known numbers (`known`, by E.164). */
export class TwilioRoutingPages implements RoutingPages {
  readonly pageSize = TWILIO_MAX_PAGE_SIZE;
  /** Numbers the account had when a listing last reached its last page; unknown before. */
  private accountSize: number | undefined;

  constructor(
    private readonly api: TwilioApi,
    private readonly dial: TwilioDialTwiml,
    private readonly known: Map<string, TwilioRecord>,
  ) {}

  /**
   * Lists the account page by page while that costs no more requests than reading the numbers
   * still unseen one by one, and stops once every number was seen. Until the account's size is known,
   * listing goes on while the pages spent stay below what the unseen numbers would cost: never
   * more than twice the cheaper way. A failed first page rejects (nothing was read); a later one
   * ends the listing, and the numbers not seen by then are unseen.
   */
  async read(
    numbers: readonly string[],
    call: CarrierCall,
    onPage: (readings: PageReading[]) => void,
  ): Promise<{ unseen: string[] }> {
    const pending = new Set(numbers);
    let url: string | null = this.api.firstNumbersPageUrl();
    let pages = 0;
    let listed = 0;
    while (url !== null && pending.size > 0 && this.worthAnotherPage(pages, pending)) {
      const pageUrl: string = url;
      let page: Awaited<ReturnType<TwilioApi['listNumbersPage']>>;
      try {
        page = await call(() => this.api.listNumbersPage(pageUrl));
      } catch (error) {
        if (pages === 0) {
          throw error;
        }
        break;
      }
      pages += 1;
      listed += page.records.length;
      const readings = this.readingsOf(page.records, pending);
      if (readings.length > 0) {
        onPage(readings);
      }
      url = page.nextUrl;
    }
    if (url === null) {
      this.accountSize = listed;
    }
    return { unseen: [...pending] };
  }

  /** True when `reading` has the routing of `baseline`: the same number, SID and routing fields. */
  confirms(reading: RoutingSnapshot, baseline: RoutingSnapshot): boolean {
    if (reading.carrier !== 'twilio' || baseline.carrier !== 'twilio' || reading.number !== baseline.number) {
      return false;
    }
    const shown = reading.settings as Partial<TwilioRoutingSettings>;
    const held = baseline.settings as Partial<TwilioRoutingSettings>;
    return SETTINGS_FIELDS.every((field) => (shown[field] ?? null) === (held[field] ?? null));
  }

  private worthAnotherPage(pagesSpent: number, pending: ReadonlySet<string>): boolean {
    if (this.accountSize === undefined) {
      return this.oneByOneCostExceeds(pending, pagesSpent);
    }
    // At least one more: the account may have grown since it was last listed.
    const pagesLeft = Math.max(1, Math.ceil(this.accountSize / this.pageSize) - pagesSpent);
    return this.oneByOneCostExceeds(pending, pagesLeft - 1);
  }

  /** True when reading `pending` one by one would cost more than `requests`. */
  private oneByOneCostExceeds(pending: ReadonlySet<string>, requests: number): boolean {
    let cost = 0;
    for (const number of pending) {
      cost += this.known.has(number) ? READ_KNOWN_SID : READ_UNKNOWN_SID;
      if (cost > requests) {
        return true;
      }
    }
    return false;
  }

  private readingsOf(records: readonly TwilioRecord[], pending: Set<string>): PageReading[] {
    const readings: PageReading[] = [];
    for (const record of records) {
      const number = record.phone_number;
      if (typeof number !== 'string' || typeof record.sid !== 'string' || !pending.delete(number)) {
        continue;
      }
      this.known.set(number, routingRecordOf(record));
      readings.push({
        snapshot: twilioRoutingSnapshot(number, record.sid, record, this.dial),
        complete: true,
      });
    }
    return readings;
  }
}
