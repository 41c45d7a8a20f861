/**
 * What the Telnyx route tests share (telnyx-routes.test.ts, telnyx-switch.test.ts,
 * telnyx-switch-listed.test.ts): a site whose connection routes to its SBC, a backup connection
 * routing to the backup's, the adapter pointed at the fake, and a RouteCall that counts.
 */
import { TelnyxCarrier, type TelnyxCarrierOptions } from '../../../lambdas/adapters/carriers/telnyx';
import type { RouteCall, SiteRoute } from '../../../lambdas/ports/carrier-routes';
import type { TargetIsUp } from '../../../lib/developer/carrier-fakes/call-routing';
import { TelnyxFake, type TelnyxFakeOptions } from '../../../lib/developer/carrier-fakes/telnyx-fake';

export const PRIMARY = 'sip:sbc1.phx.example.net:5060';
export const BACKUP = 'sip:sbc1.dal.example.net:5060';
export const SITE_CONNECTION = '2222222222';
export const BACKUP_CONNECTION = '3333333333';
/** The site's route at Telnyx, both connections named. */
export const ROUTE: SiteRoute = {
  siteId: 'phx',
  carrier: 'telnyx',
  mode: 'native',
  primarySipUri: PRIMARY,
  backupSipUri: BACKUP,
  ids: { connectionId: SITE_CONNECTION, backupConnectionId: BACKUP_CONNECTION },
};
export const SITE_NUMBERS = ['+14155550100', '+14155550101', '+14155550102'];
/** A number of the backup site, on the backup connection when seeded. */
export const BACKUP_OWN = '+12145550100';
export const VOICEMAIL = '+13035550000';

export const allUp: TargetIsUp = () => true;
export const siteDown: TargetIsUp = (target) => target !== PRIMARY;

/** A started fake with ROUTE seeded (SITE_NUMBERS on it), and BACKUP_OWN on the backup when asked. */
export async function startRouteFake(
  options: TelnyxFakeOptions & { backupOwnNumbers?: boolean } = {},
): Promise<TelnyxFake> {
  const fake = await new TelnyxFake(options).start();
  fake.seedSiteRoute(ROUTE, SITE_NUMBERS);
  if (options.backupOwnNumbers) {
    fake.seedNumbers([{ phoneNumber: BACKUP_OWN, connectionId: BACKUP_CONNECTION }]);
  }
  return fake;
}

/** An adapter of the fake that polls every 10 ms and does not wait. */
export function routeCarrier(fake: TelnyxFake, options: Partial<TelnyxCarrierOptions> = {}): TelnyxCarrier {
  return new TelnyxCarrier({
    apiKey: fake.apiKey,
    baseUrl: fake.baseUrl,
    pollIntervalMs: 10,
    sleep: async () => {},
    ...options,
  });
}

/** A RouteCall that runs each request at once and counts it. */
export function countingCall(): { call: RouteCall; calls: () => number } {
  let calls = 0;
  const call: RouteCall = (request) => {
    calls += 1;
    return request();
  };
  return { call, calls: () => calls };
}

/** The requests that were not reads. */
export const writesTo = (fake: TelnyxFake) => fake.requests.filter((entry) => entry.method !== 'GET');

/** The numbers' and both connections' state, to compare before and after. */
export const stateOf = (fake: TelnyxFake, numbers: readonly string[]) => ({
  numbers: numbers.map((number) => fake.routingOf(number)),
  site: fake.connectionOf(SITE_CONNECTION),
  backup: fake.connectionOf(BACKUP_CONNECTION),
});
