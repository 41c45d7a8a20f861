/**
 * The drill's stand-in for the config's control targets: a loopback web server that answers 204
 * and stays up while the site is killed, as the public endpoints the probes request do during a
 * real outage. With it the drill's probes run the same control path as the deployed ones.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalControlTarget {
  url: string;
  /** Requests answered so far. */
  readonly requests: number;
  stop(): Promise<void>;
}

export async function startLocalControlTarget(): Promise<LocalControlTarget> {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests++;
    response.writeHead(204).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/generate_204`,
    get requests() {
      return requests;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
