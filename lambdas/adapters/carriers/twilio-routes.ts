/**
 * Twilio's site routes: an Elastic SIP trunk (`ids.trunkSid`) whose numbers Twilio sends to the
 * trunk's origination URLs, "lowest number represents the most important URI", weight sharing the
 * load within one priority (Trunking spec, CreateOriginationUrl).
 *
 * - native: the backup site is an origination URL of its own with a priority value above every
 *   primary, so Twilio tries it per call when the primaries do not take the call; and the trunk's
 *   DisasterRecoveryUrl dials the backup too, which Twilio requests "if an error occurs while
 *   sending SIP traffic towards the configured Origination URL" (spec, UpdateTrunk). Zero requests
 *   during the outage.
 * - switch: the preferred group (lowest priority value) is disabled, so every call goes to the
 *   next group from the next call on; switchBack re-enables exactly the URLs it disabled.
 *
 * Docs gaps (not in the spec or its descriptions): how long Twilio waits on an origination URL
 * before trying the next one, which SIP answers (timeouts, 5xx, 486...) count as "not taking the
 * call", and whether calls in progress are affected by a switch. Nothing in the API sets them, so
 * the drill measures them rather than this adapter assuming a figure.
 */
import { CarrierError, mayHaveLanded } from '../../contracts/errors';
import type {
  CarrierRoutes,
  IgnoredNumber,
  RouteCall,
  RouteReadBack,
  RouteSwitchRecord,
  SiteRoute,
} from '../../ports/carrier-routes';
import type { TwilioApi, TwilioForm } from './twilio-api';
import type { TwilioDialTwiml } from './twilio-dial-twiml';
import {
  backupInPlace,
  MAX_ORIGINATION_PRIORITY,
  readBackOf,
  type TrunkView,
  trunkRoles,
  trunkSidOf,
  trunkView,
} from './twilio-trunk-view';

/** How the native failover is armed. */
export interface TwilioRoutesOptions {
  /**
   * How far above the primaries' highest priority value a created (or re-prioritised) backup
   * origination URL goes. Any gap works for Twilio; a gap leaves room for URLs added by hand.
   * @default 10
   */
  readonly backupPriorityGap?: number;
  /** Weight of a created backup origination URL (spec: 1-65535, Twilio's default 10). @default 10 */
  readonly backupWeight?: number;
}

/** One origination URL the switch disables, with the value switchBack puts back. */
export interface TwilioSwitchedUrl {
  sid: string;
  sipUrl: string;
  priority: number;
  /** Its Enabled value before the switch (always true: only enabled URLs are switched). */
  enabled: boolean;
}

/** What a Twilio switch changes (planSwitch), kept on the incident for switchToBackup and switchBack. */
export interface TwilioSwitchRecord extends RouteSwitchRecord {
  trunkSid: string;
  /** The preferred group's enabled URLs: switchToBackup disables them, switchBack restores `enabled`. */
  originationUrls: TwilioSwitchedUrl[];
  /** Preferred-group URLs already disabled before the switch: left alone both ways. */
  alreadyDisabledOriginationUrlSids: string[];
  /** The URL that takes the calls after the switch. */
  backupOriginationUrlSid: string;
}

/** Twilio implementation of the CarrierRoutes port. */
export class TwilioRoutes implements CarrierRoutes {
  private readonly gap: number;
  private readonly weight: number;
  /** The URLs each switch record's switchToBackup has seen disabled, so a repeat writes none twice. */
  private readonly disabledBySwitch = new WeakMap<RouteSwitchRecord, Set<string>>();

  constructor(
    private readonly api: TwilioApi,
    private readonly dial: TwilioDialTwiml,
    options: TwilioRoutesOptions = {},
  ) {
    this.gap = options.backupPriorityGap ?? 10;
    this.weight = options.backupWeight ?? 10;
  }

  /**
   * Ensures an enabled origination URL for `backupSipUri` with a priority value above every
   * primary one (created with every field the spec requires when missing) and the trunk's
   * DisasterRecoveryUrl dialling `backupSipUri` (GET); then reads both back. Only reads when all
   * is in place already.
   */
  async armNative(route: SiteRoute, numbers: readonly string[], call: RouteCall): Promise<RouteReadBack> {
    const trunkSid = trunkSidOf(route);
    const before = await this.readTrunk(trunkSid, call);
    const wroteUrl = await this.ensureBackupUrl(route, before, call);
    const recoveryUrl = this.dial.urlFor(route.backupSipUri);
    const wroteRecovery =
      !this.dial.isUrlFor(before.disasterRecoveryUrl, route.backupSipUri) ||
      before.disasterRecoveryMethod !== 'GET';
    if (wroteRecovery) {
      await call(() =>
        this.api.updateTrunk(trunkSid, { DisasterRecoveryUrl: recoveryUrl, DisasterRecoveryMethod: 'GET' }),
      );
    }
    const after = wroteUrl || wroteRecovery ? await this.readTrunk(trunkSid, call) : before;
    const ignored = await this.ignoredNumbers(trunkSid, numbers, call);
    return readBackOf(route, after, this.dial, { asked: numbers.length, ignored });
  }

