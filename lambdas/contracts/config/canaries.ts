import { CARRIER_NAMES, type CarrierName } from './config-constants';
import type { Canary, CarriersConfig } from './schema';

/** The configured canaries, in carrier order. Plain code (no zod), so a Lambda may call it. */
export function canariesOf(carriers: CarriersConfig): { carrier: CarrierName; canary: Canary }[] {
  return CARRIER_NAMES.flatMap((carrier) => {
    const canary = carriers[carrier]?.canary;
    return canary ? [{ carrier, canary }] : [];
  });
}
