/**
 * The example deployment for practice tests: Telnyx, Twilio and Bandwidth (the webhook is left out:
 * the schema wants https:// and its fake speaks http), each with a canary number, every carrier a
 * seeded fake that also holds the canary, at a rate that keeps tests short.
 */
import { readFileSync } from 'node:fs';
import { CARRIER_NAMES } from '../../lambdas/contracts/config/config-constants';
import type { PlanEntry } from '../../lambdas/contracts/config/plan-entry';
import type { CarrierName, Config } from '../../lambdas/contracts/config/schema';
import { loadDeployment } from '../../lib/config/load-config';
import type { FakeCarrierOptions } from '../../lib/developer/carrier-fakes/fake-carrier-server';
import { type LocalCarriers, startLocalCarriers } from '../../lib/developer/far-side/local-carriers';
import { EXAMPLE_PLAN, exampleConfigObject, writeDeploymentFiles } from './config-files';

/** The carriers practice tests use. */
export const PRACTICE_CARRIERS = ['telnyx', 'twilio', 'bandwidth'] as const satisfies readonly CarrierName[];
export type PracticeCarrier = (typeof PRACTICE_CARRIERS)[number];

/** One canary per carrier: test numbers outside the plan, each forwarded somewhere its carrier accepts. */
export const CANARIES = {
  telnyx: { number: '+16025559900', forwardTo: '+12145559900' },
  twilio: { number: '+16025559901', forwardTo: 'sip:canary@sbc1.dal.example.net' },
  bandwidth: { number: '+16025559902', forwardTo: '+12145559902' },
} as const;

/** A started practice deployment. */
export interface PracticeDeployment {
  /** The carriers configured (and faked). */
  carrierNames: readonly PracticeCarrier[];
  /** The validated example config with the fakes' carriers, the canaries and `practice`. */
  config: Config;
  plan: PlanEntry[];
  carriers: LocalCarriers;
  /** The credentials the fakes accept, as environment variables. */
  credentials: Record<string, string>;
  /**
   * Writes the same deployment as a YAML config (and plan, optionally edited) for a CLI process;
   * returns the config's path.
   */
  writeConfigFile(editPlan?: (csv: string) => string): string;
}

/** Starts the fakes (plan numbers and canaries seeded) and builds the config pointed at them. */
export async function startPracticeDeployment(
  options: {
    audit?: 'armed' | 'normal';
    fakes?: FakeCarrierOptions;
    /**
     * The carriers to keep. Bandwidth's adapter polls its orders every 2 s, so a CLI test (which
     * cannot shorten that) is quicker without it. @default PRACTICE_CARRIERS
     */
    carriers?: readonly PracticeCarrier[];
  } = {},
): Promise<PracticeDeployment> {
  const example = loadDeployment();
  const chosen: readonly PracticeCarrier[] = options.carriers ?? PRACTICE_CARRIERS;
  const kept = (name: string) => (chosen as readonly string[]).includes(name);
  const plan = example.plan.filter((entry) => kept(entry.carrier));
  const baseCarriers = Object.fromEntries(
    Object.entries(example.config.carriers).filter(([name]) => kept(name)),
  );
  // The sites' routes keep only the carriers kept.
  const sites = example.config.sites.map((site) =>
    site.failover
      ? {
          ...site,
          failover: Object.fromEntries(
            Object.entries(site.failover).filter(([key]) => !isCarrierName(key) || kept(key)),
          ),
        }
      : site,
  );
  const carriers = await startLocalCarriers(
    { ...example.config, sites, carriers: baseCarriers },
    plan,
    options.fakes,
  );
  const { telnyx, twilio, bandwidth } = carriers.fakes;
  telnyx?.seedNumbers([{ phoneNumber: CANARIES.telnyx.number }]);
  twilio?.seedNumbers([{ phoneNumber: CANARIES.twilio.number }]);
  bandwidth?.seedNumbers([{ phoneNumber: CANARIES.bandwidth.number }]);
  const sections = Object.fromEntries(
    chosen.map((name) => [
      name,
      { ...carriers.carriers[name], rateLimitPerSecond: 200, canary: { ...CANARIES[name] } },
    ]),
  );
  const practice = { ...example.config.practice, audit: options.audit ?? 'normal' };
  const config: Config = { ...example.config, sites, carriers: sections, practice };
  const credentials: Record<string, string> = {
    TELNYX_API_KEY: telnyx?.apiKey ?? '',
    TWILIO_ACCOUNT_SID: twilio?.accountSid ?? '',
    TWILIO_AUTH_TOKEN: twilio?.authToken ?? '',
    BANDWIDTH_ACCOUNT_ID: bandwidth?.accountId ?? '',
    BANDWIDTH_USERNAME: bandwidth?.username ?? '',
    BANDWIDTH_PASSWORD: bandwidth?.password ?? '',
  };
  return {
    carrierNames: chosen,
    config,
    plan,
    carriers,
    credentials,
    writeConfigFile: (editPlan = (csv: string) => csv) => {
      const yaml = exampleConfigObject();
      yaml.carriers = JSON.parse(JSON.stringify(sections));
      yaml.practice = practice;
      for (const site of yaml.sites) {
        for (const key of Object.keys(site.failover ?? {})) {
          if (isCarrierName(key) && !kept(key)) delete site.failover[key];
        }
      }
      const planText = readFileSync(EXAMPLE_PLAN, 'utf8')
        .split('\n')
        .filter((line) => !/^\+/.test(line) || chosen.some((name) => line.includes(`,${name},`)))
        .join('\n');
      return writeDeploymentFiles(yaml, editPlan(planText));
    },
  };
}

function isCarrierName(key: string): key is CarrierName {
  return (CARRIER_NAMES as readonly string[]).includes(key);
}
