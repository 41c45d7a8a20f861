/**
 * `arm` and `audit` for the routes of the example deployment (Telnyx, Twilio and Bandwidth native):
 * each route armed and read back at the spec-checking fakes, the read-back kept in the incident table
 * (dynalite) for the failover, every number the carrier would not route by it named, and never
 * "ready" without a read-back.
 */
import { readFileSync } from 'node:fs';
import { DynamoDbRouteReadBackStore } from '../../../lambdas/adapters/dynamodb/route-read-back-store';
import type { CarrierName } from '../../../lambdas/contracts/config/schema';
import { loadDeployment } from '../../../lib/config/load-config';
import { type LocalCarriers, startLocalCarriers } from '../../../lib/developer/far-side/local-carriers';
import type { LocalIncidentTable } from '../../../lib/developer/far-side/local-incident-table';
import { EXAMPLE_PLAN, exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import { closedLoopbackUrl, runCli } from './support/cli-process';
import { startExampleIncidentTable } from './support/incident-table';

const ROUTED: CarrierName[] = ['telnyx', 'twilio', 'bandwidth'];

interface RouteResult {
  siteId: string;
  carrier: string;
  mode: string;
  armed: boolean;
  details: string[];
  ignored: { number: string; reason: string }[];
  error?: string;
}

describe('carrier-failover arm and audit: the routes', () => {
  let carriers: LocalCarriers;
  let table: LocalIncidentTable;
  let configPath: string;
  let credentials: Record<string, string>;
  let unreachable: string;
  const { config, plan: fullPlan } = loadDeployment();
  // The webhook is left out: its fake speaks plain HTTP, the schema wants https.
  const plan = fullPlan.filter((entry) => ROUTED.includes(entry.carrier));
  const run = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli([...args, '--config', configPath], {
      unreachable,
      env: { ...credentials, AWS_ENDPOINT_URL_DYNAMODB: table.endpoint, ...env },
    });

  beforeEach(async () => {
    unreachable = await closedLoopbackUrl();
    table = await startExampleIncidentTable();
    const { webhook: _webhook, ...routedCarriers } = config.carriers;
    const [primary, ...others] = config.sites;
    const { webhook: _hook, ...failover } = primary.failover ?? {};
    carriers = await startLocalCarriers(
      { carriers: routedCarriers, sites: [{ ...primary, failover }, ...others] },
      plan,
    );
    const { telnyx, twilio, bandwidth } = carriers.fakes;
    credentials = {
      TELNYX_API_KEY: telnyx!.apiKey,
      TWILIO_ACCOUNT_SID: twilio!.accountSid,
      TWILIO_AUTH_TOKEN: twilio!.authToken,
      BANDWIDTH_ACCOUNT_ID: bandwidth!.accountId,
      BANDWIDTH_USERNAME: bandwidth!.username,
      BANDWIDTH_PASSWORD: bandwidth!.password,
    };
    const deployment = exampleConfigObject();
    delete deployment.sites[0].failover.webhook;
    deployment.carriers = Object.fromEntries(
      Object.entries(carriers.carriers).map(([name, section]) => [
        name,
        { ...section, rateLimitPerSecond: 100 },
      ]),
    );
    const planText = readFileSync(EXAMPLE_PLAN, 'utf8')
      .split('\n')
      .filter((line) => !line.includes(',webhook,'))
      .join('\n');
    configPath = writeDeploymentFiles(deployment, planText);
  });

  afterEach(async () => {
    await carriers.stop();
    await table.stop();
  });

  /** Plan numbers whose calls reach no live target while the site's SBC does not answer. */
  const unreached = () =>
    plan
      .filter(
        (entry) =>
          carriers.routeCall(
            entry.number,
            entry.carrier,
            (target) => !target.includes('sbc1.phx.example.net'),
          ).reached === null,
      )
      .map((entry) => entry.number);

  it('arms every route, reads it back, keeps the read-back for the failover, and arms no number one by one', async () => {
    expect(unreached()).toHaveLength(plan.length);

    const arm = await run(['arm', '--json']);

    expect(arm.code).toBe(0);
    const result = arm.json<{ routes: { routes: RouteResult[]; stored: boolean }; results: unknown[] }>();
    expect(result.routes.stored).toBe(true);
    expect(
      result.routes.routes.map((route) => [route.carrier, route.mode, route.armed, route.ignored]),
    ).toEqual([
      ['telnyx', 'native', true, []],
      ['twilio', 'native', true, []],
      ['bandwidth', 'native', true, []],
    ]);
    for (const route of result.routes.routes) expect(route.details.length).toBeGreaterThan(0);
    expect(result.results).toEqual([]);
    expect(unreached()).toEqual([]);
    const store = new DynamoDbRouteReadBackStore(table.documentClient, table.tableName);
    for (const carrier of ROUTED) {
      expect(await store.get('phx-primary', carrier)).toMatchObject({ armed: true, by: 'arm', ignored: [] });
    }
    expect(carriers.violations()).toEqual([]);
  });

  it('arms only once: a second arm changes nothing at the carriers', async () => {
    await run(['arm']);
    const writes = carriers.writeCounts();
    const requests = carriers.requestCountByOperation();

    const again = await run(['arm']);

    expect(again.code).toBe(0);
    expect(carriers.writeCounts()).toEqual(writes);
    const after = carriers.requestCountByOperation();
    for (const operation of [
      'CreateFqdn',
      'UpdateFqdnConnection',
      'CreateOriginationUrl',
      'UpdateTrunk',
      'UpdateSipPeer',
    ]) {
      const total = (counts: typeof after) =>
        Object.values(counts).reduce((sum, ops) => sum + (ops[operation] ?? 0), 0);
      expect(total(after)).toBe(total(requests));
    }
  });

  it('audit before any arm: every route NOT READY, named with what the carrier has, exit 5', async () => {
    const audit = await run(['audit']);

    expect(audit.code).toBe(5);
    expect(audit.stdout).toMatch(/phx-primary\s+telnyx\s+native\s+NOT READY/);
    expect(audit.stdout).toMatch(/phx-primary\s+twilio\s+native\s+NOT READY/);
    expect(audit.stdout).toMatch(/phx-primary\s+bandwidth\s+native\s+NOT READY/);
  });

  it('audit names a number whose own forwarding overrides the route, with the carrier reason, and audits its own fallback', async () => {
    await run(['arm']);
    const [first] = plan.filter((entry) => entry.carrier === 'telnyx');
    const connectionId = config.sites[0].failover?.telnyx?.connectionId;
    carriers.fakes.telnyx!.seedNumbers([
      {
        phoneNumber: first.number,
        connectionId,
        callForwarding: {
          call_forwarding_enabled: true,
          forwards_to: '+12145559999',
          forwarding_type: 'always',
        },
      },
    ]);

    const audit = await run(['audit', '--json']);

    const result = audit.json<{ routes: { routes: RouteResult[] }; drifted: { number: string }[] }>();
    const telnyx = result.routes.routes.find((route) => route.carrier === 'telnyx');
    expect(telnyx?.ignored).toEqual([{ number: first.number, reason: expect.stringMatching(/forward/i) }]);
    expect(result.drifted.map((drift) => drift.number)).toEqual([first.number]);
    expect(audit.code).toBe(5);
  });

  it('says the read-backs could not be kept when the incident table is out of reach, and exits 5', async () => {
    const arm = await run(['arm'], { AWS_ENDPOINT_URL_DYNAMODB: unreachable });

    expect(arm.code).toBe(5);
    expect(arm.stdout).toContain('The read-backs could not be kept in the incident table');
    expect(arm.stdout).toContain('a failover will read the routes first');
  });
});
