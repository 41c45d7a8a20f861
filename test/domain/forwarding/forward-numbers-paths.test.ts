import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import { type ForwardNumbersInput, forwardNumbers } from '../../../lambdas/domain/forwarding/forward-numbers';
import type { ForwardingStateStore } from '../../../lambdas/ports/forwarding-state';
import { FakeClock } from './fake-clock';
import { InMemoryCarrier } from './in-memory-carrier';
import { InMemoryForwardingStateStore } from './in-memory-state-store';
import { numbersOf, planEntries } from './plan-fixtures';

const INCIDENT = 'inc-2025-01-01-primary-dc';

/** A Telnyx-like bulk carrier: 20 numbers a job, one destination a job. */
function oneDestinationAJob(clock: FakeClock, entries: PlanEntry[]): InMemoryCarrier {
  const carrier = new InMemoryCarrier({ random: seededRandom(11), bulkLimit: 20, clock });
  carrier.addNumbers(numbersOf(entries));
  return Object.assign(carrier, { bulkCallPerDestination: true, requestsPerBulkCall: 2 });
}

function input(
  clock: FakeClock,
  entries: PlanEntry[],
  overrides: Partial<ForwardNumbersInput>,
): ForwardNumbersInput {
  return {
    incidentId: INCIDENT,
    runId: 'run-1',
    entries,
    carriers: {},
    store: new InMemoryForwardingStateStore(() => clock.now()),
    clock,
    random: seededRandom(3),
    limits: {
      telnyx: { rateLimitPerSecond: 50, maxConcurrency: 5 },
      twilio: { rateLimitPerSecond: 50, maxConcurrency: 5 },
    },
    ...overrides,
  };
}

/** Each entry to a destination of its own. */
function toDistinctDestinations(entries: PlanEntry[]): PlanEntry[] {
  return entries.map((entry, index) => ({
    ...entry,
    forwardTo: `+1415666${String(index).padStart(4, '0')}`,
  }));
}

describe('forwardNumbers: the path a carrier takes', () => {
  it('forwards a one-destination-a-job carrier number by number when every destination is distinct', async () => {
    // Arrange
    const clock = new FakeClock();
    const entries = toDistinctDestinations(planEntries(60));
    const carrier = oneDestinationAJob(clock, entries);

    // Act
    const summary = await forwardNumbers(input(clock, entries, { carriers: { telnyx: carrier } }));

    // Assert
    expect(summary).toMatchObject({ forwarded: 60, failed: [] });
    expect(carrier.calls.filter((call) => call.operation === 'forward-many')).toEqual([]);
    expect(carrier.calls.filter((call) => call.operation === 'forward')).toHaveLength(60);
  });

  it('writes one by one the numbers of a destination too small for a job, the rest in jobs', async () => {
    // Arrange: 40 numbers share the backup, 3 have a destination each.
    const clock = new FakeClock();
    const shared = planEntries(40);
    const own = toDistinctDestinations(planEntries(3, 'telnyx', 14155551000));
    const entries = [...shared, ...own];
    const carrier = oneDestinationAJob(clock, entries);

    // Act
    const summary = await forwardNumbers(input(clock, entries, { carriers: { telnyx: carrier } }));

    // Assert
    expect(summary).toMatchObject({ forwarded: 43, failed: [] });
    const jobs = carrier.calls.filter((call) => call.operation === 'forward-many');
    expect(jobs.map((call) => call.numbers.length)).toEqual([20, 20]);
    expect(jobs.flatMap((call) => call.numbers).sort()).toEqual(numbersOf(shared).sort());
    const singles = carrier.calls.filter((call) => call.operation === 'forward');
    expect(singles.flatMap((call) => call.numbers).sort()).toEqual(numbersOf(own).sort());
  });

  it('creates the bulk carrier’s rows first and sends its jobs while the other rows are still being created', async () => {
    // Arrange: the plan lists 2,000 per-number Twilio numbers before 40 bulk Telnyx ones, and the
    // store takes 1 ms a row to create them.
    const clock = new FakeClock();
    const slow = planEntries(2_000, 'twilio', 14155550000);
    const bulk = planEntries(40, 'telnyx', 14155570000);
    const telnyx = oneDestinationAJob(clock, bulk);
    const twilio = new InMemoryCarrier({ name: 'twilio', random: seededRandom(12), clock });
    twilio.addNumbers(numbersOf(slow));
    const inner = new InMemoryForwardingStateStore(() => clock.now());
    let lastRowCreatedAt = 0;
    const store: ForwardingStateStore = {
      ensureNumbers: async (incidentId, stage) => {
        await clock.sleep(stage.length);
        await inner.ensureNumbers(incidentId, stage);
        lastRowCreatedAt = clock.now();
      },
      list: (incidentId) => inner.list(incidentId),
      get: (incidentId, number) => inner.get(incidentId, number),
      update: (incidentId, number, version, changes) => inner.update(incidentId, number, version, changes),
    };

    // Act
    const summary = await forwardNumbers(
      input(clock, [...slow, ...bulk], { store, carriers: { telnyx, twilio } }),
    );

    // Assert
    expect(summary).toMatchObject({ forwarded: 2_040, failed: [] });
    const jobs = telnyx.calls.filter((call) => call.operation === 'forward-many');
    expect(jobs.map((call) => call.numbers.length)).toEqual([20, 20]);
    expect(Math.max(...jobs.map((call) => call.at))).toBeLessThan(lastRowCreatedAt);
    expect(jobs.flatMap((call) => call.numbers).every((number) => number.startsWith('+1415557'))).toBe(true);
  });
});
