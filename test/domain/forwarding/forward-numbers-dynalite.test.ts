/**
 * The engine against a real DynamoDB wire protocol (dynalite through the real SDK client), so the
 * conditional writes that keep runs apart are the real ones.
 */
import { DynamoDbForwardingStateStore } from '../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import { DEFAULT_BULK_CLAIM_LEASE_MS } from '../../../lambdas/domain/forwarding/forward-in-bulk';
import {
  type ForwardNumbersInput,
  type ForwardOutcome,
  forwardNumbers,
} from '../../../lambdas/domain/forwarding/forward-numbers';
import { ALREADY_FORWARDED_BEFORE_SNAPSHOT } from '../../../lambdas/domain/forwarding/forward-one';
import { DEFAULT_CLAIM_LEASE_MS } from '../../../lambdas/domain/forwarding/number-claims';
import type { RoutingSnapshot } from '../../../lambdas/ports/carriers';
import type { ClaimedNumberState, ForwardingStateStore } from '../../../lambdas/ports/forwarding-state';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';
import { CrashSwitch, crashableCarrier, crashableStore, SimulatedCrash } from './crash-switch';
import { FakeClock } from './fake-clock';
import { type FaultKind, InMemoryCarrier, type InMemoryCarrierOptions } from './in-memory-carrier';
import { BACKUP, numbersOf, planEntries } from './plan-fixtures';

const TRANSIENT: FaultKind[] = [
  'rate-limited',
  'server-error',
  'server-error-after-apply',
  'timeout-after-apply',
  'reset',
];
const OTHER_DESTINATION = '+13125550000';

let table: LocalIncidentTable;
beforeEach(async () => {
  table = await startLocalIncidentTable();
});
afterEach(async () => {
  await table.stop();
});

/**
 * A carrier whose numbers start the way real ones do: most not forwarded, some pre-armed on
 * failure to the backup, some forwarding elsewhere on purpose, and `preForwarded` ones already
 * forwarding every call to the backup (their original is unknowable).
 */
function outageCarrier(
  entries: PlanEntry[],
  options: InMemoryCarrierOptions & { preForwarded?: number } = {},
): InMemoryCarrier {
  const carrier = new InMemoryCarrier(options);
  const numbers = numbersOf(entries);
  carrier.addNumbers(numbers);
  carrier.addNumbers(numbers.slice(0, 10), { forwardsTo: BACKUP, mode: 'on-failure' });
  carrier.addNumbers(numbers.slice(10, 14), { forwardsTo: OTHER_DESTINATION, mode: 'always' });
  carrier.addNumbers(numbers.slice(14, 14 + (options.preForwarded ?? 0)), {
    forwardsTo: BACKUP,
    mode: 'always',
  });
  return carrier;
}

function engineInput(
  overrides: Partial<ForwardNumbersInput> &
    Pick<ForwardNumbersInput, 'entries' | 'store' | 'clock' | 'carriers'>,
): ForwardNumbersInput {
  return {
    incidentId: 'inc-1',
    runId: 'run-1',
    random: seededRandom(99),
    limits: { telnyx: { rateLimitPerSecond: 100, maxConcurrency: 8 } },
    retry: { baseDelayMs: 50, maxDelayMs: 2_000, maxAttemptsPerNumber: 12, retryBudget: 10_000 },
    ...overrides,
  };
}

/** Each number's end state: row status, snapshot, failure reason and the routing at the carrier. */
async function endState(store: ForwardingStateStore, incidentId: string, carrier: InMemoryCarrier) {
  const rows = (await store.list(incidentId)) as ClaimedNumberState[];
  return Object.fromEntries(
    rows.map((row) => [
      row.number,
      {
        status: row.status,
        snapshot: row.snapshot,
        reason: row.status === 'failed' ? row.lastError : undefined,
        claimedBy: row.claimedBy,
        routing: carrier.routingOf(row.number),
      },
    ]),
  );
}

