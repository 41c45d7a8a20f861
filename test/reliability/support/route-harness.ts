/**
 * What the route tests share: the example deployment in native or switch mode, `arm` run against the
 * fakes as an operator would, and the fakes' answer to "where does a call to each number go now?".
 */
import { DynamoDbRouteReadBackStore } from '../../../lambdas/adapters/dynamodb/route-read-back-store';
import type { CarrierName, FailoverMode } from '../../../lambdas/contracts/config/config-constants';
import type { Config } from '../../../lambdas/contracts/config/schema';
import { primarySipUriOf } from '../../../lambdas/contracts/config/site-routes';
import { armDrillRoutes } from '../../../lib/developer/drill/drill-routes';
import type { Harness } from './reliability-harness';

/** The example config with the primary site's three routed carriers in `mode`. */
export function withRouteModes(config: Config, mode: Extract<FailoverMode, 'native' | 'switch'>): Config {
  const [primary, ...others] = config.sites;
  const failover = primary.failover ?? {};
  const routed: CarrierName[] = ['telnyx', 'twilio', 'bandwidth'];
  const settings = Object.fromEntries(
    routed.map((carrier) => [carrier, { ...(failover[carrier] as object), mode }]),
  );
  return { ...config, sites: [{ ...primary, failover: { ...failover, ...settings } }, ...others] };
}

/** Runs `carrier-failover arm`'s route part (the drill's): arms and reads back every route, and keeps the read-backs. */
export async function armRoutes(harness: Harness): Promise<void> {
  const { config, plan } = harness.files;
  const orchestrator = harness.orchestrator('us-east-1');
  const store = new DynamoDbRouteReadBackStore(harness.table.documentClient, harness.table.tableName);
  const reports = await armDrillRoutes(
    config,
    plan,
    await orchestrator.carriers(),
    store,
    orchestrator.clock,
  );
  for (const report of reports)
    expect(report.ok && report.readBack).toMatchObject({ armed: true, ignored: [] });
}

/** The primary site's `host:port` at the carriers, as the config names it. */
export function primaryTarget(config: Config): string {
  const uri = primarySipUriOf(config.sites[0]) ?? '';
  return uri.replace(/^sips?:/, '');
}

/** Plan numbers whose calls reach no live target while the primary site is `down` (or every target is up). */
export function numbersNotReached(harness: Harness, primaryDown: boolean): string[] {
  const down = primaryTarget(harness.files.config);
  const isUp = (target: string) => !(primaryDown && target.includes(down));
  return harness.files.plan
    .filter((entry) => entry.siteId === harness.files.config.sites[0].id)
    .filter((entry) => harness.carriers.routeCall(entry.number, entry.carrier, isUp).reached === null)
    .map((entry) => entry.number);
}

/** Where each plan number's calls go with every target up: the site before the outage and after it. */
export function destinationsWithAllUp(harness: Harness): Map<string, string | null> {
  return new Map(
    harness.files.plan.map((entry) => [
      entry.number,
      harness.carriers.routeCall(entry.number, entry.carrier, () => true).reached,
    ]),
  );
}

/** Requests each carrier's fake received so far. */
export function requestsByCarrier(harness: Harness): Record<string, number> {
  return Object.fromEntries(
    (['telnyx', 'twilio', 'bandwidth', 'webhook'] as const).map((carrier) => [
      carrier,
      harness.carriers.requestCountOf(carrier),
    ]),
  );
}
