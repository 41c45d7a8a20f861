/**
 * Which numbers a Bandwidth SIP peer's route plan carries: those on the peer without settings of
 * their own that take precedence (a CallForward, or a TN origination route plan).
 *
 * Precedence is a docs gap: the spec does not state it, so this follows what a TN-level setting
 * means (it is set on the TN to differ from its SIP peer): CallForward first, then the TN's route
 * plan, then the SIP peer's.
 */
import type { IgnoredNumber, RouteCall } from '../../ports/carrier-routes';
import type { BandwidthApi } from './bandwidth-api';
import { describePlan } from './bandwidth-route-plan';
import { listSipPeerTns, retrieveTnDetails } from './bandwidth-tns';

const NANP_E164 = /^\+1([2-9]\d{2}[2-9]\d{6})$/;

/** How the coverage is read. */
export interface CoverageOptions {
  /** TNs a ReadSipPeerTns page asks for. */
  readonly pageSize: number;
  /** Whether each number on the peer is looked up (RetrieveTnDetails) for a route plan of its own. */
  readonly checkNumberRoutePlans: boolean;
}

/** The numbers of `numbers` the SIP peer's route plan does not carry, each with why. */
export async function numbersNotCarried(
  api: BandwidthApi,
  at: { siteId: string; sipPeerId: string },
  numbers: readonly string[],
  call: RouteCall,
  options: CoverageOptions,
): Promise<IgnoredNumber[]> {
  if (numbers.length === 0) {
    return [];
  }
  const onPeer = new Map(
    (await listSipPeerTns(api, at.siteId, at.sipPeerId, options.pageSize, call)).map((entry) => [
      entry.tn,
      entry.callForward,
    ]),
  );
  const ignored: IgnoredNumber[] = [];
  for (const number of numbers) {
    const tn = NANP_E164.exec(number)?.[1];
    if (tn === undefined) {
      ignored.push({ number, reason: 'not a North American number: Bandwidth TNs are 10 digits' });
      continue;
    }
    if (!onPeer.has(tn)) {
      ignored.push({
        number,
        reason: `not on SIP peer ${at.sipPeerId} of site ${at.siteId}: Bandwidth routes a TN by the SIP peer it is on`,
      });
      continue;
    }
    const callForward = onPeer.get(tn);
    if (callForward) {
      ignored.push({
        number,
        reason: `has CallForward to ${callForward}: Bandwidth forwards it whatever the SIP peer's route plan`,
      });
      continue;
    }
    if (options.checkNumberRoutePlans) {
      const details = await call(() => retrieveTnDetails(api, number, tn));
      if (details.routePlan !== null) {
        ignored.push({
          number,
          reason: `has its own origination route plan (${describePlan(details.routePlan)}): it overrides the SIP peer's`,
        });
      }
    }
  }
  return ignored;
}
