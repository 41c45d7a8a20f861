import { DynamoDbForwardingStateStore } from '../../../lambdas/adapters/dynamodb/forwarding-state-store';
import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import { forwardNumbers } from '../../../lambdas/domain/forwarding/forward-numbers';
import { DEFAULT_CLAIM_LEASE_MS } from '../../../lambdas/domain/forwarding/number-claims';
import { type RestoreNumbersInput, restoreNumbers } from '../../../lambdas/domain/forwarding/restore-numbers';
import type { RoutingSnapshot } from '../../../lambdas/ports/carriers';
import type { ClaimedNumberState, ForwardingStateStore } from '../../../lambdas/ports/forwarding-state';
import {
  type LocalIncidentTable,
  startLocalIncidentTable,
} from '../../../lib/developer/far-side/local-incident-table';
import { CrashSwitch, crashableCarrier, crashableStore, SimulatedCrash } from './crash-switch';
import { FakeClock } from './fake-clock';
import { type FaultKind, InMemoryCarrier, type InMemoryCarrierOptions } from './in-memory-carrier';
import { InMemoryForwardingStateStore } from './in-memory-state-store';
import { BACKUP, numbersOf, planEntries } from './plan-fixtures';

const INCIDENT = 'inc-restore';
const TRANSIENT: FaultKind[] = [
  'rate-limited',
  'server-error',
  'server-error-after-apply',
  'timeout-after-apply',
  'reset',
];
const limits = { telnyx: { rateLimitPerSecond: 100, maxConcurrency: 6 } };
const retry = { baseDelayMs: 50, maxDelayMs: 1_000, maxAttemptsPerNumber: 12, retryBudget: 10_000 };

/** A carrier and store after a completed failover of `entries`, with the routing each number had before it. */
async function afterFailover(
  entries: PlanEntry[],
  store: ForwardingStateStore,
  carrierOptions: Omit<InMemoryCarrierOptions, 'clock'> = {},
) {
  const clock = new FakeClock();
  const carrier = new InMemoryCarrier({ random: seededRandom(8), latencyMs: 10, ...carrierOptions, clock });
  carrier.addNumbers(numbersOf(entries));
  carrier.addNumbers(numbersOf(entries).slice(0, 5), { forwardsTo: BACKUP, mode: 'on-failure' });
  const original = new Map<string, RoutingSnapshot>(
    entries.map((e) => [e.number, carrier.routingOf(e.number)]),
  );
  await forwardNumbers({
    incidentId: INCIDENT,
    runId: 'failover',
    entries,
    carriers: { telnyx: carrier },
    store,
    clock,
    random: seededRandom(4),
    limits,
    retry,
  });
  const input = (overrides: Partial<RestoreNumbersInput> = {}): RestoreNumbersInput => ({
    incidentId: INCIDENT,
    numbers: numbersOf(entries),
    carriers: { telnyx: carrier },
    store,
    clock,
    random: seededRandom(6),
    limits,
    retry,
    runId: 'failback-1',
    ...overrides,
  });
  return { clock, carrier, original, input };
}

