import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import { type ArmFallbacksInput, armFallbacks } from '../../../lambdas/domain/forwarding/pre-arm';
import { FakeClock } from './fake-clock';
import { InMemoryCarrier, type InMemoryCarrierOptions } from './in-memory-carrier';
import { BACKUP, numbersOf, planEntries } from './plan-fixtures';
import { expectWithinRate } from './rate-assertions';

function setUp(entries: PlanEntry[], carrierOptions: Omit<InMemoryCarrierOptions, 'clock'> = {}) {
  const clock = new FakeClock();
  const carrier = new InMemoryCarrier({ random: seededRandom(21), ...carrierOptions, clock });
  carrier.addNumbers(numbersOf(entries));
  const input = (overrides: Partial<ArmFallbacksInput> = {}): ArmFallbacksInput => ({
    entries,
    carriers: { telnyx: carrier },
    clock,
    random: seededRandom(5),
    limits: { telnyx: { rateLimitPerSecond: 20, maxConcurrency: 4 } },
    retry: { baseDelayMs: 50, maxAttemptsPerNumber: 10 },
    ...overrides,
  });
  return { clock, carrier, input };
}

describe('armFallbacks', () => {
  it('arms every number on failure to its destination, skipping those already armed correctly', async () => {
    // Arrange
    const entries = planEntries(10);
    const { carrier, input } = setUp(entries);
    carrier.addNumbers(numbersOf(entries).slice(0, 4), { forwardsTo: BACKUP, mode: 'on-failure' });
    carrier.addNumbers([entries[4].number], { forwardsTo: '+13125550000', mode: 'on-failure' });

    // Act
    const summary = await armFallbacks(input());

    // Assert
    expect(summary).toMatchObject({ armed: 6, alreadyArmed: 4, skipped: 0, failed: 0, pending: 0 });
    expect(summary.results[4]).toMatchObject({
      outcome: 'armed',
      reason: 'was forwarding on failure to +13125550000',
    });
    for (const { number } of entries.slice(0, 4))
      expect(carrier.writes.filter((w) => w.number === number)).toEqual([]);
    for (const { number } of entries) {
      expect(carrier.routingOf(number)).toMatchObject({ forwardsTo: BACKUP, mode: 'on-failure' });
    }
  });

  it('leaves alone a number that forwards every call now (an incident may be open)', async () => {
    const entries = planEntries(2);
    const { carrier, input } = setUp(entries);
    carrier.addNumbers([entries[0].number], { forwardsTo: BACKUP, mode: 'always' });

    const summary = await armFallbacks(input());

    expect(summary.results[0]).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('is an incident open'),
    });
    expect(carrier.routingOf(entries[0].number).mode).toBe('always');
  });

  it('arms through 30 % faults, reading back after uncertain outcomes, within the rate limit', async () => {
    // Arrange
    const entries = planEntries(60);
    const { carrier, input } = setUp(entries, {
      faultRate: 0.3,
      faultKinds: ['rate-limited', 'server-error', 'timeout-after-apply', 'reset'],
      latencyMs: 50,
    });

    // Act
    const summary = await armFallbacks(input());

    // Assert
    expect(summary).toMatchObject({ armed: 60, failed: 0 });
    expect(summary.retries).toBeGreaterThan(0);
    for (const { number } of entries) expect(carrier.acceptedWrites(number)).toBe(1);
    expectWithinRate(
      carrier.calls.map((call) => call.at),
      20,
      20,
    );
  });

  it('skips, with the reason, numbers whose carrier has no forwarding on failure, and writes nothing', async () => {
    const entries = planEntries(3);
    const { carrier, input } = setUp(entries, { forwardModes: ['always'] });

    const summary = await armFallbacks(input());

    expect(summary).toMatchObject({ armed: 0, skipped: 3, failed: 0 });
    expect(summary.results[0].reason).toBe(
      'telnyx has no forwarding on failure; this number is forwarded only during an incident',
    );
    expect(entries.every((entry) => carrier.acceptedWrites(entry.number) === 0)).toBe(true);
  });
});
