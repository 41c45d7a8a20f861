/** What a drill reports: its progress while it runs and its result at the end. */
import type { IncidentReport } from '../../operator/report/incident-report';
import type { FarSideWrites } from '../far-side/far-side-protocol';
import type { FailbackWaited } from './out-of-sync-act';

/** One step of the outage, in ms from the moment the site was killed. */
export interface DrillStep {
  name: string;
  atMs: number;
}

/** The drill's result (`--json` prints it as it is, less `report`). */
export interface DrillResult {
  incidentId: string;
  steps: DrillStep[];
  detectedAfterMs: number;
  alertedAfterMs: number;
  forwardedAfterMs: number;
  numbers: { total: number; forwarded: number; failed: number; forwardedTwice: number };
  failback: { restored: number; failed: number; waves: number; restoredTwice: number };
  alerts: { kind: string; subject: string; atMs: number }[];
  /**
   * Per carrier, from the fakes' call routing: the mode that moved most of its numbers (`modes`: how
   * many each mode moved), the requests it received from the site's death to the last number's calls
   * reaching the backup, and when that was (ms from the kill); the requests it received from the
   * kill until the incident was forwarded (`failoverRequests`: the whole failover's, polls included),
   * and what the dry run before the kill estimated for them (`failover --dry-run`'s
   * byCarrier[].requests).
   */
  byCarrier: {
    carrier: string;
    mode: string;
    numbers: number;
    requests: number;
    failoverRequests: number;
    estimatedRequests: number;
    forwardedAfterMs: number;
    modes: Record<string, number>;
  }[];
  /**
   * Numbers whose settings or calls' destination at the fakes differ from before the outage once it
   * resolved (expected: none); null when the drill stopped at forwarded.
   */
  routingNotRestored: string[] | null;
  carrierRequests: number;
  /** The same per carrier and operation (e.g. `twilio: { UpdateIncomingPhoneNumber: 24, … }`). */
  carrierRequestsByOperation: Record<string, Record<string, number>>;
  forwardedTwiceEvidence: { number: string; writes: FarSideWrites[string] }[];
  contractViolations: number;
  /** Requests the probes sent to the loopback control target: the control path ran. */
  controlTargetRequests: number;
  /**
   * The `out-of-sync` scenario's stretch with OPTIONS and HTTP healthy but every test call failing:
   * why failback waited, when (ms from the kill), and what came home meanwhile (expected: nothing).
   * null in the `outage` scenario.
   */
  failbackWaited: FailbackWaited | null;
  report: IncidentReport;
  reportMarkdown: string;
  durationMs: number;
  /**
   * Share of the forwarding (from when the drill first saw the incident open to when it saw every
   * number forwarded) that each event loop was busy: the handlers' (probes, orchestrator, engine,
   * SDK clients) and the far side's (table and fakes). Near 1: that loop, not the carriers' rate,
   * set the pace.
   */
  forwardingLoad: { handlers: number; farSide: number };
  /**
   * When each number was forwarded and brought home, in ms from the kill (null: it was not), as
   * its state in the incident table records it: the data of the drill's chart.
   */
  numberTimes: {
    number: string;
    carrier: string;
    forwardedAtMs: number | null;
    restoredAtMs: number | null;
  }[];
}

/** Phases and counts the drill reports while it runs (the CLI draws them). */
export interface DrillProgress {
  phase(message: string): void;
  /** `detail`: a short breakdown, e.g. per carrier. */
  numbers(done: number, total: number, what: 'forwarded' | 'restored', detail?: string): void;
}
