/**
 * Messages between the drill or the forwarding bench and its far side (the local tables and the
 * carrier fakes in a worker thread), shared by both ends so they cannot drift apart.
 */
import type { PlanEntry } from '../../../lambdas/contracts/config/plan-entry';
import type { CarriersConfig, Config } from '../../../lambdas/contracts/config/schema';
import type { CallsReport } from './call-watch';
import type { ForwardingReadCarrier } from './forwarded-at-fake';
import type { LocalCarrierOptions, LocalCarriers } from './local-carriers';

/** What the worker starts. */
export interface FarSideOptions {
  /** The incident table's name. */
  tableName: string;
  /** The observation table's name, created beside it. */
  observationTableName: string;
  /**
   * A fake starts for each carrier the carriers section names; the sites' routes in native or
   * switch mode are seeded as the provider has them before an outage.
   */
  config: Pick<Config, 'carriers'> & Partial<Pick<Config, 'sites'>>;
  plan: PlanEntry[];
  fakes: LocalCarrierOptions;
}

/** Where the worker's servers listen and how to sign in to the fakes. */
export interface FarSideEndpoints {
  tableEndpoint: string;
  /** The config's carriers section pointed at the fakes. */
  carriers: CarriersConfig;
  credentialEnvironment: Record<string, string>;
}

/** The fakes' counts the drill polls while numbers are forwarded. */
export interface FarSideProgress {
  numbersChanged: number;
  byCarrier: Record<string, number>;
}

/** The fakes' evidence for the drill's result and the bench's report. */
export interface FarSideTally {
  /** Accepted writes per number, every number written so far. */
  writeCounts: Map<string, number>;
  requests: number;
  /** Requests answered 429. */
  rateLimited: number;
  /** Requests per carrier and operation. */
  requestsByOperation: Record<string, Record<string, number>>;
  violations: number;
}

/** The requests that changed each asked number, in the order the fakes handled them. */
export type FarSideWrites = Record<string, ReturnType<LocalCarriers['writesOf']>>;

/** What the worker answers a question with (`forwarded-at-fake`: a count; `routing-changed`: numbers). */
export type FarSideAnswer = FarSideProgress | FarSideTally | FarSideWrites | CallsReport | string[] | number;

/** Drill (or bench) to worker; `id` pairs a question with its answer. */
export type FarSideRequest =
  | { id: number; type: 'progress' }
  | { id: number; type: 'tally' }
  | { id: number; type: 'writes-of'; numbers: string[] }
  | { id: number; type: 'forwarded-at-fake'; carrier: ForwardingReadCarrier; destination: string }
  /** Starts watching where calls to a site's numbers go; `down`: targets (host:port) that no longer answer. */
  | { id: number; type: 'watch-calls'; siteId: string; down: string[]; diedAt: number }
  /** Starts watching, from the site's revival, until every number's calls go where they went before. */
  | { id: number; type: 'watch-home'; siteId: string; revivedAt: number }
  /** What the watch (`home`: the one since the revival) has seen so far. */
  | { id: number; type: 'calls-report'; home?: boolean }
  /** Keeps the routing of the plan's numbers now; `routing-changed` lists those that differ later. */
  | { id: number; type: 'routing-baseline' }
  | { id: number; type: 'routing-changed' }
  | { id: number; type: 'stop' };

/** Worker to drill (or bench). */
export type FarSideMessage =
  | { type: 'ready'; endpoints: FarSideEndpoints }
  | { type: 'failed'; message: string }
  | { type: 'answer'; id: number; value: FarSideAnswer | null }
  | { type: 'error'; id: number; message: string };
