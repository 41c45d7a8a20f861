/**
 * `arm` and `audit` take the routing baseline of the sites they work on: every plan number read at
 * its carrier's fake and kept in the incident table (dynalite), one row a carrier in `--json` and one
 * line in the text output; a baseline that cannot be kept is said, not counted as a failure.
 */
import { readFileSync } from 'node:fs';
import { createCarrierDirectory } from '../../../lambdas/adapters/carriers/carrier-directory';
import { DynamoDbRoutingBaselineStore } from '../../../lambdas/adapters/dynamodb/routing-baseline-store';
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { CarrierName } from '../../../lambdas/contracts/config/schema';
import { loadDeployment } from '../../../lib/config/load-config';
import { type LocalCarriers, startLocalCarriers } from '../../../lib/developer/far-side/local-carriers';
import type { LocalIncidentTable } from '../../../lib/developer/far-side/local-incident-table';
import { EXAMPLE_PLAN, exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import { closedLoopbackUrl, runCli } from './support/cli-process';
import { startExampleIncidentTable, writeOpenIncident } from './support/incident-table';

/** Carriers with a quick fake (Bandwidth's orders take 2 s polls) and no routes. */
const KEPT: CarrierName[] = ['telnyx', 'twilio'];

interface BaselineRow {
  site: string;
  carrier: string;
  numbers: number;
  read: number;
  unread: { number: string; reason: string }[];
  requests: number;
  stored: boolean;
  error?: string;
  skipped?: string;
}

describe('carrier-failover arm and audit: the routing baseline', () => {
  let carriers: LocalCarriers;
  let table: LocalIncidentTable;
  let plan: PlanEntry[];
  let configPath: string;
  let unreachable: string;
  const run = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli([...args, '--config', configPath], {
      unreachable,
      env: { ...carriers.credentialEnvironment, AWS_ENDPOINT_URL_DYNAMODB: table.endpoint, ...env },
    });
  const countOf = (carrier: CarrierName) => plan.filter((entry) => entry.carrier === carrier).length;

  beforeEach(async () => {
    unreachable = await closedLoopbackUrl();
    table = await startExampleIncidentTable();
    const loaded = loadDeployment();
    plan = loaded.plan.filter((entry) => KEPT.includes(entry.carrier));
    const sites = loaded.config.sites.map(({ failover: _failover, ...site }) => site);
    const kept = Object.fromEntries(
      Object.entries(loaded.config.carriers).filter(([name]) => KEPT.includes(name as CarrierName)),
    );
    carriers = await startLocalCarriers({ carriers: kept, sites }, plan);
    const deployment = exampleConfigObject();
    for (const site of deployment.sites) delete site.failover;
    deployment.carriers = Object.fromEntries(
      Object.entries(carriers.carriers).map(([name, section]) => [
        name,
        { ...section, rateLimitPerSecond: 100 },
      ]),
    );
    const planText = readFileSync(EXAMPLE_PLAN, 'utf8')
      .split('\n')
      .filter((line) => !/^\+/.test(line) || KEPT.some((name) => line.includes(`,${name},`)))
      .join('\n');
    configPath = writeDeploymentFiles(deployment, planText);
  });

  afterEach(async () => {
    await carriers.stop();
    await table.stop();
  });

  it('arm keeps the armed routing of every number as the baseline, one row a carrier', async () => {
    const arm = await run(['arm', '--json']);

    expect(arm.code).toBe(0);
    const rows = arm.json<{ baseline: BaselineRow[] }>().baseline;
    expect(
      rows.map(({ site, carrier, numbers, read, unread, stored }) => ({
        site,
        carrier,
        numbers,
        read,
        unread,
        stored,
      })),
    ).toEqual(
      KEPT.map((carrier) => ({
        site: 'phx-primary',
        carrier,
        numbers: countOf(carrier),
        read: countOf(carrier),
        unread: [],
        stored: true,
      })),
    );
    for (const row of rows) expect(row.requests).toBeGreaterThan(0);
    // What is kept is what each carrier says now: every number armed (forward on failure).
    const baseline = await new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName).load(
      'phx-primary',
    );
    const adapters = await createCarrierDirectory(carriers.carriers, carriers.credentialSource);
    expect(baseline.size).toBe(plan.length);
    for (const entry of plan) {
      const now = await adapters[entry.carrier]!.readRouting(entry.number);
      expect(baseline.get(entry.number)?.snapshot).toEqual(now);
      expect(now).toMatchObject({ forwardsTo: entry.forwardTo, mode: 'on-failure' });
    }
    expect(carriers.violations()).toEqual([]);
  });

  it('audit prints one baseline line a carrier and keeps the baseline', async () => {
    const audit = await run(['audit', '--site', 'phx-primary', '--expect', 'normal']);

    expect(audit.code).toBe(0);
    for (const carrier of KEPT) {
      const count = countOf(carrier);
      expect(audit.stdout).toMatch(
        new RegExp(
          `^Routing baseline phx-primary ${carrier}: ${count} of ${count} numbers read in \\d+ requests, kept$`,
          'm',
        ),
      );
    }
    const baseline = await new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName).load(
      'phx-primary',
    );
    expect([...baseline.keys()].sort()).toEqual(plan.map((entry) => entry.number).sort());
  });

  it('says the baseline was not kept when no region answers, and still exits 0', async () => {
    const arm = await run(['arm', '--json'], { AWS_ENDPOINT_URL_DYNAMODB: unreachable });
    const text = await run(['arm'], { AWS_ENDPOINT_URL_DYNAMODB: unreachable });

    expect(arm.code).toBe(0);
    const rows = arm.json<{ baseline: BaselineRow[] }>().baseline;
    expect(rows).toHaveLength(KEPT.length);
    for (const row of rows) {
      expect(row).toMatchObject({ stored: false, read: 0 });
      expect(row.error).toMatch(/^its open incident could not be looked up: no region answered for DynamoDB/);
      expect(row.unread).toHaveLength(row.numbers);
    }
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Routing baseline phx-primary telnyx: 0 of 10 numbers read .*NOT KEPT/m);
    expect(text.stdout).toContain('A failover reads the numbers whose baseline was not kept');
  });

  it('leaves a site with an open incident alone and says why', async () => {
    await writeOpenIncident(table, {
      siteId: 'phx-primary',
      outageStartedAt: Date.UTC(2026, 10, 24, 2, 59, 30),
      status: 'forwarded',
      entries: plan,
      numberStatuses: plan.map(() => 'forwarded'),
    });

    const audit = await run(['audit', '--expect', 'forwarded', '--json']);

    const rows = audit.json<{ baseline: BaselineRow[] }>().baseline;
    expect(rows.map((row) => [row.carrier, row.stored, row.skipped])).toEqual(
      KEPT.map((carrier) => [
        carrier,
        false,
        'incident phx-primary-20261124T025930Z is open; its numbers may be forwarded',
      ]),
    );
    const baseline = await new DynamoDbRoutingBaselineStore(table.documentClient, table.tableName).load(
      'phx-primary',
    );
    expect(baseline.size).toBe(0);
  });
});
