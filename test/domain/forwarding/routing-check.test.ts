/**
 * The paged routing check at the start of a forwarding run, and the baseline taken ahead: numbers
 * whose page is in are written without a read of their own; what pages show only in part is
 * confirmed by the baseline or read; a failed page, a changed number or a missing baseline costs
 * reads, never a wrong snapshot; a number found forwarded already restores to the baseline.
 */
import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import { type ForwardNumbersInput, forwardNumbers } from '../../../lambdas/domain/forwarding/forward-numbers';
import { RetryPolicy } from '../../../lambdas/domain/forwarding/retry-policy';
import { takeRoutingBaseline } from '../../../lambdas/domain/forwarding/routing-baseline';
import { CarrierLanes } from '../../../lambdas/domain/forwarding/token-bucket';
import type {
  CarrierCall,
  PageReading,
  RoutingPages,
  RoutingSnapshot,
} from '../../../lambdas/ports/carriers';
import type { BaselineEntry, RoutingBaseline } from '../../../lambdas/ports/routing-baseline';
import { FakeClock } from './fake-clock';
import { InMemoryCarrier } from './in-memory-carrier';
import { InMemoryForwardingStateStore } from './in-memory-state-store';
import { BACKUP, numbersOf, planEntries } from './plan-fixtures';

const INCIDENT = 'inc-paged-check';
const PAGE_SIZE = 10;

/**
 * Pages over an InMemoryCarrier's numbers, PAGE_SIZE a page. `complete: false` makes the pages show
 * only where calls are forwarded (as Bandwidth's TN list shows CallForward but not route plans).
 */
class TestPages implements RoutingPages {
  readonly pageSize = PAGE_SIZE;
  pagesServed = 0;
  readonly failingPages = new Set<number>();
  /** When each page was answered (the fake clock's ms). */
  readonly answeredAt: number[] = [];

  constructor(
    private readonly carrier: InMemoryCarrier,
    private readonly listed: string[],
    private readonly complete: boolean,
    private readonly clock: FakeClock,
  ) {}

  async read(numbers: readonly string[], call: CarrierCall, onPage: (readings: PageReading[]) => void) {
    const wanted = new Set(numbers);
    const seen = new Set<string>();
    const pageCount = Math.ceil(this.listed.length / PAGE_SIZE);
    await Promise.all(
      Array.from({ length: pageCount }, async (_, page) => {
        try {
          const readings = await call(async () => {
            this.pagesServed += 1;
            if (this.failingPages.has(page)) throw new Error(`page ${page} failed`);
            return this.listed
              .slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)
              .filter((number) => wanted.has(number))
              .map((number) => ({ snapshot: this.shown(number), complete: this.complete }));
          });
          this.answeredAt.push(this.clock.now());
          for (const { snapshot } of readings) seen.add(snapshot.number);
          onPage(readings);
        } catch {
          // The page's numbers stay unseen.
        }
      }),
    );
    return { unseen: numbers.filter((number) => !seen.has(number)) };
  }

  confirms(reading: RoutingSnapshot, baseline: RoutingSnapshot): boolean {
    return reading.forwardsTo === baseline.forwardsTo && reading.mode === baseline.mode;
  }

  private shown(number: string): RoutingSnapshot {
    const full = this.carrier.routingOf(number);
    return this.complete ? full : { ...full, settings: {} };
  }
}

function setUp(count: number, options: { complete: boolean; bulk?: boolean }) {
  const clock = new FakeClock();
  const entries = planEntries(count);
  const carrier = new InMemoryCarrier({
    random: seededRandom(5),
    clock,
    ...(options.bulk ? { bulkLimit: 1000 } : {}),
  });
  carrier.addNumbers(numbersOf(entries));
  const pages = new TestPages(carrier, numbersOf(entries), options.complete, clock);
  Object.assign(carrier, { routingPages: pages });
  const store = new InMemoryForwardingStateStore(() => clock.now());
  const input = (overrides: Partial<ForwardNumbersInput> = {}): ForwardNumbersInput => ({
    incidentId: INCIDENT,
    runId: 'run-1',
    entries,
    carriers: { telnyx: carrier },
    store,
    clock,
    random: seededRandom(3),
    limits: { telnyx: { rateLimitPerSecond: 20, maxConcurrency: 4 } },
    ...overrides,
  });
  const reads = () => carrier.calls.filter((call) => call.operation === 'read').length;
  const baselineOf = (numbers: string[]): RoutingBaseline =>
    new Map(numbers.map((number) => [number, { snapshot: carrier.routingOf(number), readAt: clock.now() }]));
  return { clock, entries, carrier, pages, store, input, reads, baselineOf };
}

