/**
 * The config's values that code reads at run time: names, patterns and defaults. Kept apart from the
 * zod schema (schema.ts, which uses them too) so a Lambda can use them without bundling zod's classic
 * API, which does not tree-shake.
 */

/** E.164: a plus, a non-zero country digit, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/** `sip:` or `sips:` URI with a user or host part; a forward-to destination may be one instead of a number. */
export const SIP_URI_PATTERN = /^sips?:[^\s@]+(@[^\s@]+)?$/;

/** An AWS region name such as us-east-1 or us-gov-west-1. */
export const AWS_REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/** The carriers there is an adapter for, in the order the config, the plan check and practice list them. */
export const CARRIER_NAMES = ['telnyx', 'twilio', 'bandwidth', 'webhook'] as const;
/** One of {@link CARRIER_NAMES}. */
export type CarrierName = (typeof CARRIER_NAMES)[number];

/** The longest interval between two test calls of a site from one region (`sites[].calls[].intervalSeconds`). */
export const MAX_CALL_INTERVAL_SECONDS = 300;

/** How long a test call may take to be torn down (CANCEL or BYE answered) after its verdict. */
export const CALL_TEARDOWN_MS = 2000;

/** The kinds of failure an alert, a runbook and an incident name. */
export const FAILURE_KINDS = [
  'site-unreachable',
  'sip-errors',
  'calls-failing',
  'carrier-api-failing',
  'failback-halted',
] as const;
/** One of {@link FAILURE_KINDS}. */
export type FailureKind = (typeof FAILURE_KINDS)[number];

/**
 * Site ids starting with this are reserved: practice runs keep their incidents under pseudo-sites
 * `practice-<region>` and `practice-operator`, never under a real site's active-incident pointer.
 */
export const PRACTICE_SITE_PREFIX = 'practice-';

/** Conservative defaults; raise to the limit your account has been granted by the carrier. */
export const DEFAULT_RATE_LIMITS: Record<CarrierName, number> = {
  telnyx: 10,
  twilio: 10,
  bandwidth: 5,
  webhook: 20,
};

/** The carriers' public API base URLs (the webhook carrier has none: its URL is required). */
export const DEFAULT_BASE_URLS: Record<Exclude<CarrierName, 'webhook'>, string> = {
  telnyx: 'https://api.telnyx.com/v2',
  twilio: 'https://api.twilio.com',
  bandwidth: 'https://dashboard.bandwidth.com/api/v1',
};

/** Default practice schedule: Tuesdays 15:00 UTC, a working hour in most of the world's offices. */
export const DEFAULT_PRACTICE_SCHEDULE = 'cron(0 15 ? * TUE *)';

/** How a site's numbers at one carrier are moved to the backup, fastest first (`sites[].failover`). */
export const FAILOVER_MODES = ['native', 'switch', 'bulk', 'per-number'] as const;
/** One of {@link FAILOVER_MODES}. */
export type FailoverMode = (typeof FAILOVER_MODES)[number];

/**
 * The modes each carrier's API offers. Twilio has no bulk number update; the webhook only takes
 * one number a request and has no route of its own.
 */
export const CARRIER_FAILOVER_MODES: Record<CarrierName, readonly FailoverMode[]> = {
  telnyx: ['native', 'switch', 'bulk', 'per-number'],
  twilio: ['native', 'switch', 'per-number'],
  bandwidth: ['native', 'switch', 'bulk', 'per-number'],
  webhook: ['per-number'],
};

/** The mode of a carrier a site does not configure: what the engine did before modes existed. */
export const DEFAULT_FAILOVER_MODES: Record<CarrierName, FailoverMode> = {
  telnyx: 'bulk',
  twilio: 'per-number',
  bandwidth: 'bulk',
  webhook: 'per-number',
};

/**
 * The route ids each carrier needs (`sites[].failover.<carrier>`): for its native failover, for its
 * switch, and the optional ones.
 */
export const ROUTE_ID_FIELDS: Record<
  CarrierName,
  { native: readonly string[]; switch: readonly string[]; optional: readonly string[] }
> = {
  telnyx: { native: ['connectionId'], switch: ['connectionId', 'backupConnectionId'], optional: [] },
  twilio: { native: ['trunkSid'], switch: ['trunkSid'], optional: [] },
  bandwidth: {
    native: ['bandwidthSiteId', 'sipPeerId'],
    switch: ['bandwidthSiteId', 'sipPeerId'],
    optional: ['backupSipPeerId'],
  },
  webhook: { native: [], switch: [], optional: [] },
};
