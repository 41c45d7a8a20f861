import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import { msPerNumber, orderRowsByNeed } from '../../../lambdas/domain/forwarding/row-order';
import { InMemoryCarrier } from './in-memory-carrier';
import { planEntries } from './plan-fixtures';

describe('orderRowsByNeed', () => {
  it('puts first the rows of the carrier that will want them first, each carrier in plan order', () => {
    // Arrange: the slow carrier's numbers come first in the plan.
    const slow = planEntries(3, 'twilio', 14155550000);
    const fast = planEntries(3, 'telnyx', 14155560000);
    const pace = { twilio: 100, telnyx: 1 };

    // Act
    const ordered = orderRowsByNeed([...slow, ...fast], (carrier) => pace[carrier as 'twilio' | 'telnyx']);

    // Assert: twilio's first number is wanted at once, its second only after 100 ms.
    expect(ordered.map((entry) => entry.number)).toEqual([
      slow[0].number,
      fast[0].number,
      fast[1].number,
      fast[2].number,
      slow[1].number,
      slow[2].number,
    ]);
  });

  it('keeps the plan order when every carrier goes at the same pace', () => {
    const entries = [...planEntries(2, 'twilio', 14155550000), ...planEntries(2, 'telnyx', 14155560000)];

    const ordered = orderRowsByNeed(entries, () => 5);

    expect(ordered.map((entry) => entry.number)).toEqual([
      entries[0].number,
      entries[2].number,
      entries[1].number,
      entries[3].number,
    ]);
  });
});

describe('msPerNumber', () => {
  it('spreads a bulk path’s few requests over its numbers, and gives a per-number path a request each', () => {
    const carrier = new InMemoryCarrier({ random: seededRandom(1), bulkLimit: 1000 });
    const pace = { carrier, numbers: 10_000, destinations: [10_000], rateLimitPerSecond: 10 };

    const bulk = msPerNumber({ ...pace, path: 'bulk' });
    const single = msPerNumber({ ...pace, path: 'per-number' });

    // Without routing pages every number is read first: a read and 10 jobs of two requests.
    expect(bulk).toBeCloseTo(((10_000 + 20) / 10 / 10_000) * 1000);
    expect(single).toBeCloseTo(((10_000 + 10_000) / 10 / 10_000) * 1000);
  });

  it('is 0 for a carrier that is not configured (its numbers fail without a request)', () => {
    expect(
      msPerNumber({
        carrier: undefined,
        path: 'per-number',
        numbers: 5,
        destinations: [5],
        rateLimitPerSecond: 1,
      }),
    ).toBe(0);
  });
});