/** Asserts no number was forwarded twice and every forwarded row agrees with the carrier. */
async function expectAppliedAtMostOnce(
  store: ForwardingStateStore,
  incidentId: string,
  carrier: InMemoryCarrier,
) {
  for (const row of await store.list(incidentId)) {
    const accepted = carrier.acceptedWrites(row.number, 'forward');
    expect({ number: row.number, accepted: Math.min(accepted, 2) }).toEqual({
      number: row.number,
      accepted: Math.min(accepted, 1),
    });
    if (row.status === 'forwarded') {
      expect({ number: row.number, accepted, appliedWrites: row.appliedWrites }).toEqual({
        number: row.number,
        accepted: row.appliedWrites,
        appliedWrites: accepted,
      });
    }
  }
}

describe('forwardNumbers on DynamoDB', () => {
  it.each([
    ['one number at a time', undefined],
    ['through the bulk API', 25],
  ])(
    'ends every number forwarded or failed with a reason under 30 %% faults (%s), none applied twice, snapshots = pre-outage',
    async (_how, bulkLimit) => {
      // Arrange
      const clock = new FakeClock();
      const entries = planEntries(120);
      const carrier = outageCarrier(entries, {
        random: seededRandom(2022),
        faultRate: 0.3,
        bulkLimit,
        clock,
        latencyMs: 20,
        preForwarded: 2,
      });
      const before = new Map<string, RoutingSnapshot>(
        entries.map((e) => [e.number, carrier.routingOf(e.number)]),
      );
      const store = new DynamoDbForwardingStateStore(table.documentClient, table.tableName, {
        now: () => clock.now(),
      });

      // Act
      const summary = await forwardNumbers(
        engineInput({ entries, store, clock, carriers: { telnyx: carrier }, retry: { baseDelayMs: 50 } }),
      );

      // Assert
      expect(summary.total).toBe(120);
      expect(summary.pending).toBe(0);
      expect(summary.forwarded + summary.failed.length).toBe(120);
      expect(summary.retries).toBeGreaterThan(0);
      expect(summary.failed).toEqual(
        expect.arrayContaining([
          { number: entries[14].number, reason: ALREADY_FORWARDED_BEFORE_SNAPSHOT },
          { number: entries[15].number, reason: ALREADY_FORWARDED_BEFORE_SNAPSHOT },
        ]),
      );
      for (const failure of summary.failed) expect(failure.reason.length).toBeGreaterThan(10);
      const rows = (await store.list('inc-1')) as ClaimedNumberState[];
      for (const row of rows) {
        expect(['forwarded', 'failed']).toContain(row.status);
        expect(row.claimedBy).toBeUndefined();
        if (row.snapshot) expect(row.snapshot).toEqual(before.get(row.number));
        if (row.status === 'failed') expect(row.lastError).toBeTruthy();
        if (row.status === 'forwarded') {
          expect(row.snapshot).toBeDefined();
          expect(carrier.routingOf(row.number)).toMatchObject({ forwardsTo: BACKUP, mode: 'always' });
        }
      }
      await expectAppliedAtMostOnce(store, 'inc-1', carrier);

      // A second run over the same incident repeats nothing.
      const writesBefore = carrier.writes.length;
      const again = await forwardNumbers(
        engineInput({ entries, store, clock, carriers: { telnyx: carrier }, runId: 'run-2' }),
      );
      expect(carrier.writes.length).toBe(writesBefore);
      expect(again).toMatchObject({ forwarded: summary.forwarded, alreadyForwarded: summary.forwarded });
    },
  );

  /** Builds the same outage twice: once to run without interruption, once to interrupt. */
  async function referenceAndSubject(options: { bulkLimit?: number }) {
    const entries = planEntries(60);
    const carrierOptions = (
      seed: number,
      clock: FakeClock,
    ): InMemoryCarrierOptions & { preForwarded: number } => ({
      random: seededRandom(seed),
      faultRate: 0.2,
      faultKinds: TRANSIENT,
      permanentlyFailing: [entries[20].number, entries[40].number],
      bulkLimit: options.bulkLimit,
      clock,
      latencyMs: 10,
      preForwarded: 1,
    });
    const referenceClock = new FakeClock();
    const referenceCarrier = outageCarrier(entries, carrierOptions(1, referenceClock));
    const referenceStore = new DynamoDbForwardingStateStore(table.documentClient, table.tableName);
    await forwardNumbers(
      engineInput({
        entries,
        store: referenceStore,
        clock: referenceClock,
        carriers: { telnyx: referenceCarrier },
        incidentId: 'reference',
      }),
    );
    const clock = new FakeClock();
    const carrier = outageCarrier(entries, carrierOptions(2, clock));
    const store = new DynamoDbForwardingStateStore(table.documentClient, table.tableName);
    return {
      entries,
      clock,
      carrier,
      store,
      expected: await endState(referenceStore, 'reference', referenceCarrier),
    };
  }

  it('ends a run crashed between snapshot and forward, once restarted, in the same state as an uninterrupted run', async () => {
    // Arrange
    const { entries, clock, carrier, store, expected } = await referenceAndSubject({});
    const crash = new CrashSwitch();
    let snapshotsSaved = 0;
    const dyingStore = crashableStore(
      store,
      crash,
      (changes) => changes.snapshot !== undefined && ++snapshotsSaved === 20,
    );

    // Act
    const crashed = forwardNumbers(
      engineInput({
        entries,
        clock,
        store: dyingStore,
        carriers: { telnyx: crashableCarrier(carrier, crash) },
      }),
    );
    await expect(crashed).rejects.toThrow(SimulatedCrash);
    const midway = await endState(store, 'inc-1', carrier);
    clock.advance(DEFAULT_CLAIM_LEASE_MS + 1);
    const resumed = await forwardNumbers(
      engineInput({ entries, clock, store, carriers: { telnyx: carrier }, runId: 'run-2' }),
    );

    // Assert
    expect(Object.values(midway).some((row) => row.status === 'snapshotted')).toBe(true);
    expect(resumed.pending).toBe(0);
    expect(await endState(store, 'inc-1', carrier)).toEqual(expected);
    await expectAppliedAtMostOnce(store, 'inc-1', carrier);
  });

  it('lets a retry of the same run (same runId) resume its own claims at once', async () => {
    const { entries, clock, carrier, store, expected } = await referenceAndSubject({});
    const crash = new CrashSwitch();
    let snapshotsSaved = 0;
    const dyingStore = crashableStore(
      store,
      crash,
      (changes) => changes.snapshot !== undefined && ++snapshotsSaved === 10,
    );

    await expect(
      forwardNumbers(
        engineInput({
          entries,
          clock,
          store: dyingStore,
          carriers: { telnyx: crashableCarrier(carrier, crash) },
        }),
      ),
    ).rejects.toThrow(SimulatedCrash);
    const resumed = await forwardNumbers(
      engineInput({ entries, clock, store, carriers: { telnyx: carrier } }),
    );

    expect(resumed.pending).toBe(0);
    expect(await endState(store, 'inc-1', carrier)).toEqual(expected);
    await expectAppliedAtMostOnce(store, 'inc-1', carrier);
  });

  it('ends a run crashed in the middle of a bulk job, once restarted, in the same state as an uninterrupted run', async () => {
    // Arrange: the process dies after the carrier applied 8 numbers of the second bulk job.
    const { entries, clock, carrier, store, expected } = await referenceAndSubject({ bulkLimit: 20 });
    const crash = new CrashSwitch();
    let bulkItems = 0;
    carrier.hooks.afterBulkItem = () => {
      bulkItems += 1;
      if (bulkItems === 28) {
        crash.trip();
        throw new SimulatedCrash();
      }
    };

    // Act
    await expect(
      forwardNumbers(
        engineInput({
          entries,
          clock,
          store: crashableStore(store, crash),
          carriers: { telnyx: crashableCarrier(carrier, crash) },
        }),
      ),
    ).rejects.toThrow(SimulatedCrash);
    carrier.hooks.afterBulkItem = undefined;
    const midway = await endState(store, 'inc-1', carrier);
    // Claims taken for a bulk job outlive the job, so another run waits the longer bulk lease out.
    clock.advance(DEFAULT_BULK_CLAIM_LEASE_MS + 1);
    const resumed = await forwardNumbers(
      engineInput({ entries, clock, store, carriers: { telnyx: carrier }, runId: 'run-2' }),
    );

    // Assert: some numbers were applied by the dying job but never recorded; the restart noticed.
    const appliedUnrecorded = Object.entries(midway).filter(
      ([number, row]) => row.status === 'snapshotted' && carrier.acceptedWrites(number) === 1,
    );
    expect(appliedUnrecorded.length).toBeGreaterThan(0);
    expect(resumed.pending).toBe(0);
    expect(await endState(store, 'inc-1', carrier)).toEqual(expected);
    await expectAppliedAtMostOnce(store, 'inc-1', carrier);
  });

  it('ends a run stopped by its deadline, once restarted, in the same state as an uninterrupted run', async () => {
    const { entries, clock, carrier, store, expected } = await referenceAndSubject({});
    const limits = { telnyx: { rateLimitPerSecond: 10, maxConcurrency: 4 } };

    const first = await forwardNumbers(
      engineInput({
        entries,
        clock,
        store,
        carriers: { telnyx: carrier },
        limits,
        deadlineMs: clock.now() + 8_000,
      }),
    );
    const second = await forwardNumbers(
      engineInput({ entries, clock, store, carriers: { telnyx: carrier }, limits, runId: 'run-2' }),
    );

    expect(first).toMatchObject({ stoppedByDeadline: true });
    expect(first.pending).toBeGreaterThan(0);
    expect(second.pending).toBe(0);
    expect(await endState(store, 'inc-1', carrier)).toEqual(expected);
    await expectAppliedAtMostOnce(store, 'inc-1', carrier);
  });

  it('never lets two concurrent runs on one incident both apply a number', async () => {
    // Arrange
    const clock = new FakeClock();
    const entries = planEntries(80);
    // Writes far slower than reads: a run that ignored the other's claim would read back too early.
    const carrier = outageCarrier(entries, {
      random: seededRandom(5),
      faultRate: 0.3,
      clock,
      latencyMs: 10,
      writeLatencyMs: 400,
    });
    const store = new DynamoDbForwardingStateStore(table.documentClient, table.tableName);
    const outcomes = { a: new Map<string, ForwardOutcome>(), b: new Map<string, ForwardOutcome>() };

    // Act
    const [a, b] = await Promise.all(
      (['a', 'b'] as const).map((runId) =>
        forwardNumbers(
          engineInput({
            entries,
            clock,
            store,
            carriers: { telnyx: carrier },
            runId,
            random: seededRandom(runId === 'a' ? 1 : 2),
            onProgress: (progress) => outcomes[runId].set(progress.number, progress.outcome),
          }),
        ),
      ),
    );

    // Assert
    await expectAppliedAtMostOnce(store, 'inc-1', carrier);
    const forwardedByBoth = numbersOf(entries).filter(
      (n) => outcomes.a.get(n) === 'forwarded' && outcomes.b.get(n) === 'forwarded',
    );
    expect(forwardedByBoth).toEqual([]);
    expect(a.pending + b.pending).toBeGreaterThan(0); // they did meet
    const rows = await store.list('inc-1');
    expect(rows.filter((row) => row.status !== 'forwarded' && row.status !== 'failed')).toEqual([]);
  });
});
