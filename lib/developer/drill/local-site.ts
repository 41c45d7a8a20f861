import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Site } from '../../../lambdas/contracts/config/schema';
import { primarySipUriOf } from '../../../lambdas/contracts/config/site-routes';
import { SipResponder } from './sip-responder';

/** The test number the drill's site answers (any number would do: the responder answers every INVITE). */
export const LOCAL_TEST_NUMBER = '+15550100999';

/**
 * The drill's primary site on loopback: a SIP peer answering OPTIONS (UDP and TCP) and test calls,
 * and a health URL. `kill()` makes them all stop answering, as the 8/12/2022 data center did;
 * `revive()` brings them back; `reviveOutOfSync()` plays that day's second act: OPTIONS and the health
 * URL answer again while every test call gets 503, until `syncCalls()`.
 */
export class LocalSite {
  private healthy = true;

  private constructor(
    private readonly sip: SipResponder,
    private readonly health: Server,
  ) {}

  static async start(): Promise<LocalSite> {
    const sip = await SipResponder.start({ host: '127.0.0.1', mode: 200 });
    const site = new LocalSite(
      sip,
      createServer((_request, response) => site.answerHealth(response)),
    );
    await new Promise<void>((resolve) => site.health.listen(0, '127.0.0.1', resolve));
    return site;
  }

  /**
   * The site as the config describes it, pointed at this machine's loopback endpoints. The carriers'
   * view of the site (its SIP URI on their trunks and connections) keeps the config's name for it.
   */
  describe(template: Site): Site {
    const primarySipUri = primarySipUriOf(template);
    return {
      ...template,
      ...(template.failover && primarySipUri ? { failover: { ...template.failover, primarySipUri } } : {}),
      sip: [{ host: '127.0.0.1', port: this.sip.port, transport: 'udp', healthyCodes: [] }],
      http: [
        {
          url: `http://127.0.0.1:${(this.health.address() as AddressInfo).port}/health`,
          expectedStatus: 200,
          bodyContains: 'ok',
        },
      ],
      calls: [
        {
          host: '127.0.0.1',
          port: this.sip.port,
          transport: 'udp',
          to: LOCAL_TEST_NUMBER,
          from: 'carrier-failover',
          expect: [200],
          answerWithinMs: 500,
        },
      ],
    };
  }

  /** The SBC stops answering and the portal answers 503. */
  async kill(): Promise<void> {
    this.healthy = false;
    await this.sip.setMode('stopped');
  }

  async revive(): Promise<void> {
    this.sip.setCallMode(200);
    await this.sip.setMode(200);
    this.healthy = true;
  }

  /** Back online but out of sync: OPTIONS 200 and the health URL healthy, every test call refused. */
  async reviveOutOfSync(): Promise<void> {
    this.sip.setCallMode(503, 'Out Of Sync');
    await this.sip.setMode(200);
    this.healthy = true;
  }

  /** The softswitch is in sync again: test calls are answered. */
  syncCalls(): void {
    this.sip.setCallMode(200);
  }

  async stop(): Promise<void> {
    await this.sip.close();
    this.health.closeAllConnections();
    await new Promise<void>((resolve) => this.health.close(() => resolve()));
  }

  private answerHealth(response: import('node:http').ServerResponse): void {
    response.writeHead(this.healthy ? 200 : 503, { 'content-type': 'text/plain' });
    response.end(this.healthy ? 'ok' : 'softswitch out of sync');
  }
}
