import {
  createCarrierAccess,
  forwardRequestProblem,
} from '../../../lambdas/adapters/carriers/carrier-access';
import { EnvironmentCredentialSource } from '../../../lambdas/adapters/carriers/credentials';
import { CarrierAuthError } from '../../../lambdas/contracts/errors';
import { loadDeployment } from '../../../lib/config/load-config';

describe('createCarrierAccess', () => {
  const { config } = loadDeployment();

  it('opens one carrier at a time, so a missing credential is a problem of that carrier only', async () => {
    const access = createCarrierAccess(
      config.carriers,
      new EnvironmentCredentialSource({
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'token',
      }),
    );

    const twilio = await access.open('twilio');

    expect(twilio.name).toBe('twilio');
    await expect(access.open('telnyx')).rejects.toThrow(
      new CarrierAuthError(
        'telnyx',
        'environment variable TELNYX_API_KEY is not set (expected the Telnyx API v2 key); fix it and retry',
      ),
    );
  });

  it('refuses a carrier the config does not have', async () => {
    const access = createCarrierAccess(
      { twilio: config.carriers.twilio },
      new EnvironmentCredentialSource({}),
    );

    await expect(access.open('telnyx')).rejects.toThrow(
      'telnyx: is not configured under carriers in the config',
    );
  });
});

describe('forwardRequestProblem', () => {
  it.each([
    ['telnyx', '+12145550000', undefined],
    ['telnyx', 'sip:dr@sbc.example.net', /Telnyx call forwarding takes an E\.164 number/],
    ['bandwidth', '+12145550000', undefined],
    ['bandwidth', '+442071234567', /Bandwidth CallForward takes a North American number/],
    ['twilio', 'sip:dr@sbc.example.net', undefined],
    ['webhook', 'anything', undefined],
  ] as const)('%s to %s', (carrier, destination, expected) => {
    const problem = forwardRequestProblem(carrier, { number: '+16025550000', destination, mode: 'always' });

    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});
