/** Which numbers failback works on, and which of them count as brought home. */
import type { NumberState, NumberStatus } from '../../ports/forwarding-state';

/** Numbers that took part in forwarding, and so take part in failback. */
const FAILBACK_STATUSES: readonly NumberStatus[] = ['forwarded', 'restoring', 'restored', 'restore-failed'];

/**
 * A number the failover gave up on after writing to it: a write of unknown outcome, or a change
 * that landed in part (a Twilio trunk number whose VoiceUrl was set but that is still on its trunk),
 * may have left it other than it was. Failback puts its saved routing back too, so nothing is left
 * half-applied; it is not counted among the numbers brought home, as it never left.
 */
function touchedButFailed(state: NumberState): boolean {
  return state.status === 'failed' && state.attempts > 0 && state.snapshot !== undefined;
}

/** A number failback brought home: restored, and forwarded before that (not only cleaned up). */
export function broughtHome(state: NumberState): boolean {
  return state.status === 'restored' && state.forwardedAt !== undefined;
}

/** The numbers failback restores: those that took part in forwarding, and those touched but given up on. */
export function takesPartInFailback(state: NumberState): boolean {
  return FAILBACK_STATUSES.includes(state.status) || touchedButFailed(state);
}
