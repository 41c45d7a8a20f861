import { previewFailover } from '../../../lambdas/domain/practice/preview-failover';
import { FakeClock } from '../forwarding/fake-clock';
import { InMemoryCarrier } from '../forwarding/in-memory-carrier';
import { BACKUP, numbersOf, planEntries } from '../forwarding/plan-fixtures';

describe('previewFailover', () => {
  it('reads every number, writes none, and says what a failover would do to each', async () => {
    const clock = new FakeClock();
    const telnyx = new InMemoryCarrier({ name: 'telnyx', clock });
    const entries = planEntries(4, 'telnyx');
    telnyx.addNumbers(numbersOf(entries).slice(0, 2));
    telnyx.addNumbers([entries[2].number], { forwardsTo: BACKUP, mode: 'always' });
    telnyx.addNumbers([entries[3].number], { forwardsTo: '+13125550000', mode: 'always' });

    const preview = await previewFailover({
      entries,
      carriers: { telnyx },
      clock,
      random: () => 0.5,
      limits: {},
    });

    expect(telnyx.writes).toEqual([]);
    expect(
      preview.numbers.map((number) => [number.number, number.from, number.action, number.reason]),
    ).toEqual([
      [entries[0].number, 'not forwarded', 'forward', undefined],
      [entries[1].number, 'not forwarded', 'forward', undefined],
      [entries[2].number, `forwarding every call to ${BACKUP}`, 'skip', `already forwarded to ${BACKUP}`],
      [
        entries[3].number,
        'forwarding every call to +13125550000',
        'forward',
        'already forwarding elsewhere: that setting would be saved as the one failback restores',
      ],
    ]);
    expect(preview).toMatchObject({ toForward: 3, skipped: 1, problems: [] });
  });

  it('skips numbers of a carrier that cannot forward every call, and lists numbers it cannot read', async () => {
    const clock = new FakeClock();
    const fallbackOnly = new InMemoryCarrier({ name: 'twilio', clock, forwardModes: ['on-failure'] });
    const entries = [...planEntries(1, 'twilio'), ...planEntries(1, 'bandwidth', 14155551000)];
    fallbackOnly.addNumbers(numbersOf(entries).slice(0, 1));

    const preview = await previewFailover({
      entries,
      carriers: { twilio: fallbackOnly },
      unavailable: { bandwidth: 'bandwidth: environment variable BANDWIDTH_PASSWORD is not set' },
      clock,
      random: () => 0.5,
      limits: {},
    });

    expect(preview.numbers.map((number) => [number.action, number.reason])).toEqual([
      ['skip', 'twilio cannot forward every call (it offers on-failure)'],
      ['problem', 'bandwidth: environment variable BANDWIDTH_PASSWORD is not set'],
    ]);
    expect(preview.problems).toEqual([
      '+14155551000 (bandwidth): bandwidth: environment variable BANDWIDTH_PASSWORD is not set',
    ]);
  });

  it('estimates from the engine’s request plan: a read a number without pages, one bulk job (create + poll) from 20 numbers on', async () => {
    const clock = new FakeClock();
    const telnyx = new InMemoryCarrier({ name: 'telnyx', clock, bulkLimit: 1000 });
    const twilio = new InMemoryCarrier({ name: 'twilio', clock });
    const entries = [...planEntries(25, 'telnyx'), ...planEntries(5, 'twilio', 14155552000)];
    telnyx.addNumbers(numbersOf(entries).slice(0, 25));
    twilio.addNumbers(numbersOf(entries).slice(25));

    const preview = await previewFailover({
      entries,
      carriers: { telnyx, twilio },
      clock,
      random: () => 0.5,
      limits: { telnyx: { rateLimitPerSecond: 10 }, twilio: { rateLimitPerSecond: 2 } },
    });

    const common = { carriedByRoute: 0, pages: 0 };
    expect(preview.byCarrier).toEqual([
      {
        ...common,
        carrier: 'telnyx',
        mode: 'bulk',
        numbers: 25,
        singleReads: 25,
        writeCalls: 1,
        requests: 27,
        rateLimitPerSecond: 10,
        estimatedMs: 2700,
      },
      {
        ...common,
        carrier: 'twilio',
        mode: 'per-number',
        numbers: 5,
        singleReads: 5,
        writeCalls: 5,
        requests: 10,
        rateLimitPerSecond: 2,
        estimatedMs: 5000,
      },
    ]);
    expect(preview.estimatedMs).toBe(5000);
  });

  it('reports a destination the carrier would refuse, with the current routing still read', async () => {
    const clock = new FakeClock();
    const telnyx = new InMemoryCarrier({ name: 'telnyx', clock });
    const [entry] = planEntries(1, 'telnyx');
    telnyx.addNumbers([entry.number]);

    const preview = await previewFailover({
      entries: [{ ...entry, forwardTo: 'sip:dr@sbc.example.net' }],
      carriers: { telnyx },
      validate: (carrier, request) =>
        request.destination.startsWith('sip:') ? `${carrier}: takes an E.164 number` : undefined,
      clock,
      random: () => 0.5,
      limits: {},
    });

    expect(preview.numbers[0]).toMatchObject({
      from: 'not forwarded',
      action: 'problem',
      reason: 'telnyx: takes an E.164 number',
    });
    expect(preview.byCarrier).toEqual([]);
  });
});
