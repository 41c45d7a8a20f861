import { createCarrierDirectory } from '../../../lambdas/adapters/carriers/carrier-directory';
import { loadDeployment } from '../../../lib/config/load-config';
import { generatePlan } from '../../../lib/developer/drill/generated-plan';
import { type LocalCarriers, startLocalCarriers } from '../../../lib/developer/far-side/local-carriers';

const { config } = loadDeployment();
const plan = generatePlan(config, 8);
const [first, second] = plan.filter((entry) => entry.carrier === 'twilio');

describe('LocalCarriers write counts', () => {
  let carriers: LocalCarriers;

  beforeEach(async () => {
    carriers = await startLocalCarriers(config, plan);
  });

  afterEach(async () => {
    await carriers.stop();
  });

  async function forward(entry: (typeof plan)[number]): Promise<void> {
    const directory = await createCarrierDirectory(carriers.carriers, carriers.credentialSource);
    await directory.twilio!.forward({ number: entry.number, destination: entry.forwardTo, mode: 'always' });
  }

  it('keeps counting writes made after an earlier count was read', async () => {
    await forward(first);
    expect(carriers.writesTo(first.number)).toBe(1);
    expect(carriers.numbersChanged()).toBe(1);

    await forward(first);
    await forward(second);
    expect(carriers.writesTo(first.number)).toBe(2);
    expect(carriers.writesTo(second.number)).toBe(1);
    expect(carriers.writesTo(plan[0].number)).toBe(0);
    expect(carriers.numbersChanged()).toBe(2);
    expect(carriers.numbersChangedByCarrier()).toEqual({ telnyx: 0, twilio: 2, bandwidth: 0, webhook: 0 });
    const operations = carriers.requestCountByOperation();
    expect(operations.twilio.UpdateIncomingPhoneNumber).toBe(3);
    expect(Object.values(operations.twilio).reduce((sum, count) => sum + count, 0)).toBe(
      carriers.fakes.twilio!.requests.length,
    );
    expect(operations.telnyx).toEqual({});
  });

  it('hands out write counts as a copy that later writes leave alone', async () => {
    await forward(first);
    const counts = carriers.writeCounts();
    await forward(first);
    expect(counts.get(first.number)).toBe(1);
    expect(carriers.writeCounts().get(first.number)).toBe(2);
  });

  it('counts the same writes as each fake’s own request log', async () => {
    await forward(first);
    await forward(second);
    await forward(first);
    const twilio = carriers.fakes.twilio!;
    for (const entry of [first, second]) {
      expect(carriers.writesTo(entry.number)).toBe(twilio.writesTo(entry.number));
    }
  });
});
