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
import { knownAtPeer, listSipPeerTns, retrieveTnDetails, type TnDetails } from './bandwidth-tns';

const NANP_E164 = /^\+1([2-9]\d{2}[2-9]\d{6})$/;

/** How the coverage is read. */
export interface CoverageOptions {
  /** TNs a ReadSipPeerTns page asks for. */
  readonly pageSize: number;
  /** Whether each number on the peer is looked up (RetrieveTnDetails) for a route plan of its own. */
  readonly checkNumberRoutePlans: boolean;
  /**
   * The adapter's cache of what each TN's last read in this run found (one invocation, one CLI
   * command): a TN known at this SIP peer is not looked up again, and every lookup is learned, so
   * the routing baseline read next (arm, audit) takes these TNs' pages as complete.
   */
  readonly known: Map<string, TnDetails>;
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
  // One slot a number, so the reasons keep the numbers' order whatever order the lookups end in.
  const reasons: (IgnoredNumber | undefined)[] = [];
  const lookups: { index: number; number: string; tn: string }[] = [];
  numbers.forEach((number, index) => {
    const tn = NANP_E164.exec(number)?.[1];
    const callForward = tn === undefined ? undefined : onPeer.get(tn);
    if (tn === undefined) {
      reasons[index] = { number, reason: 'not a North American number: Bandwidth TNs are 10 digits' };
    } else if (!onPeer.has(tn)) {
      reasons[index] = {
        number,
        reason: `not on SIP peer ${at.sipPeerId} of site ${at.siteId}: Bandwidth routes a TN by the SIP peer it is on`,
      };
    } else if (callForward) {
      reasons[index] = {
        number,
        reason: `has CallForward to ${callForward}: Bandwidth forwards it whatever the SIP peer's route plan`,
      };
    } else if (options.checkNumberRoutePlans) {
      const learned = knownAtPeer(options.known, tn, at);
      if (learned) {
        if (learned.routePlan !== null) reasons[index] = ownRoutePlan(number, learned);
      } else {
        lookups.push({ index, number, tn });
      }
    }
  });
  // Every lookup handed to `call` at once (it paces them); a failure is thrown once all have
  // settled (what was read is learned), so none keeps running after the read-back has failed.
  const settled = await Promise.allSettled(
    lookups.map(({ number, tn }) => call(() => retrieveTnDetails(api, number, tn))),
  );
  let failure: { reason: unknown } | undefined;
  settled.forEach((result, at) => {
    if (result.status === 'rejected') {
      failure ??= { reason: result.reason };
      return;
    }
    const { index, number, tn } = lookups[at];
    options.known.set(tn, result.value);
    if (result.value.routePlan !== null) reasons[index] = ownRoutePlan(number, result.value);
  });
  if (failure) throw failure.reason;
  return reasons.filter((reason): reason is IgnoredNumber => reason !== undefined);
}

function ownRoutePlan(number: string, details: TnDetails): IgnoredNumber {
  return {
    number,
    reason: `has its own origination route plan (${describePlan(details.routePlan)}): it overrides the SIP peer's`,
  };
}
