/**
 * "Where would a call to this number go right now?": each carrier fake answers it from its modelled
 * routing (the number's forwarding, its trunk, connection or SIP peer, their priorities and the
 * carrier's own failover when a target does not answer), so the drill and the tests measure when
 * callers reach the backup, not only when a write was accepted.
 */

/** Whether a SIP target (`sip:host:port`) or a forward-to number (E.164) answers calls now. */
export type TargetIsUp = (target: string) => boolean;

/** The path a call takes at the carrier. */
export interface CallPath {
  /** The target that takes the call (a SIP URI or an E.164 number), or null when none does. */
  reached: string | null;
  /** Each target tried, in order, with why it was tried (for a test's failure message). */
  tried: { target: string; via: string; up: boolean }[];
}

/** A carrier fake that routes calls. */
export interface RoutesCalls {
  routeCall(number: string, isUp: TargetIsUp): CallPath;
}
