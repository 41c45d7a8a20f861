import { readFileSync } from 'node:fs';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { CarrierName } from '../../../lambdas/contracts/config/schema';
import { loadDeployment } from '../../../lib/config/load-config';
import { type LocalCarriers, startLocalCarriers } from '../../../lib/developer/far-side/local-carriers';
import { EXAMPLE_PLAN, exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import { closedLoopbackUrl, hasStackTrace, runCli } from './support/cli-process';

/**
 * The example deployment with only some of its carriers (and their numbers), every number armed one
 * by one: no site has routes (arm-audit-routes.test.ts tests those). Webhook is always left out: the
 * schema wants an https:// webhook URL and the webhook fake speaks plain HTTP.
 */
function exampleWith(kept: readonly CarrierName[]) {
  const loaded = loadDeployment();
  const config = {
    ...loaded.config,
    sites: loaded.config.sites.map(({ failover: _failover, ...site }) => site),
  };
  const { plan } = loaded;
  const carriers = Object.fromEntries(
    Object.entries(config.carriers).filter(([name]) => kept.includes(name as CarrierName)),
  );
  const planText = readFileSync(EXAMPLE_PLAN, 'utf8')
    .split('\n')
    .filter((line) => !/^\+/.test(line) || kept.some((name) => line.includes(`,${name},`)))
    .join('\n');
  return {
    config: { ...config, carriers },
    plan: plan.filter((entry) => kept.includes(entry.carrier)),
    planText,
  };
}

/** Starts the fakes of a deployment's carriers and writes its config pointed at them; the env holds their credentials. */
async function startDeployment(kept: readonly CarrierName[]) {
  const { config, plan, planText } = exampleWith(kept);
  const carriers = await startLocalCarriers(config, plan);
  const { telnyx, twilio, bandwidth } = carriers.fakes;
  const credentials: Record<string, string> = {
    ...(telnyx ? { TELNYX_API_KEY: telnyx.apiKey } : {}),
    ...(twilio ? { TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken } : {}),
    ...(bandwidth
      ? {
          BANDWIDTH_ACCOUNT_ID: bandwidth.accountId,
          BANDWIDTH_USERNAME: bandwidth.username,
          BANDWIDTH_PASSWORD: bandwidth.password,
        }
      : {}),
  };
  const deployment = exampleConfigObject();
  for (const site of deployment.sites) delete site.failover;
  // The config's carriers pointed at the fakes, at a rate that keeps the test short.
  deployment.carriers = Object.fromEntries(
    Object.entries(carriers.carriers).map(([name, section]) => [
      name,
      { ...section, rateLimitPerSecond: 100 },
    ]),
  );
  return { carriers, credentials, plan, configPath: writeDeploymentFiles(deployment, planText) };
}

describe('carrier-failover arm and audit', () => {
  // Telnyx and Twilio have a carrier-native fallback (forward on failure) to arm.
  const PRE_ARMABLE: CarrierName[] = ['telnyx', 'twilio'];
  let carriers: LocalCarriers;
  let plan: PlanEntry[];
  let configPath: string;
  let credentials: Record<string, string>;
  let unreachable: string;
  const run = (args: string[], env: Record<string, string | undefined> = credentials) =>
    runCli([...args, '--config', configPath], { unreachable, env });

  beforeEach(async () => {
    unreachable = await closedLoopbackUrl();
    ({ carriers, credentials, plan, configPath } = await startDeployment(PRE_ARMABLE));
  });

  afterEach(async () => {
    await carriers.stop();
  });

  it('arms every number of the site at its carrier, then finds no drift', async () => {
    const arm = await run(['arm', '--site', 'phx-primary', '--json']);
    const audit = await run(['audit', '--site', 'phx-primary', '--json']);

    expect(arm.code).toBe(0);
    expect(arm.json()).toMatchObject({
      siteId: 'phx-primary',
      total: 16,
      armed: 16,
      failed: 0,
      byCarrier: { telnyx: { numbers: 10, armed: 10 }, twilio: { numbers: 6, armed: 6 } },
    });
    expect(plan.every((entry) => carriers.writesTo(entry.number) === 1)).toBe(true);
    expect(carriers.violations()).toEqual([]);
    expect(audit.code).toBe(0);
    expect(audit.json()).toMatchObject({ expect: 'armed', checked: 16, drifted: [], clean: true });
  });

  it('leaves numbers already armed alone on a second run', async () => {
    await run(['arm']);

    const again = await run(['arm']);

    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Carrier fallback of every site: 16 of 16 numbers armed');
    expect(again.stdout).toMatch(/total\s+16\s+0\s+16\s+0\s+0\s+0/);
    expect(plan.every((entry) => carriers.writesTo(entry.number) === 1)).toBe(true);
  });

  it('reports every unarmed number as drift and exits 5', async () => {
    const audit = await run(['audit']);

    expect(audit.code).toBe(5);
    expect(audit.stdout).toContain('16 of 16 numbers read, 16 drifted, 0 unreadable');
    expect(audit.stdout).toMatch(
      /\+16025550000\s+telnyx\s+not forwarded\s+not armed: no fallback on failure \(expected forwarding on failure to \+12145550000\)/,
    );
  });

  it('checks against forwarding during an incident with --expect forwarded', async () => {
    const audit = await run(['audit', '--site', 'phx-primary', '--expect', 'forwarded', '--json']);

    expect(audit.code).toBe(5);
    expect(audit.json()).toMatchObject({ expect: 'forwarded', checked: 16, clean: false });
  });

  it('skips numbers whose carrier has no forwarding on failure, names why, and audits them as not forwarding', async () => {
    await carriers.stop();
    ({ carriers, credentials, plan, configPath } = await startDeployment(['telnyx', 'bandwidth']));

    const arm = await run(['arm']);
    const audit = await run(['audit', '--json']);

    expect(arm.code).toBe(0);
    expect(arm.stdout).toMatch(/telnyx\s+10\s+10\s+0\s+0\s+0\s+0/);
    expect(arm.stdout).toMatch(
      /\+16025550016\s+bandwidth\s+skipped\s+bandwidth has no forwarding on failure/,
    );
    expect(
      plan
        .filter((entry) => entry.carrier === 'bandwidth')
        .every((entry) => carriers.writesTo(entry.number) === 0),
    ).toBe(true);
    expect(audit.code).toBe(0);
    expect(audit.json()).toMatchObject({ clean: true });
  });

  it('names every missing credential variable and exits 4 before calling any carrier', async () => {
    const { TELNYX_API_KEY: _telnyx, TWILIO_AUTH_TOKEN: _twilio, ...partial } = credentials;

    const arm = await run(['arm'], partial);

    expect(arm.code).toBe(4);
    expect(arm.stderr).toContain('carrier credentials are missing');
    expect(arm.stderr).toContain('telnyx: environment variable TELNYX_API_KEY is not set');
    expect(arm.stderr).toContain('twilio: environment variable TWILIO_AUTH_TOKEN is not set');
    expect(hasStackTrace(arm.stderr)).toBe(false);
    expect(plan.every((entry) => carriers.writesTo(entry.number) === 0)).toBe(true);
  });

  it('exits 4 when a carrier rejects the credentials', async () => {
    const audit = await run(['audit', '--site', 'phx-primary'], {
      ...credentials,
      TELNYX_API_KEY: 'KEYwrong',
    });

    expect(audit.code).toBe(4);
    expect(audit.stderr).toMatch(/telnyx: .*HTTP 401/);
  });

  it('has nothing to arm for a site without numbers, and exits 2 for an unknown site', async () => {
    const standby = await run(['arm', '--site', 'dal-standby']);
    const unknown = await run(['arm', '--site', 'den-primary']);

    expect(standby.code).toBe(0);
    expect(standby.stdout).toContain('dal-standby has no numbers in the plan: nothing to arm.');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown site "den-primary"');
  });
});