describe('restoreNumbers', () => {
  let table: LocalIncidentTable;
  beforeEach(async () => {
    table = await startLocalIncidentTable();
  });
  afterEach(async () => {
    await table.stop();
  });

  it('puts exactly the snapshot back under 30 % faults, once per number, and is idempotent', async () => {
    // Arrange
    const entries = planEntries(60);
    const store = new DynamoDbForwardingStateStore(table.documentClient, table.tableName);
    const { carrier, original, input } = await afterFailover(entries, store);
    carrier.configureFaults({ random: seededRandom(77), faultRate: 0.3, faultKinds: TRANSIENT });

    // Act
    const summary = await restoreNumbers(input({ wave: 1 }));
    carrier.configureFaults({ faultRate: 0 });
    const writesAfterFirst = carrier.writes.length;
    const again = await restoreNumbers(input({ runId: 'failback-2' }));

    // Assert
    expect(summary).toMatchObject({ total: 60, restored: 60, failed: [], skipped: [], pending: 0 });
    expect(summary.retries).toBeGreaterThan(0);
    for (const { number } of entries) {
      expect(carrier.routingOf(number)).toEqual(original.get(number));
      expect(carrier.acceptedWrites(number, 'restore')).toBe(1);
      const row = (await store.get(INCIDENT, number)) as ClaimedNumberState;
      expect(row).toMatchObject({ status: 'restored', wave: 1, appliedWrites: 2 });
      expect(row.claimedBy).toBeUndefined();
    }
    expect(again).toMatchObject({ restored: 60, alreadyRestored: 60 });
    expect(carrier.writes.length).toBe(writesAfterFirst);
  });

  it('resumes a restore that crashed midway without restoring any number twice', async () => {
    // Arrange
    const entries = planEntries(40);
    const store = new DynamoDbForwardingStateStore(table.documentClient, table.tableName);
    const { clock, carrier, original, input } = await afterFailover(entries, store);
    const crash = new CrashSwitch();
    let restoringClaims = 0;
    const dyingStore = crashableStore(
      store,
      crash,
      (changes) => changes.status === 'restoring' && ++restoringClaims === 30,
    );

    // Act
    await expect(
      restoreNumbers(input({ store: dyingStore, carriers: { telnyx: crashableCarrier(carrier, crash) } })),
    ).rejects.toThrow(SimulatedCrash);
    clock.advance(DEFAULT_CLAIM_LEASE_MS + 1);
    const resumed = await restoreNumbers(input({ runId: 'failback-2' }));

    // Assert
    expect(resumed).toMatchObject({ restored: 40, pending: 0 });
    expect(resumed.alreadyRestored).toBeGreaterThan(0);
    for (const { number } of entries) {
      expect(carrier.routingOf(number)).toEqual(original.get(number));
      expect(carrier.acceptedWrites(number, 'restore')).toBe(1);
    }
  });
});

describe('restoreNumbers (in memory)', () => {
  it('marks a number restored after a timeout that was applied, without a second write', async () => {
    const entries = planEntries(1);
    const store = new InMemoryForwardingStateStore();
    const { carrier, original, input } = await afterFailover(entries, store);
    carrier.scriptFaults(entries[0].number, 'restore', ['timeout-after-apply']);

    const summary = await restoreNumbers(input());

    expect(summary.restored).toBe(1);
    expect(carrier.acceptedWrites(entries[0].number, 'restore')).toBe(1);
    expect(carrier.routingOf(entries[0].number)).toEqual(original.get(entries[0].number));
  });

  it('skips numbers with nothing to restore, and fails for good refusals with the reason', async () => {
    // Arrange: one number was already forwarded before the outage (no snapshot), one is locked.
    const entries = planEntries(3);
    const store = new InMemoryForwardingStateStore();
    const { clock, carrier, input } = await afterFailover(entries.slice(0, 2), store);
    carrier.addNumbers([entries[2].number], { forwardsTo: BACKUP, mode: 'always' });
    await forwardNumbers({
      incidentId: INCIDENT,
      runId: 'failover-2',
      entries: [entries[2]],
      carriers: { telnyx: carrier },
      store,
      clock,
      random: seededRandom(4),
      limits,
    });
    carrier.scriptFaults(entries[1].number, 'restore', ['permanent']);

    // Act
    const summary = await restoreNumbers(input({ numbers: [...numbersOf(entries), '+19995550000'] }));

    // Assert
    expect(summary.restored).toBe(1);
    expect(summary.failed).toEqual([{ number: entries[1].number, reason: expect.stringContaining('422') }]);
    expect(summary.skipped).toEqual([
      { number: entries[2].number, reason: expect.stringContaining('no snapshot was saved') },
      { number: '+19995550000', reason: `not part of incident ${INCIDENT}` },
    ]);
    expect((await store.get(INCIDENT, entries[1].number))?.status).toBe('restore-failed');
  });

  it('retries a restore-failed number on the next wave run, reading back first', async () => {
    const entries = planEntries(1);
    const store = new InMemoryForwardingStateStore();
    const { carrier, input } = await afterFailover(entries, store);
    carrier.scriptFaults(entries[0].number, 'restore', ['permanent']);
    await restoreNumbers(input());

    const retried = await restoreNumbers(input({ runId: 'failback-2' }));

    expect(retried).toMatchObject({ restored: 1, failed: [] });
    expect(carrier.calls.slice(-2).map((call) => call.operation)).toEqual(['read', 'restore']);
  });
});
