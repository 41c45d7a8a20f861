import { seededRandom } from '../../../lambdas/adapters/local/seeded-random';
import {
  countByDestination,
  enginePathOf,
  planCarrierRequests,
  writesDestinationAlone,
} from '../../../lambdas/domain/forwarding/request-plan';
import { InMemoryCarrier } from './in-memory-carrier';

/** A bulk carrier whose call sets one destination a job, as Telnyx's update jobs do. */
function oneDestinationAJob(): InMemoryCarrier {
  const carrier = new InMemoryCarrier({ random: seededRandom(1), bulkLimit: 1000 });
  return Object.assign(carrier, { bulkCallPerDestination: true, requestsPerBulkCall: 2 });
}

const distinct = (numbers: number) => Array.from({ length: numbers }, () => 1);

describe('enginePathOf', () => {
  it('takes the per-number path for a one-destination-a-job carrier when every destination is distinct', () => {
    const path = enginePathOf(oneDestinationAJob(), 25_000, {
      perNumber: false,
      destinations: distinct(25_000),
    });

    expect(path).toBe('per-number');
  });

  it('takes the per-number path when every destination takes two numbers (a job saves nothing)', () => {
    const path = enginePathOf(oneDestinationAJob(), 1_000, {
      perNumber: false,
      destinations: Array.from({ length: 500 }, () => 2),
    });

    expect(path).toBe('per-number');
  });

  it('keeps the bulk path when some destinations are shared enough for jobs to save requests', () => {
    const path = enginePathOf(oneDestinationAJob(), 2_000, {
      perNumber: false,
      destinations: [1_000, ...distinct(1_000)],
    });

    expect(path).toBe('bulk');
  });

  it('keeps the bulk path for a carrier whose bulk call carries many destinations', () => {
    const carrier = new InMemoryCarrier({ random: seededRandom(1), bulkLimit: 1000 });

    const path = enginePathOf(carrier, 25_000, { perNumber: false, destinations: distinct(25_000) });

    expect(path).toBe('bulk');
  });
});

describe('planCarrierRequests', () => {
  it('estimates distinct destinations as the engine writes them: one forward a number after the pages', () => {
    const plan = planCarrierRequests({
      carrier: oneDestinationAJob(),
      numbers: 25_000,
      pages: 100,
      singleReads: 0,
      destinations: distinct(25_000),
      perNumber: false,
      rateLimitPerSecond: 10,
    });

    expect(plan).toMatchObject({ path: 'per-number', writeCalls: 25_000, requests: 25_100 });
    expect(plan.estimatedMs).toBe(2_510_000);
  });
});

describe('writesDestinationAlone', () => {
  it('writes alone the numbers of a destination a job would not save a request on', () => {
    const carrier = oneDestinationAJob();

    expect([1, 2, 3, 1_000].map((count) => writesDestinationAlone(carrier, count))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('never writes alone for a carrier whose bulk call carries many destinations', () => {
    const carrier = new InMemoryCarrier({ random: seededRandom(1), bulkLimit: 1000 });

    expect(writesDestinationAlone(carrier, 1)).toBe(false);
  });
});

describe('countByDestination', () => {
  it('counts the numbers each destination takes', () => {
    expect(countByDestination(['+1', '+2', '+1'])).toEqual(
      new Map([
        ['+1', 2],
        ['+2', 1],
      ]),
    );
  });
});
