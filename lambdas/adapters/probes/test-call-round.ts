/**
 * A site's test calls in one probe round: which are due (every `intervalSeconds`, counted in whole
 * probe intervals from the epoch, so every region places them in the same rounds), their digest
 * credentials, and each call turned into an observation. The call itself is sip-call-probe.ts.
 */
import { isCallDue } from '../../contracts/config/round-duration';
import type { TestCall } from '../../contracts/config/schema';
import { testCallEndpointId } from '../../contracts/endpoint-ids';
import type { Observation } from '../../ports/detection';
import { type CallCredentialSource, CallCredentialsError } from './call-credentials';
import type { ProbeRound } from './probe-site';
import { probeSipCall, type SipCallOptions } from './sip-call-probe';

/** How a round places test calls. */
export interface TestCallRoundOptions {
  /** The rounds' spacing (`detection.probeIntervalSeconds`): calls are due on multiples of their interval. */
  probeIntervalSeconds: number;
  /** Where digest credentials come from; a call with a `secretName` fails without one. */
  credentials?: CallCredentialSource;
  /** Transport settings passed to every call (TLS trust, retransmission timers). */
  call?: Omit<SipCallOptions, 'credentials'>;
  /** Place every call now, whatever its interval (the CLI's one-off round). */
  ignoreIntervals?: boolean;
}

/** Places every due call of the site at once. Never throws: a call that cannot run is a failed observation. */
export async function placeTestCalls(
  siteId: string,
  calls: readonly TestCall[],
  round: ProbeRound,
  options: TestCallRoundOptions,
): Promise<Observation[]> {
  const due = options.ignoreIntervals
    ? calls
    : calls.filter((call) => isCallDue(call, round.at, options.probeIntervalSeconds));
  return Promise.all(due.map((call) => placeOne(siteId, call, round, options)));
}

async function placeOne(
  siteId: string,
  call: TestCall,
  round: ProbeRound,
  options: TestCallRoundOptions,
): Promise<Observation> {
  const base = { siteId, region: round.region, at: round.at, endpoint: testCallEndpointId(call) };
  let credentials: SipCallOptions['credentials'];
  if (call.secretName !== undefined) {
    try {
      if (!options.credentials) throw new CallCredentialsError('no credential source in this run');
      credentials = await options.credentials.get(call.secretName);
    } catch (error) {
      const why = error instanceof CallCredentialsError ? error.message : 'the secret could not be read';
      return { ...base, ok: false, reason: `test call not placed: ${why}` };
    }
  }
  const result = await probeSipCall(call, { ...options.call, ...(credentials ? { credentials } : {}) });
  // A call's latency is its setup time (INVITE to the first answer), what CallSetupTime reports.
  return {
    ...base,
    ok: result.ok,
    ...(result.setupMs !== undefined ? { latencyMs: result.setupMs } : {}),
    reason: result.reason,
  };
}
