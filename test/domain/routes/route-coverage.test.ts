import { routeKey, type SiteRoute } from '../../../lambdas/contracts/config/site-routes';
import { modeShares } from '../../../lambdas/domain/routes/describe-modes';
import { decideRouteCoverage, numberSetKey } from '../../../lambdas/domain/routes/route-coverage';
import type { StoredRouteReadBack } from '../../../lambdas/ports/route-read-backs';

const ROUTE: SiteRoute = {
  siteId: 'phx-primary',
  carrier: 'telnyx',
  mode: 'native',
  primarySipUri: 'sip:sbc1.phx.example.net:5060',
  backupSipUri: 'sip:sbc1.dal.example.net:5060',
  ids: { connectionId: '111', backupConnectionId: '222' },
};
const NUMBERS = ['+16025550000', '+16025550001', '+16025550002'];

function readBack(route: SiteRoute, changes: Partial<StoredRouteReadBack> = {}): StoredRouteReadBack {
  return {
    armed: true,
    details: ['FQDNs in sequence: sbc1.phx.example.net:5060, sbc1.dal.example.net:5060'],
    ignored: [{ number: '+16025550001', reason: 'forwards always to +12145559999' }],
    siteId: route.siteId,
    carrier: route.carrier,
    routeKey: routeKey(route),
    readAt: Date.UTC(2026, 11, 1),
    by: 'arm',
    checked: NUMBERS.length,
    numbersKey: numberSetKey(NUMBERS),
    ...changes,
  };
}

describe('decideRouteCoverage', () => {
  it('carries all but the numbers the read-back named, natively, when the site does not answer', () => {
    expect(decideRouteCoverage(ROUTE, NUMBERS, readBack(ROUTE), 'site-unreachable')).toEqual({
      kind: 'covers',
      mode: 'native',
      uncovered: ['+16025550001'],
    });
  });

  it('reads the route first without a read-back, with one of other route settings, or of another plan', () => {
    const moved = { ...ROUTE, ids: { ...ROUTE.ids, connectionId: '333' } };
    expect(decideRouteCoverage(ROUTE, NUMBERS, undefined, 'site-unreachable')).toMatchObject({
      kind: 'read-first',
    });
    expect(decideRouteCoverage(moved, NUMBERS, readBack(ROUTE), 'site-unreachable')).toEqual({
      kind: 'read-first',
      why: 'the last read-back is of other route settings',
    });
    expect(
      decideRouteCoverage(ROUTE, [...NUMBERS, '+16025550003'], readBack(ROUTE), 'site-unreachable'),
    ).toEqual({
      kind: 'read-first',
      why: 'the plan has changed since the last read-back',
    });
  });

  it('does not trust a native route the read-back found not armed, and says what it found', () => {
    const decision = decideRouteCoverage(
      ROUTE,
      NUMBERS,
      readBack(ROUTE, { armed: false }),
      'site-unreachable',
    );
    expect(decision).toMatchObject({ kind: 'not-covering' });
    expect(decision.kind === 'not-covering' && decision.reason).toMatch(/not ready: FQDNs in sequence/);
  });

  it('still switches a switch route the read-back found without native failover: planSwitch refuses what cannot work', () => {
    const route: SiteRoute = { ...ROUTE, mode: 'switch' };
    expect(
      decideRouteCoverage(route, NUMBERS, readBack(route, { armed: false }), 'site-unreachable'),
    ).toEqual({
      kind: 'covers',
      mode: 'switch',
      uncovered: ['+16025550001'],
    });
  });

  it('switches a native route when the site answers with errors, which no carrier fails over on', () => {
    expect(decideRouteCoverage(ROUTE, NUMBERS, readBack(ROUTE), 'sip-errors')).toEqual({
      kind: 'covers',
      mode: 'switch',
      uncovered: ['+16025550001'],
      note: "the carrier's own failover does not answer sip-errors: switching the route instead",
    });
    const withoutBackup: SiteRoute = { ...ROUTE, ids: { connectionId: '111' } };
    expect(decideRouteCoverage(withoutBackup, NUMBERS, readBack(withoutBackup), 'sip-errors')).toEqual({
      kind: 'not-covering',
      reason: "the carrier's own failover does not answer sip-errors and the route has no switch configured",
    });
  });

  it('keys a set of numbers by its members, not their order', () => {
    expect(numberSetKey([...NUMBERS].reverse())).toBe(numberSetKey(NUMBERS));
    expect(numberSetKey(NUMBERS.slice(1))).not.toBe(numberSetKey(NUMBERS));
  });
});

describe('modeShares', () => {
  it("counts a route's numbers by its mode and the rest by the carrier's slower mode", () => {
    const entries = [
      ...NUMBERS.map((number) => ({
        number,
        carrier: 'telnyx' as const,
        siteId: 'phx-primary',
        forwardTo: '+12145550000',
      })),
      {
        number: '+16025550009',
        carrier: 'webhook' as const,
        siteId: 'phx-primary',
        forwardTo: '+12145550009',
      },
    ];
    const routes = [
      {
        carrier: 'telnyx' as const,
        mode: 'native' as const,
        state: 'covered' as const,
        covered: 2,
        uncovered: ['+16025550001'],
        at: 0,
      },
    ];

    expect(modeShares(entries, routes, (carrier) => (carrier === 'telnyx' ? 'bulk' : 'per-number'))).toEqual([
      { carrier: 'telnyx', mode: 'native', numbers: 2 },
      { carrier: 'telnyx', mode: 'bulk', numbers: 1 },
      { carrier: 'webhook', mode: 'per-number', numbers: 1 },
    ]);
  });
});
