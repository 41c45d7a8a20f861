/**
 * Turns one engine run into the figures the forwarding report compares, including the split of a
 * worker's time that says what limits throughput: the engine runs `maxConcurrency` workers, each
 * taking one number at a time through claim → read → save snapshot → claim → write → settle, and
 * a worker holds a carrier slot only while a carrier request is in flight.
 */
import type { EngineRunResult } from './engine-run';

/** Figures of one run. */
export interface RunFigures {
  numbersPerSecond: number;
  /** Requests the carrier accepted (not 429) per second of the whole forwardNumbers call. */
  requestsPerSecond: number;
  /** requestsPerSecond ÷ R. */
  fractionOfLimit: number;
  /** Accepted requests per second between the first carrier request and the last answer, ÷ R. */
  steadyFractionOfLimit: number;
  /** numbersPerSecond ÷ (R ÷ minimum requests per number). */
  numbersVsTheoretical: number;
  /** Every request the fake received (429s included) per number. */
  requestsPerNumber: number;
  /** Share of the whole call spent before the first carrier request (state rows created and listed). */
  setupShare: number;
  /** Mean carrier requests in flight ÷ maxConcurrency, over the carrier window. */
  slotOccupancy: number;
  /** Worker time per number (maxConcurrency × window ÷ numbers). */
  workerMsPerNumber: number;
  /** Of it, time with a carrier request in flight. */
  carrierMsPerNumber: number;
  /** Of it, time in state-store calls (DynamoDB round trips, summed). */
  storeMsPerNumber: number;
}

/** Computes a run's figures against the fake's limit R and the engine's maxConcurrency. */
export function figuresOf(
  run: EngineRunResult,
  rateLimitPerSecond: number,
  maxConcurrency: number,
  minimumRequestsPerNumber: number,
): RunFigures {
  const seconds = run.elapsedMs / 1000;
  const numbersPerSecond = run.numbers / seconds;
  const requestsPerSecond = run.acceptedRequests / seconds;
  const windowSeconds = run.carrierWindowMs / 1000;
  return {
    numbersPerSecond,
    requestsPerSecond,
    fractionOfLimit: requestsPerSecond / rateLimitPerSecond,
    steadyFractionOfLimit: windowSeconds > 0 ? run.acceptedRequests / windowSeconds / rateLimitPerSecond : 0,
    numbersVsTheoretical: numbersPerSecond / (rateLimitPerSecond / minimumRequestsPerNumber),
    requestsPerNumber: run.carrierSide.requests / run.numbers,
    setupShare: run.setupMs / run.elapsedMs,
    slotOccupancy: run.traffic.meanInFlight / maxConcurrency,
    workerMsPerNumber: (maxConcurrency * run.carrierWindowMs) / run.numbers,
    carrierMsPerNumber: (run.traffic.meanInFlight * run.carrierWindowMs) / run.numbers,
    storeMsPerNumber: (run.store.updateMs + run.store.getMs) / run.numbers,
  };
}
