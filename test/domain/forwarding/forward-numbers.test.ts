import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import { ValidationError } from '../../../lambdas/contracts/errors';
import { type ForwardNumbersInput, forwardNumbers } from '../../../lambdas/domain/forwarding/forward-numbers';
import { ALREADY_FORWARDED_BEFORE_SNAPSHOT } from '../../../lambdas/domain/forwarding/forward-one';
import { FIRST_STAGE_ROWS } from '../../../lambdas/domain/forwarding/staged-rows';
import type { Carrier, CarrierCall } from '../../../lambdas/ports/carriers';
import type {
  ClaimedNumberState,
  ForwardingStateStore,
  NumberStateChanges,
} from '../../../lambdas/ports/forwarding-state';
import { FakeClock } from './fake-clock';
import { InMemoryCarrier, type InMemoryCarrierOptions } from './in-memory-carrier';
import { InMemoryForwardingStateStore } from './in-memory-state-store';
import { BACKUP, numbersOf, planEntries } from './plan-fixtures';
import { expectWithinRate } from './rate-assertions';

const INCIDENT = 'inc-2025-01-01-primary-dc';

/** A fresh carrier, store and clock around a plan; every test builds its own. */
function setUp(entries: PlanEntry[], carrierOptions: Omit<InMemoryCarrierOptions, 'clock'> = {}) {
  const clock = new FakeClock();
  const carrier = new InMemoryCarrier({ random: seededRandom(11), ...carrierOptions, clock });
  carrier.addNumbers(numbersOf(entries));
  const store = new InMemoryForwardingStateStore(() => clock.now());
  const input = (overrides: Partial<ForwardNumbersInput> = {}): ForwardNumbersInput => ({
    incidentId: INCIDENT,
    runId: 'run-1',
    entries,
    carriers: { telnyx: carrier },
    store,
    clock,
    random: seededRandom(3),
    limits: { telnyx: { rateLimitPerSecond: 50, maxConcurrency: 5 } },
    ...overrides,
  });
  const row = async (number: string) => (await store.get(INCIDENT, number)) as ClaimedNumberState;
  return { clock, carrier, store, input, row };
}

