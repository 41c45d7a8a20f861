import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createCarrierDirectory } from '../../../lambdas/adapters/carriers/carrier-directory';
import type { CarrierDirectory } from '../../../lambdas/ports/carriers';
import { loadDeployment } from '../../../lib/config/load-config';
import { generatePlan } from '../../../lib/developer/drill/generated-plan';
import { FarSide } from '../../../lib/developer/far-side/far-side';

const { config } = loadDeployment();
// Round-robin over the four carriers: the first number is Telnyx's, the second Twilio's.
const plan = generatePlan(config, 8);
const twilioEntry = plan.find((entry) => entry.carrier === 'twilio')!;

describe('FarSide (the drill’s table and carrier fakes in a worker thread)', () => {
  let farSide: FarSide;
  let carriers: CarrierDirectory;

  beforeAll(async () => {
    farSide = await FarSide.start({
      tableName: 'far-side-test',
      observationTableName: 'far-side-test-observations',
      config,
      plan,
      fakes: {},
    });
    carriers = await createCarrierDirectory(farSide.carriers, farSide.credentialSource);
  });

  afterAll(async () => {
    await farSide.stop();
  });

  it('serves the incident table to a client on this thread', async () => {
    const key = { pk: 'TEST#far-side', sk: 'ITEM#1' };
    await farSide.table.documentClient.send(
      new PutCommand({ TableName: farSide.table.tableName, Item: { ...key, value: 42 } }),
    );
    const { Item } = await farSide.table.documentClient.send(
      new GetCommand({ TableName: farSide.table.tableName, Key: key, ConsistentRead: true }),
    );
    expect(Item?.value).toBe(42);
  });

  it('points every configured carrier at a fake on loopback', () => {
    expect(Object.keys(farSide.carriers).sort()).toEqual(Object.keys(config.carriers).sort());
    for (const carrier of Object.values(farSide.carriers)) {
      expect(carrier?.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    }
  });

  it('counts the writes the fakes accepted, per number and per carrier, as they happen', async () => {
    const before = await farSide.tally();
    expect(before.writeCounts.size).toBe(0);

    const twilio = carriers.twilio!;
    await twilio.forward({ number: twilioEntry.number, destination: twilioEntry.forwardTo, mode: 'always' });
    expect(await farSide.progress()).toEqual({
      numbersChanged: 1,
      byCarrier: { telnyx: 0, twilio: 1, bandwidth: 0, webhook: 0 },
    });
    await twilio.forward({ number: twilioEntry.number, destination: twilioEntry.forwardTo, mode: 'always' });

    const after = await farSide.tally();
    expect([...after.writeCounts]).toEqual([[twilioEntry.number, 2]]);
    expect(after.requests).toBeGreaterThan(before.requests);
    expect(after.violations).toBe(0);
    expect(Object.keys(after.requestsByOperation.telnyx)).toEqual([]);
    const twilioOperations = after.requestsByOperation.twilio;
    expect(twilioOperations.UpdateIncomingPhoneNumber).toBe(2);
    expect(Object.values(twilioOperations).reduce((sum, count) => sum + count, 0)).toBe(after.requests);
    const writes = await farSide.writesOf([twilioEntry.number, plan[0].number]);
    // The number is on the site's trunk (its route): the first forward takes it off (DELETE), and the
    // voice URL it set counts only once the trunk no longer answers the number.
    expect(writes[twilioEntry.number].map((write) => [write.carrier, write.method, write.status])).toEqual([
      ['twilio', 'DELETE', 204],
      ['twilio', 'POST', 200],
    ]);
    expect(writes[plan[0].number]).toEqual([]);
  });

  it('fails to start with the reason the worker met, and leaves no worker behind', async () => {
    // DynamoDB table names have at least 3 characters: dynalite refuses to create this one.
    await expect(
      FarSide.start({
        tableName: 'x',
        observationTableName: 'far-side-observations',
        config,
        plan,
        fakes: {},
      }),
    ).rejects.toThrow(/far-side worker did not start: .*TableName/s);
  });
});