  /** The same read-back as armNative, changing nothing. */
  async audit(route: SiteRoute, numbers: readonly string[], call: RouteCall): Promise<RouteReadBack> {
    const trunkSid = trunkSidOf(route);
    const view = await this.readTrunk(trunkSid, call);
    const ignored = await this.ignoredNumbers(trunkSid, numbers, call);
    return readBackOf(route, view, this.dial, { asked: numbers.length, ignored });
  }

  /**
   * Reads the trunk's origination URLs (one list) and returns the preferred group (the primaries'
   * lowest priority value) still enabled, to be disabled. Refused (non-retryable) when no enabled
   * backup URL sits above that group, since disabling would then drop the calls. URLs between the
   * group and the backup keep taking calls before it.
   */
  async planSwitch(route: SiteRoute, call: RouteCall): Promise<TwilioSwitchRecord> {
    const trunkSid = trunkSidOf(route);
    const roles = trunkRoles(await this.api.listOriginationUrls(trunkSid, call), route);
    if (roles.preferredPriority === undefined) {
      throw new CarrierError(
        'twilio',
        `trunk ${trunkSid} has no origination URL other than the backup ${route.backupSipUri}; nothing to switch away from`,
        { retryable: false },
      );
    }
    const { backup, preferredPriority } = roles;
    if (!backup?.enabled || backup.priority <= preferredPriority) {
      throw new CarrierError(
        'twilio',
        `trunk ${trunkSid} has no enabled origination URL for ${route.backupSipUri} with a priority value above ${preferredPriority}; arm the route (carrier-failover arm) or add it in Twilio before switching, or forward the numbers instead`,
        { retryable: false },
      );
    }
    const group = roles.primaries.filter((url) => url.priority === preferredPriority);
    return {
      trunkSid,
      originationUrls: group
        .filter((url) => url.enabled)
        .map((url) => ({ sid: url.sid, sipUrl: url.sipUrl, priority: url.priority, enabled: true })),
      alreadyDisabledOriginationUrlSids: group.filter((url) => !url.enabled).map((url) => url.sid),
      backupOriginationUrlSid: backup.sid,
    };
  }

  /**
   * Disables the record's URLs: one UpdateOriginationUrl each, no read (the plan read the trunk),
   * so a switch costs k+1 requests with its plan. A write whose answer was lost (no answer, a 5xx,
   * a body we cannot read) is checked with one list before it is repeated, and a repeat of the
   * operation by this adapter skips the URLs already disabled: each is written once. A run that
   * resumes a switch an earlier run began (`resumed`, a new adapter) lists the URLs first and
   * writes only those still enabled.
   */
  async switchToBackup(
    route: SiteRoute,
    record: RouteSwitchRecord,
    call: RouteCall,
    options: { resumed?: boolean } = {},
  ): Promise<void> {
    const { trunkSid, originationUrls } = switchRecordOf(route, record);
    const seen = this.disabledBySwitch.get(record);
    const disabled = seen ?? new Set<string>();
    this.disabledBySwitch.set(record, disabled);
    const listDisabled = async () => {
      for (const now of await this.api.listOriginationUrls(trunkSid, call)) {
        if (!now.enabled) disabled.add(now.sid);
      }
    };
    if (!seen && options.resumed) await listDisabled();
    for (const url of originationUrls) {
      if (disabled.has(url.sid)) continue;
      try {
        await call(() => this.api.updateOriginationUrl(trunkSid, url.sid, { Enabled: 'false' }));
      } catch (error) {
        if (!mayHaveLanded(error)) throw error;
        await listDisabled();
        if (!disabled.has(url.sid)) throw error;
      }
      disabled.add(url.sid);
    }
  }

  /** One UpdateOriginationUrl for each of the record's URLs. */
  switchRequests(record: RouteSwitchRecord): number {
    const urls = (record as { originationUrls?: unknown }).originationUrls;
    return Array.isArray(urls) ? urls.length : 0;
  }

  /**
   * Puts back each recorded URL's Enabled value: one list, then one update per URL that differs
   * (a URL deleted meanwhile is skipped). A second call only lists.
   */
  async switchBack(route: SiteRoute, record: RouteSwitchRecord, call: RouteCall): Promise<void> {
    const { trunkSid, originationUrls } = switchRecordOf(route, record);
    this.disabledBySwitch.delete(record);
    const now = await this.api.listOriginationUrls(trunkSid, call);
    for (const url of originationUrls) {
      const current = now.find((candidate) => candidate.sid === url.sid);
      if (current && current.enabled !== url.enabled) {
        await call(() => this.api.updateOriginationUrl(trunkSid, url.sid, { Enabled: String(url.enabled) }));
      }
    }
  }