describe('forwardNumbers', () => {
  it('saves each number’s routing, then forwards it to its destination exactly once', async () => {
    // Arrange
    const entries = planEntries(12);
    const { carrier, input, row } = setUp(entries);
    carrier.addNumbers([entries[0].number], { forwardsTo: BACKUP, mode: 'on-failure' }); // pre-armed
    const before = new Map(entries.map((e) => [e.number, carrier.routingOf(e.number)]));

    // Act
    const summary = await forwardNumbers(input());

    // Assert
    expect(summary).toMatchObject({ total: 12, forwarded: 12, failed: [], pending: 0, alreadyForwarded: 0 });
    for (const { number } of entries) {
      const state = await row(number);
      expect(state).toMatchObject({ status: 'forwarded', attempts: 1, appliedWrites: 1 });
      expect(state.claimedBy).toBeUndefined();
      expect(state.snapshot).toEqual(before.get(number));
      expect(carrier.routingOf(number)).toMatchObject({ forwardsTo: BACKUP, mode: 'always' });
      expect(carrier.acceptedWrites(number)).toBe(1);
    }
  });

  it('fails a number already forwarded before any snapshot, instead of saving the forwarding as original', async () => {
    // Arrange
    const entries = planEntries(3);
    const { carrier, input, row } = setUp(entries);
    carrier.addNumbers([entries[1].number], { forwardsTo: BACKUP, mode: 'always' });

    // Act
    const summary = await forwardNumbers(input());

    // Assert
    expect(summary.failed).toEqual([
      { number: entries[1].number, reason: ALREADY_FORWARDED_BEFORE_SNAPSHOT },
    ]);
    expect((await row(entries[1].number)).snapshot).toBeUndefined();
    expect(carrier.writes.filter((w) => w.number === entries[1].number)).toEqual([]);
    expect(summary.forwarded).toBe(2);
  });

  it('keeps a snapshot saved earlier, and counts a number the carrier already forwards as forwarded without a write', async () => {
    // Arrange: an earlier run saved the snapshot, then someone forwarded the number by hand.
    const entries = planEntries(1);
    const { carrier, store, input, row } = setUp(entries);
    const original = carrier.routingOf(entries[0].number);
    await store.ensureNumbers(INCIDENT, entries);
    await store.update(INCIDENT, entries[0].number, 0, { status: 'snapshotted', snapshot: original });
    carrier.addNumbers([entries[0].number], { forwardsTo: BACKUP, mode: 'always' });

    // Act
    const summary = await forwardNumbers(input());

    // Assert
    expect(summary.forwarded).toBe(1);
    expect((await row(entries[0].number)).snapshot).toEqual(original);
    expect(carrier.writes).toEqual([]);
  });

  it('reads back after a timeout that was applied, and does not write a second time', async () => {
    // Arrange
    const entries = planEntries(1);
    const { carrier, input, row } = setUp(entries);
    carrier.scriptFaults(entries[0].number, 'forward', ['timeout-after-apply']);

    // Act
    const summary = await forwardNumbers(input());

    // Assert
    expect(summary.forwarded).toBe(1);
    expect(carrier.acceptedWrites(entries[0].number)).toBe(1);
    expect(carrier.calls.map((call) => call.operation)).toEqual(['read', 'forward', 'read']);
    expect(await row(entries[0].number)).toMatchObject({
      status: 'forwarded',
      attempts: 1,
      appliedWrites: 1,
    });
  });

  it('reads back after a reset that was not applied, then writes again', async () => {
    const entries = planEntries(1);
    const { carrier, input } = setUp(entries);
    carrier.scriptFaults(entries[0].number, 'forward', ['reset']);

    const summary = await forwardNumbers(input());

    expect(summary.forwarded).toBe(1);
    expect(carrier.calls.map((call) => call.operation)).toEqual(['read', 'forward', 'read', 'forward']);
    expect(carrier.acceptedWrites(entries[0].number)).toBe(1);
  });

  it('waits out a 429’s Retry-After and writes again without a read-back (a 429 is never processed)', async () => {
    // Arrange
    const entries = planEntries(1);
    const { carrier, input } = setUp(entries, { retryAfterMs: 4_000 });
    carrier.scriptFaults(entries[0].number, 'forward', ['rate-limited']);

    // Act
    const summary = await forwardNumbers(input());

    // Assert
    const forwards = carrier.calls.filter((call) => call.operation === 'forward');
    expect(summary).toMatchObject({ forwarded: 1, retries: 1 });
    expect(carrier.calls.map((call) => call.operation)).toEqual(['read', 'forward', 'forward']);
    expect(forwards[1].at - forwards[0].at).toBeGreaterThanOrEqual(4_000);
  });

  it('fails a number the carrier refuses for good, with the carrier’s reason, without retrying', async () => {
    const entries = planEntries(2);
    const { carrier, input, row } = setUp(entries, { permanentlyFailing: [entries[0].number] });

    const summary = await forwardNumbers(input());

    expect(summary.failed).toEqual([
      { number: entries[0].number, reason: expect.stringContaining('locked by a port order') },
    ]);
    expect(summary.retries).toBe(0);
    expect(await row(entries[0].number)).toMatchObject({ status: 'failed', attempts: 1, appliedWrites: 0 });
    expect(carrier.routingOf(entries[0].number).forwardsTo).toBeNull();
  });

  it('fails numbers whose carrier is not configured, saying what to do', async () => {
    const entries = [...planEntries(1), ...planEntries(1, 'bandwidth', 13125550000)];
    const { input } = setUp(entries);

    const summary = await forwardNumbers(input());

    expect(summary.failed).toEqual([
      { number: entries[1].number, reason: expect.stringContaining('"bandwidth" is not configured') },
    ]);
  });

  it('stops starting numbers near the deadline and leaves them pending, then a second run finishes them without repeats', async () => {
    // Arrange: each call takes 1 s, one at a time, so 30 numbers take ~60 s.
    const entries = planEntries(30);
    const { clock, carrier, input, store } = setUp(entries, { latencyMs: 1_000 });
    const limits = { telnyx: { rateLimitPerSecond: 50, maxConcurrency: 1 } };

    // Act
    const first = await forwardNumbers(
      input({ limits, deadlineMs: clock.now() + 25_000, deadlineMarginMs: 5_000 }),
    );
    const afterFirst = await store.list(INCIDENT);
    const second = await forwardNumbers(input({ limits, runId: 'run-2' }));

    // Assert
    expect(first.stoppedByDeadline).toBe(true);
    expect(first.pending).toBeGreaterThan(0);
    expect(first.forwarded + first.pending).toBe(30);
    expect(afterFirst.every((state: ClaimedNumberState) => state.claimedBy === undefined)).toBe(true);
    expect(second).toMatchObject({ forwarded: 30, alreadyForwarded: first.forwarded, pending: 0 });
    for (const { number } of entries) expect(carrier.acceptedWrites(number)).toBe(1);
  });

  it('makes no carrier call at all when every number is already done', async () => {
    const entries = planEntries(5);
    const { carrier, input } = setUp(entries);
    await forwardNumbers(input());
    const callsBefore = carrier.calls.length;

    const again = await forwardNumbers(input({ runId: 'run-2' }));

    expect(again).toMatchObject({ forwarded: 5, alreadyForwarded: 5 });
    expect(carrier.calls.length).toBe(callsBefore);
  });

  it('uses the bulk API in chunks of bulkLimit, and per-number calls only for what failed in bulk', async () => {
    // Arrange
    const entries = planEntries(50);
    const { carrier, input, row } = setUp(entries, { bulkLimit: 20, bulkItemFaultRate: 0.2 });

    // Act
    const summary = await forwardNumbers(input());

    // Assert
    const bulkCalls = carrier.calls.filter((call) => call.operation === 'forward-many');
    const singleForwards = carrier.calls.filter((call) => call.operation === 'forward');
    const failedInBulk = carrier.writes.filter((w) => !w.accepted).map((w) => w.number);
    expect(bulkCalls.map((call) => call.numbers.length)).toEqual([20, 20, 10]);
    expect(failedInBulk.length).toBeGreaterThan(0);
    expect(singleForwards.map((call) => call.numbers[0]).sort()).toEqual([...failedInBulk].sort());
    expect(summary).toMatchObject({ forwarded: 50, failed: [] });
    for (const { number } of entries) {
      expect(carrier.acceptedWrites(number)).toBe(1);
      expect((await row(number)).appliedWrites).toBe(1);
    }
  });

  it('forwards one number at a time below the bulk threshold', async () => {
    const entries = planEntries(5);
    const { carrier, input } = setUp(entries, { bulkLimit: 20 });

    await forwardNumbers(input());

    expect(carrier.calls.filter((call) => call.operation === 'forward-many')).toEqual([]);
    expect(carrier.calls.filter((call) => call.operation === 'forward')).toHaveLength(5);
  });

  it('respects the carrier’s rate and concurrency limits', async () => {
    // Arrange
    const entries = planEntries(40);
    const { carrier, input } = setUp(entries, { latencyMs: 300 });
    const limits = { telnyx: { rateLimitPerSecond: 5, maxConcurrency: 3, burst: 2 } };

    // Act
    await forwardNumbers(input({ limits }));

    // Assert
    expectWithinRate(
      carrier.calls.map((call) => call.at),
      5,
      2,
    );
    expect(carrier.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('leaves numbers another live run holds, and takes them over (reading back first) once its claim expired', async () => {
    // Arrange: another run claimed the number and wrote it, then died before recording success.
    const entries = planEntries(1);
    const { clock, carrier, store, input, row } = setUp(entries);
    const number = entries[0].number;
    await store.ensureNumbers(INCIDENT, entries);
    await store.update(INCIDENT, number, 0, {
      status: 'snapshotted',
      snapshot: carrier.routingOf(number),
      attempts: 1,
      claimedBy: 'run-dead',
      claimExpiresAt: clock.now() + 60_000,
    });
    await carrier.forward({ number, destination: BACKUP, mode: 'always' });

    // Act
    const whileHeld = await forwardNumbers(input());
    clock.advance(60_001);
    const afterExpiry = await forwardNumbers(input());

    // Assert
    expect(whileHeld).toMatchObject({ pending: 1, pendingNumbers: [number], stoppedByDeadline: false });
    expect(afterExpiry).toMatchObject({ forwarded: 1, pending: 0 });
    expect(carrier.acceptedWrites(number)).toBe(1);
    expect(await row(number)).toMatchObject({ status: 'forwarded', appliedWrites: 1 });
  });

  it('never stores as snapshot a read that raced another run’s claim and write', async () => {
    // Arrange: while this run reads the number, another run claims it, saves the true original and
    // forwards it, so the routing this run reads is already forwarded.
    const entries = planEntries(1);
    const { clock, carrier, store, input, row } = setUp(entries);
    const number = entries[0].number;
    const original = carrier.routingOf(number);
    const racing: Carrier = {
      name: carrier.name,
      forwardModes: carrier.forwardModes,
      readRouting: async (read) => {
        const fresh = await store.get(INCIDENT, read);
        await store.update(INCIDENT, read, fresh!.version, {
          status: 'snapshotted',
          snapshot: original,
          attempts: 1,
          claimedBy: 'run-other',
          claimExpiresAt: clock.now() + 60_000,
        });
        await carrier.forward({ number: read, destination: BACKUP, mode: 'always' });
        return carrier.readRouting(read);
      },
      forward: (request) => carrier.forward(request),
      restore: (snapshot) => carrier.restore(snapshot),
    };

    // Act
    const summary = await forwardNumbers(input({ carriers: { telnyx: racing } }));

    // Assert: left to the other run, with its snapshot, not failed as "already forwarded".
    expect(summary).toMatchObject({ pending: 1, failed: [] });
    expect(await row(number)).toMatchObject({
      status: 'snapshotted',
      snapshot: original,
      claimedBy: 'run-other',
    });
    expect(carrier.acceptedWrites(number)).toBe(1);
  });

  it('retries numbers failed in an earlier run only when asked', async () => {
    const entries = planEntries(2);
    const { carrier, input } = setUp(entries);
    carrier.scriptFaults(entries[0].number, 'forward', ['permanent']);
    await forwardNumbers(input());

    const plain = await forwardNumbers(input({ runId: 'run-2' }));
    const retried = await forwardNumbers(input({ runId: 'run-3', retryFailed: true }));

    expect(plain.failed).toHaveLength(1);
    expect(retried).toMatchObject({ forwarded: 2, failed: [] });
  });

  it('reports progress once per number', async () => {
    const entries = planEntries(4);
    const { input } = setUp(entries);
    const progress: string[] = [];

    await forwardNumbers(
      input({ onProgress: (p) => progress.push(`${p.number}:${p.outcome}:${p.completed}/4`) }),
    );

    expect(progress).toHaveLength(4);
    expect(progress.map((p) => p.split(':')[0]).sort()).toEqual(numbersOf(entries));
    expect(progress.at(-1)).toMatch(/:4\/4$/);
  });

  it('stores a fresh number’s snapshot with the claim right before its write: two updates a number', async () => {
    // Arrange
    const entries = planEntries(6);
    const { carrier, store, input } = setUp(entries);
    const events: string[] = [];
    const recordingStore: ForwardingStateStore = {
      ensureNumbers: (incidentId, stage) => store.ensureNumbers(incidentId, stage),
      list: (incidentId) => store.list(incidentId),
      get: (incidentId, number) => store.get(incidentId, number),
      update: async (incidentId, number, version, changes) => {
        const claim = changes as NumberStateChanges;
        events.push(
          `${number} update${claim.snapshot ? ' snapshot' : ''}${claim.attempts ? ` attempts=${claim.attempts}` : ''}${claim.claimedBy ? ' claimed' : ''}`,
        );
        return store.update(incidentId, number, version, changes);
      },
    };
    carrier.hooks.beforeCall = (operation, numbers) => events.push(`${numbers[0]} ${operation}`);

    // Act
    const summary = await forwardNumbers(input({ store: recordingStore }));

    // Assert
    expect(summary.forwarded).toBe(6);
    for (const { number } of entries) {
      expect(events.filter((event) => event.startsWith(`${number} `))).toEqual([
        `${number} read`,
        `${number} update snapshot attempts=1 claimed`,
        `${number} forward`,
        `${number} update`,
      ]);
    }
  });

  it('starts forwarding before every state row is created', async () => {
    // Arrange: enough numbers for several stages of rows, and a store that takes time to create them.
    const entries = planEntries(FIRST_STAGE_ROWS * 4);
    const { clock, carrier, store, input } = setUp(entries);
    const events: string[] = [];
    const recordingStore: ForwardingStateStore = {
      ensureNumbers: async (incidentId, stage) => {
        events.push('ensure');
        await clock.sleep(100);
        await store.ensureNumbers(incidentId, stage);
      },
      list: (incidentId) => store.list(incidentId),
      get: (incidentId, number) => store.get(incidentId, number),
      update: (incidentId, number, version, changes) => store.update(incidentId, number, version, changes),
    };
    carrier.hooks.beforeCall = (operation) => events.push(operation);

    // Act
    const summary = await forwardNumbers(input({ store: recordingStore }));

    // Assert
    expect(summary.forwarded).toBe(entries.length);
    expect(events.indexOf('read')).toBeLessThan(events.lastIndexOf('ensure'));
    expect(await store.list(INCIDENT)).toHaveLength(entries.length);
  });

  it('lets the carrier prepare for its numbers first, through the lane’s rate', async () => {
    // Arrange: one token a second, so the prepare's three requests hold the first read back 3 s.
    const entries = planEntries(4);
    const { clock, carrier, input } = setUp(entries);
    const startedAt = clock.now();
    const prepared: string[][] = [];
    Object.assign(carrier, {
      prepareNumbers: async (numbers: readonly string[], call: CarrierCall) => {
        prepared.push([...numbers]);
        for (let page = 0; page < 3; page++) await call(async () => undefined);
      },
    });
    const limits = { telnyx: { rateLimitPerSecond: 1, maxConcurrency: 5, burst: 1 } };

    // Act
    const summary = await forwardNumbers(input({ limits }));

    // Assert
    expect(summary.forwarded).toBe(4);
    expect(prepared).toEqual([numbersOf(entries)]);
    expect(Math.min(...carrier.calls.map((call) => call.at)) - startedAt).toBe(3000);
  });

  it('forwards every number even when the carrier fails to prepare for them', async () => {
    const entries = planEntries(4);
    const { carrier, input } = setUp(entries);
    Object.assign(carrier, {
      prepareNumbers: async () => {
        throw new Error('listing the numbers failed');
      },
    });

    const summary = await forwardNumbers(input());

    expect(summary).toMatchObject({ forwarded: 4, failed: [], pending: 0 });
  });

  it('rejects a plan that lists a number twice', async () => {
    const entries = planEntries(2);
    const { input } = setUp(entries);

    await expect(forwardNumbers(input({ entries: [...entries, entries[0]] }))).rejects.toThrow(
      ValidationError,
    );
  });
});