describe('the paged routing check', () => {
  it('snapshots every number from its page, without a read of its own, and writes from the first page on', async () => {
    // Arrange
    const { entries, carrier, pages, store, input, reads } = setUp(60, { complete: true });
    const before = new Map(entries.map(({ number }) => [number, carrier.routingOf(number)]));

    // Act: slow enough that the pages take seconds.
    const summary = await forwardNumbers(
      input({ limits: { telnyx: { rateLimitPerSecond: 4, maxConcurrency: 4 } } }),
    );

    // Assert
    expect(summary).toMatchObject({ total: 60, forwarded: 60, failed: [], pending: 0 });
    expect(pages.pagesServed).toBe(6);
    expect(reads()).toBe(0);
    for (const { number } of entries) {
      const row = await store.get(INCIDENT, number);
      expect(row?.snapshot).toEqual(before.get(number));
      expect(carrier.acceptedWrites(number, 'forward')).toBe(1);
    }
    // Pipelined: the first write left before the last page was answered.
    const firstWrite = Math.min(...carrier.calls.filter((c) => c.operation === 'forward').map((c) => c.at));
    expect(firstWrite).toBeLessThan(Math.max(...pages.answeredAt));
  });

  it('reads on their own only the numbers of a page that failed for good', async () => {
    // Arrange
    const { entries, pages, input, reads } = setUp(40, { complete: true });
    pages.failingPages.add(2);

    // Act
    const summary = await forwardNumbers(input({ retry: { maxAttemptsPerNumber: 2 } }));

    // Assert: nothing lost, and only that page's ten numbers cost a read.
    expect(summary).toMatchObject({ total: entries.length, forwarded: entries.length, failed: [] });
    expect(reads()).toBe(PAGE_SIZE);
  });

  it('takes the baseline for what a page shows only in part when it matches, and reads the rest', async () => {
    // Arrange: pages show only where calls go; the baseline knows the rest of each routing.
    const { entries, carrier, store, input, reads, baselineOf } = setUp(30, { complete: false });
    const numbers = numbersOf(entries);
    const baseline = baselineOf(numbers.slice(0, 20)); // the last 10 have no baseline
    // One number changed since the baseline was taken: its page does not confirm it.
    const changed = numbers[3];
    carrier.addNumbers([changed], { forwardsTo: '+14155550100', mode: 'on-failure' });

    // Act
    const summary = await forwardNumbers(input({ baseline }));

    // Assert
    expect(summary).toMatchObject({ forwarded: 30, failed: [] });
    expect(reads()).toBe(10 + 1);
    expect((await store.get(INCIDENT, numbers[0]))?.snapshot).toEqual(baseline.get(numbers[0])?.snapshot);
    expect((await store.get(INCIDENT, changed))?.snapshot).toMatchObject({
      forwardsTo: '+14155550100',
      mode: 'on-failure',
    });
  });

  it('saves the baseline as what to restore for a number its page shows forwarded already, writing nothing', async () => {
    // Arrange: forwarded by hand after the baseline was taken.
    const { entries, carrier, store, input, baselineOf } = setUp(12, { complete: true });
    const baseline = baselineOf(numbersOf(entries));
    const number = entries[5].number;
    carrier.addNumbers([number], { forwardsTo: BACKUP, mode: 'always' });

    // Act
    const summary = await forwardNumbers(input({ baseline }));

    // Assert
    expect(summary).toMatchObject({ forwarded: 12, failed: [] });
    expect(carrier.acceptedWrites(number, 'forward')).toBe(0);
    expect(await store.get(INCIDENT, number)).toMatchObject({
      status: 'forwarded',
      appliedWrites: 0,
      snapshot: baseline.get(number)?.snapshot,
    });
  });

  it('sends bulk jobs as large as the carrier takes, from the pages alone', async () => {
    // Arrange
    const { entries, carrier, input, reads } = setUp(250, { complete: true, bulk: true });

    // Act
    const summary = await forwardNumbers(input());

    // Assert: 25 pages, one 250-number job, no single reads or writes.
    expect(summary).toMatchObject({ forwarded: entries.length, failed: [] });
    expect(reads()).toBe(0);
    const jobs = carrier.calls.filter((call) => call.operation === 'forward-many');
    expect(jobs.map((job) => job.numbers.length)).toEqual([250]);
  });
});

describe('takeRoutingBaseline', () => {
  it('reads complete pages into the baseline and reads on its own what a page does not confirm', async () => {
    // Arrange
    const { entries, carrier, pages, clock, reads, baselineOf } = setUp(25, { complete: false });
    const numbers = numbersOf(entries);
    const previous = baselineOf(numbers.slice(0, 20));
    const lanes = new CarrierLanes({ telnyx: { rateLimitPerSecond: 10, maxConcurrency: 2 } }, clock);
    const policy = new RetryPolicy({ retryBudget: 100 }, seededRandom(1));

    // Act
    const taken = await takeRoutingBaseline({
      carrier,
      numbers,
      previous,
      lane: lanes.lane('telnyx'),
      policy,
      clock,
    });

    // Assert: 3 pages, then 5 single reads for the numbers without a baseline.
    expect(pages.pagesServed).toBe(3);
    expect(reads()).toBe(5);
    expect(taken.requests).toBe(3 + 5);
    expect(taken.unread).toEqual([]);
    const byNumber = new Map<string, BaselineEntry>(
      taken.entries.map((entry) => [entry.snapshot.number, entry]),
    );
    expect([...byNumber.keys()].sort()).toEqual([...numbers].sort());
    for (const number of numbers) expect(byNumber.get(number)?.snapshot).toEqual(carrier.routingOf(number));
  });
});
