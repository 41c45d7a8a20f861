import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SipResponder } from '../../../lib/developer/drill/sip-responder';
import { exampleConfigObject, writeDeploymentFiles } from '../../support/config-files';
import { closedLoopbackUrl, runCli } from './support/cli-process';

describe('carrier-failover probe', () => {
  let sip: SipResponder;
  let portal: Server;
  let portalStatus: number;
  let configPath: string;
  let unreachable: string;

  beforeEach(async () => {
    unreachable = await closedLoopbackUrl();
    sip = await SipResponder.start({ mode: 200 });
    portalStatus = 200;
    portal = createServer((_request, response) => {
      response.writeHead(portalStatus, { 'content-type': 'text/plain' });
      response.end(portalStatus === 200 ? 'ok' : 'out of sync');
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    const config = exampleConfigObject();
    config.detection.probeTimeoutMs = 1000;
    config.sites[0].sip = [
      { host: '127.0.0.1', port: sip.port, transport: 'udp' },
      { host: '127.0.0.1', port: sip.port, transport: 'tcp' },
    ];
    config.sites[0].http = [
      { url: `http://127.0.0.1:${(portal.address() as AddressInfo).port}/health`, bodyContains: 'ok' },
    ];
    config.sites[1].sip = [{ host: '127.0.0.1', port: sip.port, transport: 'udp' }];
    // Test calls have their own test below; the example's goes to a host that does not resolve here.
    config.sites[0].calls = [];
    // Any answer reaches a control target, the portal's 404 or 500 included.
    config.detection.controlTargets = [`http://127.0.0.1:${(portal.address() as AddressInfo).port}/control`];
    configPath = writeDeploymentFiles(config);
  });

  afterEach(async () => {
    await sip.close();
    portal.closeAllConnections();
    await new Promise<void>((resolve) => portal.close(() => resolve()));
  });

  it('reports each endpoint healthy with its latency and exits 0', async () => {
    const run = await runCli(['probe', '--site', 'phx-primary', '--config', configPath, '--json'], {
      unreachable,
    });

    expect(run.code).toBe(0);
    const result = run.json<{
      healthy: boolean;
      sites: {
        siteId: string;
        roundOk: boolean;
        endpoints: { endpoint: string; healthy: boolean; latencyMs: number }[];
      }[];
    }>();
    expect(result.healthy).toBe(true);
    expect(result.sites.map((site) => site.siteId)).toEqual(['phx-primary']);
    expect(result.sites[0].roundOk).toBe(true);
    expect(result.sites[0].endpoints.map((endpoint) => [endpoint.endpoint, endpoint.healthy])).toEqual([
      [`sip:udp:127.0.0.1:${sip.port}`, true],
      [`sip:tcp:127.0.0.1:${sip.port}`, true],
      [expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/health$/), true],
    ]);
    expect(result.sites[0].endpoints.every((endpoint) => typeof endpoint.latencyMs === 'number')).toBe(true);
    expect(sip.requests.some((request) => request.message.method === 'OPTIONS')).toBe(true);
    expect(run.json<{ control: unknown }>().control).toEqual({
      reached: true,
      targets: [
        {
          endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/control$/),
          healthy: true,
          latencyMs: expect.any(Number),
          reason: 'HTTP 200',
        },
      ],
    });
  });

  it("says when no control target answered either: the problem is this machine's network", async () => {
    const config = exampleConfigObject();
    config.detection.probeTimeoutMs = 1000;
    config.sites[0].sip = [{ host: '127.0.0.1', port: sip.port, transport: 'udp' }];
    config.sites[0].http = [];
    config.sites[0].calls = [];
    config.detection.controlTargets = [unreachable];
    await sip.setMode(503);

    const run = await runCli(['probe', '--site', 'phx-primary', '--config', writeDeploymentFiles(config)], {
      unreachable,
    });

    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(
      /\(control\)\s+http:\/\/127\.0\.0\.1:\d+\/?\s+UNREACHED\s+\d+ ms\s+connection refused/,
    );
    expect(run.stdout).toContain(
      'No control target answered either: the network of this machine is the likely problem',
    );
  });

  it('exits 5 and gives the reason when endpoints are unhealthy ("up but out of sync")', async () => {
    await sip.setMode(503);
    portalStatus = 500;

    const run = await runCli(['probe', '--config', configPath], { unreachable });

    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(
      /phx-primary\s+sip:udp:127\.0\.0\.1:\d+\s+UNHEALTHY\s+\d+ ms\s+SIP 503 Service Unavailable/,
    );
    expect(run.stdout).toMatch(
      /phx-primary\s+http:\/\/127\.0\.0\.1:\d+\/health\s+UNHEALTHY\s+\d+ ms\s+HTTP 500/,
    );
    expect(run.stdout).toContain('phx-primary: round FAILS');
    expect(run.stdout).toMatch(/dal-standby\s+sip:udp/);
  });

  it('exits 2 for an unknown site, listing the known ones', async () => {
    const run = await runCli(['probe', '--site', 'sea-primary', '--config', configPath], { unreachable });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown site "sea-primary": acme-voice has phx-primary, dal-standby');
  });
});
