import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import { auditRouting, describeDrift } from '../../../lambdas/domain/forwarding/drift-audit';
import { FakeClock } from './fake-clock';
import { InMemoryCarrier } from './in-memory-carrier';
import { BACKUP, numbersOf, planEntries } from './plan-fixtures';
import { expectWithinRate } from './rate-assertions';

const ELSEWHERE = '+13125550000';

describe('auditRouting', () => {
  it('reports every number that is not armed as planned, with a reason each', async () => {
    // Arrange
    const clock = new FakeClock();
    const entries = planEntries(6);
    const carrier = new InMemoryCarrier({
      clock,
      random: seededRandom(3),
      faultRate: 0.2,
      readFaultRate: 0.2,
    });
    const [armed, unarmed, elsewhere, always, , missing] = numbersOf(entries);
    carrier.addNumbers(numbersOf(entries).slice(0, 5), { forwardsTo: BACKUP, mode: 'on-failure' });
    carrier.addNumbers([unarmed]);
    carrier.addNumbers([elsewhere], { forwardsTo: ELSEWHERE, mode: 'on-failure' });
    carrier.addNumbers([always], { forwardsTo: BACKUP, mode: 'always' });

    // Act
    const report = await auditRouting({
      entries,
      carriers: { telnyx: carrier },
      expect: 'armed',
      clock,
      random: seededRandom(1),
      limits: { telnyx: { rateLimitPerSecond: 5, maxConcurrency: 2 } },
      retry: { baseDelayMs: 50, maxAttemptsPerNumber: 8 },
    });

    // Assert
    expect(report.checked).toBe(5);
    expect(report.drifted).toEqual([
      {
        number: unarmed,
        carrier: 'telnyx',
        actual: { forwardsTo: null, mode: null },
        reason: `not armed: no fallback on failure (expected forwarding on failure to ${BACKUP})`,
      },
      {
        number: elsewhere,
        carrier: 'telnyx',
        actual: { forwardsTo: ELSEWHERE, mode: 'on-failure' },
        reason: `fallback on failure goes to ${ELSEWHERE}, the plan says ${BACKUP}`,
      },
      {
        number: always,
        carrier: 'telnyx',
        actual: { forwardsTo: BACKUP, mode: 'always' },
        reason: `forwarding every call to ${BACKUP} while no incident is open (expected forwarding on failure to ${BACKUP})`,
      },
    ]);
    expect(report.unreadable).toEqual([{ number: missing, reason: expect.stringContaining('404') }]);
    expect(report.drifted.map((d) => d.number)).not.toContain(armed);
  });

  it('keeps its reads within the carrier’s rate', async () => {
    const clock = new FakeClock();
    const entries = planEntries(30);
    const carrier = new InMemoryCarrier({ clock });
    carrier.addNumbers(numbersOf(entries));

    await auditRouting({
      entries,
      carriers: { telnyx: carrier },
      expect: 'normal',
      clock,
      random: seededRandom(1),
      limits: { telnyx: { rateLimitPerSecond: 5, maxConcurrency: 10, burst: 1 } },
    });

    expectWithinRate(
      carrier.calls.map((call) => call.at),
      5,
      1,
    );
    expect(carrier.calls).toHaveLength(30);
  });
});

describe('describeDrift', () => {
  it.each([
    ['normal', { forwardsTo: null, mode: null }, undefined],
    ['normal', { forwardsTo: BACKUP, mode: 'on-failure' }, undefined],
    [
      'normal',
      { forwardsTo: ELSEWHERE, mode: 'always' },
      `forwarding every call to ${ELSEWHERE} while no incident is open`,
    ],
    ['armed', { forwardsTo: BACKUP, mode: 'on-failure' }, undefined],
    ['forwarded', { forwardsTo: BACKUP, mode: 'always' }, undefined],
    [
      'forwarded',
      { forwardsTo: ELSEWHERE, mode: 'always' },
      `forwarding every call to ${ELSEWHERE}, the plan says ${BACKUP}`,
    ],
    [
      'forwarded',
      { forwardsTo: BACKUP, mode: 'on-failure' },
      `forwarding on failure to ${BACKUP} during the incident (expected every call forwarded to ${BACKUP})`,
    ],
  ] as const)('expecting %s, %j drifts: %s', (expectation, routing, reason) => {
    expect(describeDrift(routing, { forwardTo: BACKUP }, expectation)).toBe(reason);
  });
});
