/**
 * The bench's handle on its far side (see carrier-side-worker.ts): starts the worker, builds the
 * real carrier adapter and DynamoDB client pointed at it, and reads the fake's report at the end.
 */

import { resolve } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BandwidthCarrier } from '../../lambdas/adapters/carriers/bandwidth';
import { TelnyxCarrier } from '../../lambdas/adapters/carriers/telnyx';
import type { Carrier } from '../../lambdas/ports/carriers';
import { startTsWorker } from '../support/start-ts-worker';
import type {
  CarrierSideCommand,
  CarrierSideEndpoints,
  CarrierSideEvent,
  CarrierSideOptions,
  CarrierSideReport,
} from './carrier-side-protocol';

const WORKER_FILE = resolve(__dirname, 'carrier-side-worker.ts');

/** A running far side: carrier fake and incident table in a worker thread. */
export class CarrierSide {
  readonly documentClient: DynamoDBDocumentClient;
  private readonly client: DynamoDBClient;
  private readonly utilizationMark: EventLoopUtilization;

  private constructor(
    private readonly worker: Worker,
    readonly options: CarrierSideOptions,
    readonly endpoints: CarrierSideEndpoints,
  ) {
    this.client = new DynamoDBClient({
      endpoint: endpoints.tableEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    this.documentClient = DynamoDBDocumentClient.from(this.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.utilizationMark = worker.performance.eventLoopUtilization();
  }

  /** Starts the worker and waits until its fake and table listen. */
  static async start(options: CarrierSideOptions): Promise<CarrierSide> {
    const worker = startTsWorker(WORKER_FILE, options);
    const endpoints = await new Promise<CarrierSideEndpoints>((resolveReady, reject) => {
      worker.once('error', reject);
      worker.once('message', (event: CarrierSideEvent) => {
        if (event.type === 'ready') resolveReady(event.endpoints);
        else reject(new Error(`the carrier-side worker did not start: ${describeEvent(event)}`));
      });
    });
    return new CarrierSide(worker, options, endpoints);
  }

  /** The table's name in the worker's dynalite. */
  get tableName(): string {
    return this.endpoints.tableName;
  }

  /** A fresh adapter of the carrier (empty id caches, like a cold Lambda) that sends through `fetchImpl`. */
  carrier(fetchImpl: typeof fetch): Carrier {
    const { baseUrl, credentials } = this.endpoints;
    if (this.options.carrier === 'telnyx') {
      return new TelnyxCarrier({ apiKey: credentials.apiKey, baseUrl, fetch: fetchImpl });
    }
    return new BandwidthCarrier({
      accountId: credentials.accountId,
      username: credentials.username,
      password: credentials.password,
      baseUrl,
      fetch: fetchImpl,
    });
  }

  /** Share of time the far side's event loop was busy since it started (near 1 means it was the bottleneck). */
  utilization(): number {
    return this.worker.performance.eventLoopUtilization(this.utilizationMark).utilization;
  }

  /** The fake's report of everything it received. */
  report(): Promise<CarrierSideReport> {
    return this.ask({ type: 'report' }, (event) => (event.type === 'report' ? event.report : undefined));
  }

  /** Stops the fake and the table and ends the worker. */
  async stop(): Promise<void> {
    this.client.destroy();
    await this.ask({ type: 'stop' }, (event) => (event.type === 'stopped' ? true : undefined));
    await this.worker.terminate();
  }

  private ask<T>(command: CarrierSideCommand, pick: (event: CarrierSideEvent) => T | undefined): Promise<T> {
    return new Promise<T>((resolveAnswer, reject) => {
      const onMessage = (event: CarrierSideEvent) => {
        const answer = pick(event);
        if (answer === undefined && event.type !== 'failed') return;
        this.worker.off('message', onMessage);
        if (answer === undefined)
          reject(new Error(`the carrier-side worker failed: ${describeEvent(event)}`));
        else resolveAnswer(answer);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage(command);
    });
  }
}

function describeEvent(event: CarrierSideEvent): string {
  return event.type === 'failed' ? event.message : `unexpected "${event.type}" message`;
}
