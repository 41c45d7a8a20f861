/**
 * The practice function's routing baseline: refreshed after each weekly practice (the carriers the
 * practice ran for) and on the daily read in every watchdog region, where it is left alone while it
 * is younger than 20 hours, so one region reads a day and another takes over when that one is down.
 */
import type { CarrierName } from '../contracts/config/schema';
import { logger } from '../runtime/powertools';
import type { PracticeWork } from './practice-invocation';
import {
  BASELINE_FRESH_FOR_MS,
  type BaselineRefreshSummary,
  refreshRoutingBaseline,
} from './routing-baseline-refresh';

/** One carrier of one site as the function returns and logs it: unread numbers counted, the first named. */
export interface PracticeBaselineRow extends Omit<BaselineRefreshSummary, 'unread'> {
  unread: number;
  firstUnread?: { number: string; reason: string };
}

/** Input of refreshPracticeBaseline. */
export interface PracticeBaselineRequest {
  /** Only this carrier's numbers (a practice of one carrier). */
  carrier?: CarrierName;
  /** Only this site's numbers. */
  siteId?: string;
  /** Leave alone a site's carrier whose baseline is younger than 20 h (the daily read). */
  skipFresh: boolean;
  /** Epoch ms after which no carrier request is sent. */
  deadlineMs: number;
}

/** Refreshes the baseline with this region's carrier credentials; never throws for a carrier or a site. */
export async function refreshPracticeBaseline(
  work: PracticeWork,
  request: PracticeBaselineRequest,
): Promise<PracticeBaselineRow[]> {
  const { config, plan } = work.files;
  const summaries = await refreshRoutingBaseline({
    plan: plan.filter((entry) => request.carrier === undefined || entry.carrier === request.carrier),
    carriers: config.carriers,
    siteId: request.siteId,
    open: (carrier) => work.access.open(carrier),
    store: work.baseline,
    openIncidentOf: async (siteId) => (await work.incidents.getActive(siteId))?.id,
    clock: work.clock,
    random: work.random,
    skipFresherThanMs: request.skipFresh ? BASELINE_FRESH_FOR_MS : undefined,
    deadlineMs: request.deadlineMs,
  });
  return summaries.map(({ unread, ...summary }) => ({
    ...summary,
    unread: unread.length,
    ...(unread[0] ? { firstUnread: unread[0] } : {}),
  }));
}

/** True when a row says something is wrong (not read, not kept), as opposed to read or fresh. */
export function isBaselineProblem(row: PracticeBaselineRow): boolean {
  return row.error !== undefined || (!row.stored && row.skipped === undefined) || row.unread > 0;
}

/** Logs the rows: a warning when one says something is wrong (nothing read or kept there). */
export function logBaseline(baseline: readonly PracticeBaselineRow[]): void {
  if (baseline.some(isBaselineProblem)) logger.warn('Routing baseline not wholly refreshed', { baseline });
  else logger.info('Routing baseline refreshed', { baseline });
}
