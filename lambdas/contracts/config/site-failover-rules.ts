import type * as z from 'zod';
import { CARRIER_NAMES, ROUTE_ID_FIELDS } from './config-constants';

/**
 * The rules of `sites[].failover` that span fields: a carrier in native or switch mode has its
 * route ids, the site's backupSipUri and a configured carrier; the site has a SIP endpoint or a
 * primarySipUri to name its own route target.
 */
export function checkSiteFailover(sites: readonly unknown[], carriers: unknown, ctx: z.RefinementCtx): void {
  const configured = (carriers ?? {}) as Record<string, unknown>;
  sites.forEach((raw, index) => {
    const site = raw as { failover?: Record<string, unknown>; sip?: unknown } | undefined;
    const failover = site?.failover;
    if (!failover || typeof failover !== 'object') return;
    const path = ['sites', index, 'failover'];
    let routed = false;
    for (const carrier of CARRIER_NAMES) {
      const settings = failover[carrier] as Record<string, unknown> | undefined;
      if (!settings || typeof settings !== 'object') continue;
      if (!configured[carrier]) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, carrier],
          message: `expected carriers.${carrier} to be configured, or remove this entry`,
        });
      }
      if (settings.mode !== 'native' && settings.mode !== 'switch') continue;
      routed = true;
      for (const field of ROUTE_ID_FIELDS[carrier][settings.mode]) {
        if (settings[field] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, carrier, field],
            message: `required for mode ${settings.mode}: add the carrier's ${field}`,
          });
        }
      }
    }
    if (!routed) return;
    checkSharedBackups(sites, index, failover, path, ctx);
    if (failover.backupSipUri === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'backupSipUri'],
        message: "required when a carrier is native or switch: add the backup site's SIP URI",
      });
    }
    if (failover.primarySipUri === undefined && !(Array.isArray(site?.sip) && site.sip.length > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'primarySipUri'],
        message: "required when the site has no sip endpoint: add the site's own SIP URI",
      });
    }
  });
}

/**
 * A Telnyx backup connection or a Bandwidth backup SIP peer serves one site: switching back moves
 * what is on it home to the site, which would drag another site's numbers along.
 */
function checkSharedBackups(
  sites: readonly unknown[],
  index: number,
  failover: Record<string, unknown>,
  path: (string | number)[],
  ctx: z.RefinementCtx,
): void {
  const backups: [string, string][] = [
    ['telnyx', 'backupConnectionId'],
    ['bandwidth', 'backupSipPeerId'],
  ];
  for (const [carrier, field] of backups) {
    const value = (failover[carrier] as Record<string, unknown> | undefined)?.[field];
    if (typeof value !== 'string') continue;
    const earlier = sites.slice(0, index).findIndex((other) => {
      const settings = (other as { failover?: Record<string, Record<string, unknown>> } | undefined)
        ?.failover?.[carrier];
      return settings?.[field] === value;
    });
    if (earlier >= 0) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, carrier, field],
        message: `is also sites[${earlier}]'s backup: give each site its own (switching back moves everything on it home)`,
      });
    }
  }
}
