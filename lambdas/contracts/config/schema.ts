import * as z from 'zod';

/**
 * The deployment's configuration. This schema is also the documentation: every field carries a
 * `.describe()` and the README's config reference is checked against it (test/config/readme.test.ts).
 * Messages say what is expected; the loader adds the file, the field path and what was found.
 */

/** E.164: a plus, a non-zero country digit, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;
const AWS_REGION_PATTERN = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

export const CARRIER_NAMES = ['telnyx', 'twilio', 'bandwidth', 'webhook'] as const;
export type CarrierName = (typeof CARRIER_NAMES)[number];

export const FAILURE_KINDS = [
  'site-unreachable',
  'sip-errors',
  'carrier-api-failing',
  'failback-halted',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** An integer in [min, max] whose message states the range, e.g. "expected an integer 1-65535". */
export function intInRange(min: number, max: number) {
  const error = `expected an integer ${min}-${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

export const e164 = z
  .string({ error: 'expected an E.164 number such as +14155550100' })
  .regex(E164_PATTERN, { error: 'expected an E.164 number such as +14155550100' });

/** `sip:` or `sips:` URI with a user or host part; a forward-to destination may be one instead of a number. */
export const SIP_URI_PATTERN = /^sips?:[^\s@]+(@[^\s@]+)?$/;

/** Where calls may be forwarded: an E.164 number or a SIP URI (the plan's `forwardTo` rule). */
const forwardDestination = z
  .string({ error: 'expected an E.164 number or a sip: URI such as sip:backup@sbc2.example.net' })
  .regex(new RegExp(`${E164_PATTERN.source}|${SIP_URI_PATTERN.source}`), {
    error: 'expected an E.164 number or a sip: URI such as sip:backup@sbc2.example.net',
  });

/**
 * Site ids starting with this are reserved: practice runs keep their incidents under pseudo-sites
 * `practice-<region>` and `practice-operator`, never under a real site's active-incident pointer.
 */
export const PRACTICE_SITE_PREFIX = 'practice-';

const awsRegion = z
  .string({ error: 'expected an AWS region such as us-east-1' })
  .regex(AWS_REGION_PATTERN, { error: 'expected an AWS region such as us-east-1' });

const httpsUrl = z
  .string({ error: 'expected an https:// URL' })
  .refine((value) => isUrlWithProtocol(value, ['https:']), { error: 'expected an https:// URL' });

const httpUrl = z
  .string({ error: 'expected an http:// or https:// URL' })
  .refine((value) => isUrlWithProtocol(value, ['http:', 'https:']), {
    error: 'expected an http:// or https:// URL',
  });

function isUrlWithProtocol(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** SIP status codes a probe may count as healthy besides 2xx (many SBCs answer OPTIONS with 404/405). */
const sipStatusCode = intInRange(100, 699);

export const sipEndpointSchema = z
  .object({
    host: z
      .string({ error: 'expected a host name or IP address' })
      .min(1, { error: 'expected a host name or IP address' })
      .describe('Host name or IP address of the SBC or softswitch that answers SIP OPTIONS.'),
    port: intInRange(1, 65535).default(5060).describe('SIP port. Default 5060 (use 5061 for TLS).'),
    transport: z
      .enum(['udp', 'tcp', 'tls'], { error: 'expected one of udp, tcp, tls' })
      .default('udp')
      .describe('Transport for the OPTIONS probe: udp, tcp or tls.'),
    healthyCodes: z
      .array(sipStatusCode)
      .default([])
      .describe(
        'Extra SIP status codes that count as healthy besides 2xx, e.g. [404, 405] for SBCs that answer OPTIONS that way.',
      ),
  })
  .strict();

export const httpEndpointSchema = z
  .object({
    url: httpUrl.describe('HTTP(S) health URL of the site (a portal or API that must answer).'),
    expectedStatus: intInRange(100, 599)
      .default(200)
      .describe('HTTP status that means healthy. Default 200.'),
    bodyContains: z
      .string()
      .min(1, { error: 'expected a non-empty string' })
      .optional()
      .describe('Optional text the response body must contain to count as healthy.'),
  })
  .strict();

export const siteSchema = z
  .object({
    id: z
      .string({ error: 'expected a site id' })
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
        error: 'expected a lowercase id of letters, digits and dashes (at most 40 characters)',
      })
      .describe('Short id of the site, used in the forwarding plan, metrics, alerts and the incident log.'),
    role: z
      .enum(['primary', 'standby'], { error: 'expected primary or standby' })
      .describe(
        'primary sites are protected (their numbers are forwarded when they fail); standby sites are only watched.',
      ),
    sip: z.array(sipEndpointSchema).default([]).describe('SIP endpoints probed with OPTIONS.'),
    http: z.array(httpEndpointSchema).default([]).describe('HTTP(S) health URLs probed with GET.'),
  })
  .strict();

export const detectionSchema = z
  .object({
    probeIntervalSeconds: intInRange(5, 60)
      .default(10)
      .describe(
        'Seconds between probes of one site from one region (the probe runs every minute and probes this often within it).',
      ),
    failuresToTrip: intInRange(1, 20)
      .default(3)
      .describe('Consecutive failed probes a region must see before it votes the site down.'),
    quorum: intInRange(1, 10)
      .default(2)
      .describe(
        'How many regions must vote a site down before it is declared down. Never above the number of watchdog regions.',
      ),
    recoveryHoldMinutes: intInRange(0, 240)
      .default(10)
      .describe(
        'A down site is declared up again only after this many minutes of healthy quorum (flap damping).',
      ),
    probeTimeoutMs: intInRange(100, 30000).default(2000).describe('Time a single probe waits for an answer.'),
    controlTargets: z
      .array(httpUrl)
      .max(5, { error: 'expected at most 5 control targets' })
      .refine((urls) => new Set(urls).size === urls.length, { error: 'expected each control target once' })
      .default([])
      .describe(
        "URLs outside every site (public endpoints of other companies) that each region also requests every round; any HTTP answer counts as reached. A region that reaches none of them while the site fails blames its own network and abstains from the vote, so two regions' network troubles cannot fail a healthy site over. Empty: regions never abstain.",
      ),
  })
  .strict();

const carrierCommon = {
  secretName: z
    .string({ error: 'expected the name of a Secrets Manager secret' })
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'expected the name of a Secrets Manager secret' })
    .describe(
      "Name of the Secrets Manager secret (in every watchdog region) holding this carrier's credentials as JSON.",
    ),
  rateLimitPerSecond: z
    .number({ error: 'expected a positive number' })
    .positive({ error: 'expected a positive number' })
    .max(1000, { error: 'expected at most 1000' })
    .optional()
    .describe("Requests per second we send to this carrier. Defaults to the carrier's documented limit."),
  maxConcurrency: intInRange(1, 200).default(10).describe('Requests in flight at once to this carrier.'),
  canary: z
    .object({
      number: e164.describe(
        'A number the provider owns for testing, on this carrier, that is not in the forwarding plan (E.164).',
      ),
      forwardTo: forwardDestination.describe(
        'Where the practice run forwards the canary (E.164 or sip: URI, as the plan allows for this carrier).',
      ),
    })
    .strict()
    .optional()
    .describe(
      'Optional canary number: the weekly practice run forwards it, checks the carrier took it, and restores it.',
    ),
};

/** Conservative defaults; raise to the limit your account has been granted by the carrier. */
export const DEFAULT_RATE_LIMITS: Record<CarrierName, number> = {
  telnyx: 10,
  twilio: 10,
  bandwidth: 5,
  webhook: 20,
};

export const DEFAULT_BASE_URLS: Record<Exclude<CarrierName, 'webhook'>, string> = {
  telnyx: 'https://api.telnyx.com/v2',
  twilio: 'https://api.twilio.com',
  bandwidth: 'https://dashboard.bandwidth.com/api/v1',
};

export const carriersSchema = z
  .object({
    telnyx: z
      .object({
        ...carrierCommon,
        baseUrl: httpUrl.default(DEFAULT_BASE_URLS.telnyx).describe('Telnyx API v2 base URL.'),
        backupConnectionId: z
          .string()
          .optional()
          .describe(
            'Optional Telnyx SIP connection id dedicated to failover: the connection switch moves numbers to it. Set with primaryConnectionId.',
          ),
        primaryConnectionId: z
          .string()
          .optional()
          .describe(
            'The Telnyx SIP connection id numbers normally use; the switch moves them back to it. Set with backupConnectionId.',
          ),
      })
      .strict()
      .optional()
      .describe('Telnyx API v2: per-number call forwarding and bulk update jobs.'),
    twilio: z
      .object({
        ...carrierCommon,
        baseUrl: httpUrl.default(DEFAULT_BASE_URLS.twilio).describe('Twilio REST API base URL.'),
        trunkingBaseUrl: httpUrl
          .default('https://trunking.twilio.com/v1')
          .describe('Twilio Elastic SIP Trunking API base URL.'),
        trunkSid: z
          .string()
          .regex(/^TK[0-9a-fA-F]{32}$/, {
            error: 'expected a Twilio trunk SID (TK followed by 32 hex digits)',
          })
          .optional()
          .describe(
            'Optional Elastic SIP trunk whose origination URL priorities can be switched in one call.',
          ),
      })
      .strict()
      .optional()
      .describe('Twilio: IncomingPhoneNumbers updates and Elastic SIP Trunking origination switch.'),
    bandwidth: z
      .object({
        ...carrierCommon,
        baseUrl: httpUrl.default(DEFAULT_BASE_URLS.bandwidth).describe('Bandwidth Dashboard API base URL.'),
      })
      .strict()
      .optional()
      .describe('Bandwidth Dashboard API (XML): TN option orders with CallForward.'),
    webhook: z
      .object({
        ...carrierCommon,
        baseUrl: httpsUrl.describe('HTTPS endpoint the provider runs; receives signed JSON POSTs.'),
      })
      .strict()
      .optional()
      .describe('Generic signed webhook for carriers with no adapter yet.'),
  })
  .strict();

export const failbackSchema = z
  .object({
    mode: z
      .enum(['manual', 'automatic'], { error: 'expected manual or automatic' })
      .default('manual')
      .describe(
        "manual: failback waits for an operator's approval; automatic: it starts after the recovery hold.",
      ),
    waves: z
      .array(intInRange(1, 100))
      .min(1, { error: 'expected at least one wave' })
      .default([10, 25, 50, 100])
      .describe('Cumulative percentages of numbers restored by each wave, increasing, ending at 100.'),
    minutesBetweenWaves: intInRange(0, 1440)
      .default(5)
      .describe('Minutes to wait (and re-check health) between waves.'),
  })
  .strict();

export const dnsRecordSchema = z
  .object({
    name: z
      .string()
      .min(1, { error: 'expected a DNS name' })
      .describe('Record name, e.g. portal.example.com.'),
    site: z
      .string()
      .optional()
      .describe(
        'Optional primary site id: the record then fails over when that site is down by quorum as well as when its HTTPS check fails.',
      ),
    primary: z
      .object({
        target: z
          .string()
          .min(1, { error: 'expected a host name' })
          .describe('CNAME target served by the primary site.'),
        healthCheckPath: z
          .string()
          .startsWith('/', { error: 'expected a path starting with /' })
          .default('/health')
          .describe('Path Route 53 requests over HTTPS on the primary target.'),
        port: intInRange(1, 65535).default(443).describe('HTTPS port of the primary target.'),
      })
      .strict()
      .describe('Primary target, HTTPS health checked by Route 53.'),
    secondary: z
      .object({
        target: z
          .string()
          .min(1, { error: 'expected a host name' })
          .describe('CNAME target used while the primary is unhealthy.'),
      })
      .strict()
      .describe('Secondary target, served while the primary is unhealthy.'),
    ttlSeconds: intInRange(10, 86400)
      .default(60)
      .describe('Record TTL in seconds; keep it short so failover takes effect quickly.'),
  })
  .strict();

export const dnsSchema = z
  .object({
    hostedZoneId: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/, {
        error: 'expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ',
      })
      .describe('Route 53 hosted zone id (given by id so synth needs no lookup).'),
    zoneName: z
      .string()
      .min(1, { error: 'expected the zone name, e.g. example.com' })
      .describe("The zone's domain name."),
    failureThreshold: intInRange(1, 10)
      .default(3)
      .describe('Consecutive failed Route 53 checks before a target is unhealthy.'),
    checkerRegions: z
      .array(
        z.enum([
          'us-east-1',
          'us-west-1',
          'us-west-2',
          'eu-west-1',
          'ap-southeast-1',
          'ap-southeast-2',
          'ap-northeast-1',
          'sa-east-1',
        ]),
      )
      .min(3, { error: 'expected at least 3 Route 53 checker regions' })
      .default(['us-east-1', 'us-west-1', 'us-west-2'])
      .describe('Route 53 health checker regions (at least 3).'),
    records: z
      .array(dnsRecordSchema)
      .min(1, { error: 'expected at least one record' })
      .describe('Web records to fail over.'),
  })
  .strict();

/** Default practice schedule: Tuesdays 15:00 UTC, a working hour in most of the world's offices. */
export const DEFAULT_PRACTICE_SCHEDULE = 'cron(0 15 ? * TUE *)';

/** EventBridge schedule expressions: `cron(` six fields `)` or `rate(N unit)`. */
const SCHEDULE_PATTERN = /^(cron\((\S+ ){5}\S+\)|rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\))$/;

export const practiceSchema = z
  .object({
    enabled: z
      .boolean({ error: 'expected true or false' })
      .default(true)
      .describe(
        'Run the scheduled practice (the canary failover and the path checks) in the watchdog regions.',
      ),
    schedule: z
      .string({ error: 'expected an EventBridge schedule expression' })
      .regex(SCHEDULE_PATTERN, {
        error: 'expected an EventBridge schedule expression such as cron(0 15 ? * TUE *) or rate(7 days)',
      })
      .default(DEFAULT_PRACTICE_SCHEDULE)
      .describe(
        'EventBridge schedule of the practice function in every watchdog region (UTC). Regions take turns by week: each week one region runs, the others return at once.',
      ),
    audit: z
      .enum(['armed', 'normal'], { error: 'expected armed or normal' })
      .default('armed')
      .describe(
        'What the practice run audits on the plan numbers: armed (every carrier-native fallback set, as carrier-failover arm leaves it) or normal (only that no number is left forwarding).',
      ),
  })
  .strict();

export const runbookSchema = z
  .object({
    title: z.string().min(1, { error: 'expected a title' }).describe('One line naming the failure.'),
    steps: z
      .array(z.string().min(1))
      .min(1, { error: 'expected at least one step' })
      .describe('What the on-call engineer does, in order; sent with every alert of this kind.'),
    contacts: z.array(z.string().min(1)).default([]).describe('Who to call: names with phone numbers.'),
  })
  .strict();

export const alertsSchema = z
  .object({
    emails: z
      .array(z.email({ error: 'expected an email address' }))
      .default([])
      .describe("Email addresses subscribed to every region's alert topic (each confirms once)."),
    sms: z.array(e164).default([]).describe('Phone numbers (E.164) that receive alerts by SMS.'),
    https: z
      .array(httpsUrl)
      .default([])
      .describe('HTTPS endpoints (e.g. a paging service) subscribed to the alert topics.'),
  })
  .strict();

const configObjectSchema = z
  .object({
    deployment: z
      .string({ error: 'expected a deployment name' })
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,29}$/, {
        error: 'expected a name of letters, digits and dashes starting with a letter (at most 30 characters)',
      })
      .describe('Deployment name; prefixes every stack so two deployments can share an account.'),
    account: z
      .string()
      .regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' })
      .default('111111111111')
      .describe(
        'AWS account id. The dummy 111111111111 is enough for offline synth; set the real one to deploy.',
      ),
    homeRegion: awsRegion.describe("Region of the incident table's home (its primary replica)."),
    watchdogRegions: z
      .array(awsRegion)
      .min(2, {
        error:
          'expected at least 2 watchdog regions (3 recommended, so a quorum of 2 survives a region loss)',
      })
      .describe(
        'Regions that each probe every site and can fail over on their own. At least 2; 3 recommended.',
      ),
    alerts: alertsSchema
      .default({ emails: [], sms: [], https: [] })
      .describe('Who is told: subscriptions of the alert topic in every watchdog region.'),
    sites: z
      .array(siteSchema)
      .min(1, { error: 'expected at least one site' })
      .describe('The sites that carry calls.'),
    detection: detectionSchema
      .default(detectionSchema.parse({}))
      .describe('How a site is judged down or up again.'),
    carriers: carriersSchema.describe(
      'Upstream carriers, keyed by name; only configured ones may appear in the plan.',
    ),
    forwardingPlan: z
      .string({ error: 'expected the path of the forwarding plan CSV' })
      .min(1)
      .default('numbers.csv')
      .describe('Path of the forwarding plan CSV, relative to this config file.'),
    failback: failbackSchema
      .default(failbackSchema.parse({}))
      .describe('How numbers come home after the site recovers.'),
    dns: dnsSchema.optional().describe('Optional Route 53 hosted zone and web records to fail over.'),
    practice: practiceSchema
      .default(practiceSchema.parse({}))
      .describe('The weekly practice of the failover path (canary numbers are under each carrier).'),
    runbooks: z
      .partialRecord(
        z.enum(FAILURE_KINDS, { error: `expected one of ${FAILURE_KINDS.join(', ')}` }),
        runbookSchema,
      )
      .default({})
      .describe('Runbooks keyed by failure kind, attached to alerts and the incident log.'),
  })
  .strict();

/**
 * The whole config: the fields above plus the rules that span fields. The rules also run when some
 * fields are invalid (`when`), so one pass reports every problem; each rule looks only at fields that
 * parsed into the expected shape.
 */
export const configSchema = configObjectSchema.superRefine(checkCrossFieldRules, { when: () => true });

type ConfigOutput = z.output<typeof configObjectSchema>;

/** A possibly partly invalid config, as the cross-field rules may see it. */
type LooseConfig = { [K in keyof ConfigOutput]?: unknown };

function checkCrossFieldRules(input: ConfigOutput, ctx: z.RefinementCtx): void {
  const config = input as LooseConfig;
  const regions = stringList(config.watchdogRegions);
  const homeRegion = config.homeRegion;
  if (regions && typeof homeRegion === 'string' && !regions.includes(homeRegion)) {
    ctx.addIssue({
      code: 'custom',
      path: ['homeRegion'],
      message: `expected one of the watchdogRegions (${regions.join(', ')}), got "${homeRegion}"`,
    });
  }
  regions?.forEach((region, index) => {
    if (regions.indexOf(region) !== index) {
      ctx.addIssue({
        code: 'custom',
        path: ['watchdogRegions', index],
        message: `region "${region}" is listed twice`,
      });
    }
  });
  const quorum = (config.detection as { quorum?: unknown } | undefined)?.quorum;
  if (regions && typeof quorum === 'number' && quorum > regions.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['detection', 'quorum'],
      message: `expected at most the number of watchdog regions (${regions.length}), got ${quorum}`,
    });
  }
  const sites = Array.isArray(config.sites)
    ? (config.sites as { id?: unknown; role?: unknown; sip?: unknown; http?: unknown }[])
    : [];
  const ids = sites.map((site) => site?.id);
  ids.forEach((id, index) => {
    if (typeof id === 'string' && ids.indexOf(id) !== index) {
      ctx.addIssue({
        code: 'custom',
        path: ['sites', index, 'id'],
        message: `site id "${id}" is used twice`,
      });
    }
  });
  ids.forEach((id, index) => {
    if (typeof id === 'string' && id.startsWith(PRACTICE_SITE_PREFIX)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sites', index, 'id'],
        message: `site id "${id}" is reserved: ids starting with "${PRACTICE_SITE_PREFIX}" hold practice runs in the incident log; rename the site`,
      });
    }
  });
  const rolesValid = sites.every((site) => site?.role === 'primary' || site?.role === 'standby');
  if (sites.length > 0 && rolesValid && !sites.some((site) => site.role === 'primary')) {
    ctx.addIssue({
      code: 'custom',
      path: ['sites'],
      message: 'expected at least one site with role: primary',
    });
  }
  sites.forEach((site, index) => {
    const probes =
      (Array.isArray(site?.sip) ? site.sip.length : 0) + (Array.isArray(site?.http) ? site.http.length : 0);
    if (site && typeof site === 'object' && probes === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['sites', index],
        message: 'expected at least one sip or http endpoint to probe',
      });
    }
  });
  const carriers = config.carriers as Record<string, unknown> | undefined;
  if (carriers && typeof carriers === 'object' && !CARRIER_NAMES.some((name) => carriers[name])) {
    ctx.addIssue({
      code: 'custom',
      path: ['carriers'],
      message: `expected at least one of ${CARRIER_NAMES.join(', ')}`,
    });
  }
  const telnyx = carriers?.telnyx as
    | { backupConnectionId?: unknown; primaryConnectionId?: unknown }
    | undefined;
  if (telnyx && (telnyx.backupConnectionId === undefined) !== (telnyx.primaryConnectionId === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [
        'carriers',
        'telnyx',
        telnyx.backupConnectionId === undefined ? 'backupConnectionId' : 'primaryConnectionId',
      ],
      message:
        'expected backupConnectionId and primaryConnectionId to be set together (the switch needs both ends)',
    });
  }
  checkCanaries(carriers, ctx);
  const records = (config.dns as { records?: unknown } | undefined)?.records;
  if (Array.isArray(records) && rolesValid) {
    records.forEach((record: { site?: unknown }, index) => {
      if (
        typeof record?.site === 'string' &&
        !sites.some((site) => site?.id === record.site && site.role === 'primary')
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['dns', 'records', index, 'site'],
          message: `expected the id of a primary site, got "${record.site}"`,
        });
      }
    });
  }
  const waves = (config.failback as { waves?: unknown } | undefined)?.waves;
  if (Array.isArray(waves) && waves.every((wave) => typeof wave === 'number')) {
    waves.forEach((wave, index) => {
      if (index > 0 && wave <= waves[index - 1]) {
        ctx.addIssue({
          code: 'custom',
          path: ['failback', 'waves', index],
          message: `expected increasing cumulative percentages, got ${wave} after ${waves[index - 1]}`,
        });
      }
    });
    if (waves.length > 0 && waves[waves.length - 1] !== 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['failback', 'waves', waves.length - 1],
        message: `expected the last wave to be 100, got ${waves[waves.length - 1]}`,
      });
    }
  }
}

/** Canary numbers: each used once, never its own destination (the plan check is in forwarding-plan.ts). */
function checkCanaries(carriers: Record<string, unknown> | undefined, ctx: z.RefinementCtx): void {
  if (!carriers || typeof carriers !== 'object') return;
  const seen = new Map<string, string>();
  for (const name of CARRIER_NAMES) {
    const canary = (carriers[name] as { canary?: { number?: unknown; forwardTo?: unknown } } | undefined)
      ?.canary;
    if (!canary || typeof canary.number !== 'string') continue;
    const first = seen.get(canary.number);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['carriers', name, 'canary', 'number'],
        message: `${canary.number} is already the canary of ${first}; give each carrier its own canary number`,
      });
    } else {
      seen.set(canary.number, name);
    }
    if (canary.forwardTo === canary.number) {
      ctx.addIssue({
        code: 'custom',
        path: ['carriers', name, 'canary', 'forwardTo'],
        message: 'expected a destination other than the canary number itself',
      });
    }
  }
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

/** A validated config with every default filled in. */
export type Config = z.output<typeof configSchema>;
export type Site = Config['sites'][number];
export type SipEndpoint = Site['sip'][number];
export type HttpEndpoint = Site['http'][number];
export type DetectionSettings = Config['detection'];
export type FailbackSettings = Config['failback'];
export type CarriersConfig = Config['carriers'];
export type PracticeSettings = Config['practice'];
/** A carrier's canary: a test number the practice run forwards and restores. */
export type Canary = NonNullable<NonNullable<CarriersConfig[CarrierName]>['canary']>;

/** The configured canaries, in carrier order. */
export function canariesOf(carriers: CarriersConfig): { carrier: CarrierName; canary: Canary }[] {
  return CARRIER_NAMES.flatMap((carrier) => {
    const canary = carriers[carrier]?.canary;
    return canary ? [{ carrier, canary }] : [];
  });
}
export type Runbook = z.output<typeof runbookSchema>;
