import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { probeControlTarget, withControlTargets } from '../../../lambdas/adapters/probes/control-probe';
import type { Site } from '../../../lambdas/contracts/config/schema';
import type { Observation } from '../../../lambdas/ports/detection';

const SITE: Site = { id: 'phx-primary', role: 'primary', sip: [], http: [], calls: [] };

describe('control targets', () => {
  let server: Server;
  let base: string;
  let requests: string[];

  beforeEach(async () => {
    requests = [];
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      // Any answer reaches the target: a 404 or a redirect proves the network as well as a 200.
      const status = request.url === '/gone' ? 404 : request.url === '/moved' ? 302 : 204;
      response.writeHead(status, status === 302 ? { location: '/elsewhere' } : {}).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('counts any HTTP answer as reached, without following redirects', async () => {
    const results = await Promise.all(
      ['/generate_204', '/gone', '/moved'].map((path) =>
        probeControlTarget(`${base}${path}`, { timeoutMs: 2000 }),
      ),
    );

    expect(results.map((result) => [result.ok, result.reason])).toEqual([
      [true, 'HTTP 204'],
      [true, 'HTTP 404'],
      [true, 'HTTP 302'],
    ]);
    expect(requests).toEqual(['/generate_204', '/gone', '/moved']);
  });

  it('fails a target nobody listens on, and one that does not answer in time', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const silent = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    try {
      const [refused, timedOut] = await Promise.all([
        probeControlTarget(`http://127.0.0.1:${closedPort}/`, { timeoutMs: 2000 }),
        probeControlTarget(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, { timeoutMs: 200 }),
      ]);

      expect(refused).toMatchObject({ ok: false, reason: 'connection refused' });
      expect(timedOut).toMatchObject({ ok: false, reason: 'timeout after 200 ms' });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((done) => silent.close(() => done()));
    }
  });

  it('adds the control observations to every site of a round, requesting each target once a round', async () => {
    const siteObservation = (site: Site, round: { region: string; at: number }): Observation => ({
      siteId: site.id,
      region: round.region,
      at: round.at,
      ok: false,
      endpoint: 'sip:udp:sbc1.phx.example.net:5060',
      reason: 'timeout after 2000 ms',
    });
    const probe = withControlTargets(
      async (site, round) => [siteObservation(site, round)],
      [`${base}/generate_204`, `${base}/gone`],
      { timeoutMs: 2000 },
    );
    const round = { region: 'us-east-1', at: 1_000 };

    const [primary, standby] = await Promise.all([
      probe(SITE, round),
      probe({ ...SITE, id: 'dal-standby', role: 'standby' }, round),
    ]);
    await probe(SITE, { ...round, at: 11_000 });

    expect(primary.map((o) => [o.siteId, o.endpoint, o.ok])).toEqual([
      ['phx-primary', 'sip:udp:sbc1.phx.example.net:5060', false],
      ['phx-primary', `control:${base}/generate_204`, true],
      ['phx-primary', `control:${base}/gone`, true],
    ]);
    expect(standby.filter((o) => o.endpoint.startsWith('control:')).map((o) => o.siteId)).toEqual([
      'dal-standby',
      'dal-standby',
    ]);
    expect(primary.every((o) => o.region === 'us-east-1' && o.at === 1_000)).toBe(true);
    // Two rounds, two targets: four requests, however many sites.
    expect(requests).toHaveLength(4);
  });

  it('leaves the prober as it is when there are no control targets', () => {
    const probeSite = async () => [];

    expect(withControlTargets(probeSite, [], { timeoutMs: 2000 })).toBe(probeSite);
  });
});
