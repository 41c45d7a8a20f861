/**
 * A Twilio Elastic SIP trunk as the route operations read it (origination URLs and the disaster
 * recovery URL), and what the read says: which URL is the route's backup, which are its primaries,
 * whether the native failover is in place. Pure: no requests here.
 */
import { CarrierError } from '../../contracts/errors';
import type { IgnoredNumber, RouteReadBack, SiteRoute } from '../../ports/carrier-routes';
import type { OriginationUrl, TwilioRecord } from './twilio-api';
import type { TwilioDialTwiml } from './twilio-dial-twiml';

/** The highest origination URL priority the spec's field description allows. */
export const MAX_ORIGINATION_PRIORITY = 65535;

/** What one read of a trunk returned. */
export interface TrunkView {
  trunkSid: string;
  urls: OriginationUrl[];
  disasterRecoveryUrl: string | null;
  disasterRecoveryMethod: string | null;
}

/** The trunk's URLs split into the route's backup (the one for `backupSipUri`) and the rest. */
export interface TrunkRoles {
  backup?: OriginationUrl;
  primaries: OriginationUrl[];
  /** Highest priority value of the primaries (the backup must be above it); undefined with none. */
  worstPrimaryPriority?: number;
  /** Lowest priority value of the primaries: the group Twilio prefers. */
  preferredPriority?: number;
}

/** The trunk SID of a Twilio route (`ids.trunkSid`), or a non-retryable error saying it is missing. */
export function trunkSidOf(route: SiteRoute): string {
  const trunkSid = route.ids.trunkSid;
  if (!trunkSid) {
    throw new CarrierError(
      'twilio',
      `site ${route.siteId} has no trunkSid under sites[].failover.twilio; add the Elastic SIP trunk's SID (TK...)`,
      { retryable: false },
    );
  }
  return trunkSid;
}

/** Builds the view from ListOriginationUrl and FetchTrunk answers. */
export function trunkView(trunkSid: string, urls: OriginationUrl[], trunk: TwilioRecord): TrunkView {
  const text = (name: string) =>
    typeof trunk[name] === 'string' && trunk[name] !== '' ? (trunk[name] as string) : null;
  return {
    trunkSid,
    urls,
    disasterRecoveryUrl: text('disaster_recovery_url'),
    disasterRecoveryMethod: text('disaster_recovery_method'),
  };
}

/** Whether an origination URL's SipUrl is `sipUri` (scheme and host are case-insensitive). */
export function isSipUrl(url: OriginationUrl, sipUri: string): boolean {
  return url.sipUrl.trim().toLowerCase() === sipUri.trim().toLowerCase();
}

/** Splits the trunk's URLs into the route's backup and its primaries. */
export function trunkRoles(urls: readonly OriginationUrl[], route: SiteRoute): TrunkRoles {
  const backups = urls.filter((url) => isSipUrl(url, route.backupSipUri));
  // With duplicates, the enabled one with the highest priority value stands for the backup.
  const backup = [...backups].sort(
    (a, b) => Number(b.enabled) - Number(a.enabled) || b.priority - a.priority,
  )[0];
  const primaries = urls.filter((url) => !isSipUrl(url, route.backupSipUri));
  const priorities = primaries.map((url) => url.priority);
  return {
    backup,
    primaries,
    worstPrimaryPriority: priorities.length > 0 ? Math.max(...priorities) : undefined,
    preferredPriority: priorities.length > 0 ? Math.min(...priorities) : undefined,
  };
}

/** True when the backup URL is enabled and below every primary in preference. */
export function backupInPlace(roles: TrunkRoles): boolean {
  return (
    !!roles.backup?.enabled &&
    (roles.worstPrimaryPriority === undefined || roles.backup.priority > roles.worstPrimaryPriority)
  );
}

/** What the read-back says about the route, one line each, and whether it is armed. */
export function readBackOf(
  route: SiteRoute,
  view: TrunkView,
  dial: TwilioDialTwiml,
  numbers: { asked: number; ignored: IgnoredNumber[] },
): RouteReadBack {
  const roles = trunkRoles(view.urls, route);
  const details = [...view.urls]
    .sort((a, b) => a.priority - b.priority)
    .map((url) => {
      const role =
        url === roles.backup ? 'backup' : isSipUrl(url, route.backupSipUri) ? 'duplicate backup' : 'primary';
      return `trunk ${view.trunkSid}: origination URL ${url.sid} ${url.sipUrl} priority ${url.priority} weight ${url.weight} ${url.enabled ? 'enabled' : 'disabled'} (${role})`;
    });
  const recoveryTarget = dial.targetOf(view.disasterRecoveryUrl);
  details.push(
    view.disasterRecoveryUrl
      ? `trunk ${view.trunkSid}: DisasterRecoveryUrl ${view.disasterRecoveryMethod ?? 'POST'} ${view.disasterRecoveryUrl}${recoveryTarget ? ` (dials ${recoveryTarget})` : ' (not a dial URL of this adapter)'}`
      : `trunk ${view.trunkSid}: no DisasterRecoveryUrl`,
  );
  details.push(
    `trunk ${view.trunkSid}: ${numbers.asked - numbers.ignored.length} of ${numbers.asked} numbers on the trunk`,
  );
  const backupReady = backupInPlace(roles);
  const recoveryReady = recoveryTarget === route.backupSipUri;
  if (!backupReady) {
    details.push(
      `trunk ${view.trunkSid}: no enabled origination URL for ${route.backupSipUri} with a priority value above every primary`,
    );
  }
  return {
    armed: route.mode === 'switch' ? backupReady : backupReady && recoveryReady,
    details,
    ignored: numbers.ignored,
  };
}
