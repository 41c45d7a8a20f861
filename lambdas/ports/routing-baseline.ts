/**
 * The routing baseline: every plan number's routing at its carrier, read ahead of an outage in the
 * carrier's pages (arm, audit, the weekly practice, a daily read) and kept in the incident table, so
 * that at outage time one paged pass checks it and the writes start at once.
 */
import type { CarrierName } from '../contracts/config/schema';
import type { RoutingSnapshot } from './carriers';

/** One number's routing as the baseline holds it. */
export interface BaselineEntry {
  snapshot: RoutingSnapshot;
  /** Epoch ms the routing was read at the carrier. */
  readAt: number;
}

/** A site's baseline, by number (every carrier of the site). */
export type RoutingBaseline = ReadonlyMap<string, BaselineEntry>;

/** Where baselines are kept (the incident table, replicated to every region). */
export interface RoutingBaselineStore {
  /**
   * Replaces the baseline of one carrier at a site with `entries`. A reader sees either the old
   * baseline or the new one whole, never a mix; a save older than the stored one (`takenAt`) is
   * dropped, so two regions refreshing at once cannot put an older read back.
   */
  save(
    siteId: string,
    carrier: CarrierName,
    takenAt: number,
    entries: readonly BaselineEntry[],
  ): Promise<void>;
  /** The site's baseline across its carriers; empty when none was taken. */
  load(siteId: string): Promise<RoutingBaseline>;
}
