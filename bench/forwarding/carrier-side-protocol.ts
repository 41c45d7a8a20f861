/**
 * Messages between the bench and its "far side" worker (carrier fake plus DynamoDB), shared by both
 * ends so they cannot drift apart.
 */

/** Carriers the forwarding benchmarks drive: Telnyx (per number and bulk jobs) and Bandwidth (orders). */
export type BenchCarrier = 'telnyx' | 'bandwidth';

/** What the worker starts. */
export interface CarrierSideOptions {
  carrier: BenchCarrier;
  /** E.164 numbers seeded at the fake, none forwarded. */
  numbers: string[];
  /** The plan's destination, to count the numbers the fake shows forwarded there. */
  destination: string;
  /** Requests a second the fake accepts before answering 429 with Retry-After. */
  rateLimitPerSecond: number;
  /** Seeded latency range of every answer. */
  latencyMs: [number, number];
  seed: number;
}

/** Where the worker's servers listen and how to sign in. */
export interface CarrierSideEndpoints {
  tableEndpoint: string;
  tableName: string;
  baseUrl: string;
  /** The fake's credentials: `apiKey` for Telnyx; `accountId`, `username`, `password` for Bandwidth. */
  credentials: Record<string, string>;
}

/** The fake's view of a run, read from its request log and state. */
export interface CarrierSideReport {
  /** Every request the fake received. */
  requests: number;
  byOperation: Record<string, number>;
  /** Requests answered 429 (by the rate limit: the benchmarks inject no other faults). */
  rateLimited: number;
  violations: number;
  /** Numbers with at least one write that took effect. */
  numbersWritten: number;
  /** Numbers with more than one write that took effect: must be 0. */
  appliedTwice: number;
  /** Numbers whose routing at the fake forwards every call to the destination. */
  forwardedAtCarrier: number;
}

/** Worker to bench. */
export type CarrierSideEvent =
  | { type: 'ready'; endpoints: CarrierSideEndpoints }
  | { type: 'report'; report: CarrierSideReport }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

/** Bench to worker. */
export type CarrierSideCommand = { type: 'report' } | { type: 'stop' };