  private async readTrunk(trunkSid: string, call: RouteCall): Promise<TrunkView> {
    const urls = await this.api.listOriginationUrls(trunkSid, call);
    const trunk = await call(() => this.api.fetchTrunk(trunkSid));
    return trunkView(trunkSid, urls, trunk);
  }

  /** Creates or fixes the backup origination URL; true when it wrote. */
  private async ensureBackupUrl(route: SiteRoute, view: TrunkView, call: RouteCall): Promise<boolean> {
    const roles = trunkRoles(view.urls, route);
    if (backupInPlace(roles)) {
      return false;
    }
    const priority = (roles.worstPrimaryPriority ?? 0) + this.gap;
    if (priority > MAX_ORIGINATION_PRIORITY) {
      throw new CarrierError(
        'twilio',
        `trunk ${view.trunkSid}: a backup origination URL must have a priority value above ${roles.worstPrimaryPriority}, and Twilio's highest is ${MAX_ORIGINATION_PRIORITY}; lower the primaries' priority values`,
        { retryable: false },
      );
    }
    const { backup } = roles;
    if (backup) {
      const form: TwilioForm = { Enabled: 'true' };
      if (roles.worstPrimaryPriority !== undefined && backup.priority <= roles.worstPrimaryPriority) {
        form.Priority = String(priority);
      }
      await call(() => this.api.updateOriginationUrl(view.trunkSid, backup.sid, form));
      return true;
    }
    await call(() =>
      this.api.createOriginationUrl(view.trunkSid, {
        // The spec allows up to 64 characters.
        friendlyName: `carrier-failover backup of ${route.siteId}`.slice(0, 64),
        sipUrl: route.backupSipUri,
        priority,
        weight: this.weight,
        enabled: true,
      }),
    );
    return true;
  }

  /** The asked numbers the trunk does not carry, each with Twilio's reason. */
  private async ignoredNumbers(
    trunkSid: string,
    numbers: readonly string[],
    call: RouteCall,
  ): Promise<IgnoredNumber[]> {
    if (numbers.length === 0) {
      return [];
    }
    const onTrunk = new Set(
      (await this.api.listTrunkNumbers(trunkSid, call)).map((record) => String(record.phone_number)),
    );
    const ignored: IgnoredNumber[] = [];
    // Numbers on the trunk need no look: "If a trunk_sid is present, we ignore all of the voice
    // urls and voice applications". The others are looked up one by one for their reason.
    for (const number of numbers.filter((candidate) => !onTrunk.has(candidate))) {
      const [record] = await call(() => this.api.findNumbers(number));
      ignored.push({ number, reason: this.reasonOffTrunk(trunkSid, record) });
    }
    return ignored;
  }

  private reasonOffTrunk(trunkSid: string, record: Record<string, unknown> | undefined): string {
    if (!record) {
      return 'not on this Twilio account';
    }
    const text = (name: string) =>
      typeof record[name] === 'string' && record[name] !== '' ? (record[name] as string) : null;
    const application = text('voice_application_sid');
    if (application) {
      return `has VoiceApplicationSid ${application}: Twilio answers it with that application, not trunk ${trunkSid} (and per-number forwarding refuses it: the API documents no way to clear a VoiceApplicationSid)`;
    }
    const otherTrunk = text('trunk_sid');
    if (otherTrunk) {
      return `is on trunk ${otherTrunk}, not ${trunkSid}`;
    }
    const voiceUrl = text('voice_url');
    const forwardedTo = this.dial.targetOf(voiceUrl);
    if (forwardedTo) {
      return `is off the trunk, forwarded per number: its VoiceUrl dials ${forwardedTo}`;
    }
    return voiceUrl
      ? `has no TrunkSid: Twilio answers it with its VoiceUrl ${voiceUrl}, not trunk ${trunkSid}`
      : `has no TrunkSid, VoiceUrl or VoiceApplicationSid: Twilio has nothing to answer it with`;
  }
}

/** The record as a Twilio switch of this route's trunk, or a non-retryable error. */
function switchRecordOf(route: SiteRoute, record: RouteSwitchRecord): TwilioSwitchRecord {
  const trunkSid = trunkSidOf(route);
  const urls = record.originationUrls;
  const wellFormed =
    record.trunkSid === trunkSid &&
    Array.isArray(urls) &&
    urls.every(
      (url) =>
        typeof url === 'object' &&
        url !== null &&
        /^OU[0-9a-fA-F]{32}$/.test(String((url as TwilioSwitchedUrl).sid)) &&
        typeof (url as TwilioSwitchedUrl).enabled === 'boolean',
    );
  if (!wellFormed) {
    throw new CarrierError(
      'twilio',
      `the switch record of site ${route.siteId} is not a Twilio switch of trunk ${trunkSid}; use the record planSwitch made for this route`,
      { retryable: false },
    );
  }
  return record as TwilioSwitchRecord;
}
