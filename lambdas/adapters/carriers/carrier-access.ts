/**
 * One carrier at a time, for the practice run: each carrier's credentials are read and its adapter
 * built only when asked, so one broken secret is reported as that carrier's problem instead of
 * hiding every other carrier (createCarrierDirectory stops at the first).
 */
import type { CarrierName, CarriersConfig } from '../../contracts/config/schema';
import { CarrierAuthError } from '../../contracts/errors';
import type { Carrier, ForwardRequest } from '../../ports/carriers';
import type { CarrierAccess } from '../../ports/practice';
import { forwardTarget, tenDigits } from './bandwidth';
import { type CarrierDirectoryOptions, createCarrierDirectory } from './carrier-directory';
import type { CredentialSource } from './credentials';
import { assertForwardable } from './telnyx-voice-settings';

/** Opens the configured carriers one by one, with credentials from `source`. */
export function createCarrierAccess(
  carriers: CarriersConfig,
  source: CredentialSource,
  options: CarrierDirectoryOptions = {},
): CarrierAccess {
  return {
    async open(name: CarrierName): Promise<Carrier> {
      const section = carriers[name];
      const directory = section ? await createCarrierDirectory({ [name]: section }, source, options) : {};
      const carrier = directory[name];
      if (!carrier) throw new CarrierAuthError(name, 'is not configured under carriers in the config');
      return carrier;
    },
  };
}

/** The checks each adapter makes before sending a forward (carriers not listed take any destination). */
const FORWARD_CHECKS: Partial<Record<CarrierName, (request: ForwardRequest) => void>> = {
  telnyx: assertForwardable,
  bandwidth: (request) => {
    tenDigits(request.number, 'forward');
    forwardTarget(request);
  },
};

/**
 * Why `carrier`'s adapter would refuse this forward without sending it (a destination it cannot
 * take), or undefined. The same code the adapter runs, so a dry run and a failover agree.
 */
export function forwardRequestProblem(carrier: CarrierName, request: ForwardRequest): string | undefined {
  try {
    FORWARD_CHECKS[carrier]?.(request);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
