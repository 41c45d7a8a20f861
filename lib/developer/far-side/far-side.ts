/**
 * The drill's and the forwarding bench's handle on its far side (see far-side-worker.ts): starts
 * the worker, connects a DynamoDB client to its table and reads the fakes' counts by message.
 */
import { resolve } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { EnvironmentCredentialSource } from '../../../lambdas/adapters/carriers/credentials';
import type { CarriersConfig } from '../../../lambdas/contracts/config/schema';
import type { CallsReport } from './call-watch';
import type {
  FarSideMessage,
  FarSideOptions,
  FarSideProgress,
  FarSideRequest,
  FarSideTally,
  FarSideWrites,
} from './far-side-protocol';
import type { ForwardingReadCarrier } from './forwarded-at-fake';
import { connectToIncidentTable, type LocalIncidentTable } from './local-incident-table';
import { startTsWorker } from './start-ts-worker';

const WORKER_FILE = resolve(__dirname, 'far-side-worker.ts');

/** Requests without their `id`, which the handle assigns. */
type Question = FarSideRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A running far side: the incident table and the carrier fakes in a worker thread. */
export class FarSide {
  /** A client of the worker's table, on this thread. */
  readonly table: LocalIncidentTable;
  /** The config's carriers section pointed at the fakes. */
  readonly carriers: CarriersConfig;
  readonly credentialSource: EnvironmentCredentialSource;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 0;
  private utilizationMark: EventLoopUtilization;

  private constructor(
    private readonly worker: Worker,
    options: FarSideOptions,
    endpoints: {
      tableEndpoint: string;
      carriers: CarriersConfig;
      credentialEnvironment: Record<string, string>;
    },
  ) {
    this.table = connectToIncidentTable(
      endpoints.tableEndpoint,
      options.tableName,
      options.observationTableName,
    );
    this.carriers = endpoints.carriers;
    this.credentialSource = new EnvironmentCredentialSource(endpoints.credentialEnvironment);
    this.utilizationMark = worker.performance.eventLoopUtilization();
    worker.on('message', (message: FarSideMessage) => this.settle(message));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => this.failAll(new Error(`the far-side worker exited (code ${code})`)));
  }

  /** Starts the worker and waits until its table and fakes listen. */
  static async start(options: FarSideOptions): Promise<FarSide> {
    const worker = startTsWorker(WORKER_FILE, options);
    try {
      const endpoints = await new Promise<Extract<FarSideMessage, { type: 'ready' }>['endpoints']>(
        (resolveReady, reject) => {
          worker.once('error', reject);
          worker.once('message', (message: FarSideMessage) => {
            if (message.type === 'ready') resolveReady(message.endpoints);
            else
              reject(
                new Error(
                  `the far-side worker did not start: ${message.type === 'failed' ? message.message : message.type}`,
                ),
              );
          });
        },
      );
      return new FarSide(worker, options, endpoints);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  /** Numbers the fakes have seen changed so far, in all and per carrier. */
  progress(): Promise<FarSideProgress> {
    return this.ask({ type: 'progress' }) as Promise<FarSideProgress>;
  }

  /** Accepted writes per number, requests (all, answered 429, per operation) and contract violations so far. */
  tally(): Promise<FarSideTally> {
    return this.ask({ type: 'tally' }) as Promise<FarSideTally>;
  }

  /** The requests that changed each of `numbers`. */
  writesOf(numbers: string[]): Promise<FarSideWrites> {
    return this.ask({ type: 'writes-of', numbers }) as Promise<FarSideWrites>;
  }

  /** Plan numbers on `carrier` whose routing at its fake forwards every call to `destination`. */
  forwardedAtFake(carrier: ForwardingReadCarrier, destination: string): Promise<number> {
    return this.ask({ type: 'forwarded-at-fake', carrier, destination }) as Promise<number>;
  }

  /**
   * Starts watching where calls to `siteId`'s numbers go at the fakes, from `diedAt` (epoch ms), with
   * every target containing one of `down` (host:port) not answering.
   */
  watchCalls(siteId: string, down: string[], diedAt: number): Promise<CallsReport> {
    return this.ask({ type: 'watch-calls', siteId, down, diedAt }) as Promise<CallsReport>;
  }

  /** What the call watch (`home`: the one since the revival) has seen so far. */
  callsReport(home = false): Promise<CallsReport> {
    return this.ask({ type: 'calls-report', home }) as Promise<CallsReport>;
  }

  /**
   * Starts watching, from `revivedAt` (epoch ms), until every one of `siteId`'s numbers has its calls
   * going where they went before the outage (needs the routing baseline).
   */
  watchHome(siteId: string, revivedAt: number): Promise<CallsReport> {
    return this.ask({ type: 'watch-home', siteId, revivedAt }) as Promise<CallsReport>;
  }

  /** Keeps every plan number's routing at the fakes now (before the outage). */
  async takeRoutingBaseline(): Promise<void> {
    await this.ask({ type: 'routing-baseline' });
  }

  /** Plan numbers whose settings or calls' destination differ from the baseline now. */
  routingChanged(): Promise<string[]> {
    return this.ask({ type: 'routing-changed' }) as Promise<string[]>;
  }

  /** Starts a new window for `utilization`. */
  markUtilization(): void {
    this.utilizationMark = this.worker.performance.eventLoopUtilization();
  }

  /** Share of time the far side's event loop was busy since the last mark (near 1: it is the bottleneck). */
  utilization(): number {
    return this.worker.performance.eventLoopUtilization(this.utilizationMark).utilization;
  }

  /** Closes this thread's table client, stops the table and the fakes, and ends the worker. */
  async stop(): Promise<void> {
    await this.table.stop();
    await this.ask({ type: 'stop' });
    await this.worker.terminate();
  }

  private ask(question: Question): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolveAnswer, reject) => {
      this.pending.set(id, { resolve: resolveAnswer, reject });
      this.worker.postMessage({ ...question, id } as FarSideRequest);
    });
  }

  private settle(message: FarSideMessage): void {
    if (message.type !== 'answer' && message.type !== 'error') return;
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.type === 'answer') waiting.resolve(message.value);
    else waiting.reject(new Error(`the far side: ${message.message}`));
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
