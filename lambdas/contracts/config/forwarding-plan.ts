import { parse } from 'csv-parse/sync';
import { CARRIER_NAMES, type CarrierName, E164_PATTERN, SIP_URI_PATTERN } from './config-constants';
import type { PlanEntry } from './plan-entry';
import { preview } from './value-preview';

/** The forwarding plan's columns, in the order the header should list them. `label` is optional. */
export const PLAN_COLUMNS = ['number', 'carrier', 'site', 'forwardTo', 'label'] as const;
const REQUIRED_COLUMNS = ['number', 'carrier', 'site', 'forwardTo'] as const;

/** What the plan is checked against: the carriers configured, the sites with their roles, the canaries. */
export interface PlanContext {
  carriers: readonly CarrierName[];
  sites: readonly { id: string; role: 'primary' | 'standby' }[];
  /** The carriers' canary numbers, which must not be plan rows (practice changes them every week). */
  canaries?: readonly { carrier: CarrierName; canary: { number: string } }[];
}

export interface ParsedPlan {
  entries: PlanEntry[];
  /** One line per problem: `<file>:<line>: <column>: <expected>, got <found>`. */
  problems: string[];
}

/**
 * Parses and validates the forwarding plan CSV (header `number,carrier,site,forwardTo[,label]`, `#`
 * comments and blank lines allowed). Collects every problem instead of stopping at the first, so an
 * operator fixes the file in one pass; entries are returned only for valid rows.
 */
export function parseForwardingPlan(text: string, file: string, context: PlanContext): ParsedPlan {
  const problems: string[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((column) => column.trim()),
      info: true,
      skip_empty_lines: true,
      comment: '#',
      comment_no_infix: true,
      trim: true,
      relax_column_count: true,
    });
  } catch (error) {
    const csvError = error as { message: string; lines?: number };
    return { entries: [], problems: [`${file}:${csvError.lines ?? 1}: not valid CSV: ${csvError.message}`] };
  }

  const header = firstHeader(text);
  const missing = REQUIRED_COLUMNS.filter((column) => !header.includes(column));
  const unknown = header.filter((column) => !(PLAN_COLUMNS as readonly string[]).includes(column));
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [
      missing.length > 0 ? `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : '',
      unknown.length > 0 ? `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` : '',
    ].filter(Boolean);
    problems.push(`${file}:1: header: ${parts.join('; ')}; expected the header ${PLAN_COLUMNS.join(',')}`);
    return { entries: [], problems };
  }

  const siteRoles = new Map(context.sites.map((site) => [site.id, site.role]));
  const canaryOf = new Map((context.canaries ?? []).map(({ carrier, canary }) => [canary.number, carrier]));
  const firstLineOfNumber = new Map<string, number>();
  const entries: PlanEntry[] = [];
  for (const { record, info } of records) {
    const line = info.lines;
    const at = (column: string, message: string, found: unknown) =>
      problems.push(
        `${file}:${line}: ${column}: ${message}, got ${found === '' ? 'nothing' : preview(found)}`,
      );
    const before = problems.length;
    const { number = '', carrier = '', site = '', forwardTo = '', label } = record;

    if (!E164_PATTERN.test(number)) at('number', 'expected an E.164 number such as +14155550100', number);
    const canaryCarrier = canaryOf.get(number);
    if (canaryCarrier !== undefined) {
      problems.push(
        `${file}:${line}: number: ${number} is the canary of ${canaryCarrier} (carriers.${canaryCarrier}.canary.number), which practice runs forward every week; a canary must not be in the plan: remove the row or pick another canary`,
      );
    }
    if (!(CARRIER_NAMES as readonly string[]).includes(carrier)) {
      at('carrier', `expected one of ${CARRIER_NAMES.join(', ')}`, carrier);
    } else if (!context.carriers.includes(carrier as CarrierName)) {
      at(
        'carrier',
        `expected a carrier configured under carriers (${context.carriers.join(', ') || 'none'})`,
        carrier,
      );
    }
    const role = siteRoles.get(site);
    if (role === undefined) {
      at('site', `expected a site id from the config (${[...siteRoles.keys()].join(', ')})`, site);
    } else if (role !== 'primary') {
      at('site', 'expected a primary site (only primary sites are failed over)', site);
    }
    if (!E164_PATTERN.test(forwardTo) && !SIP_URI_PATTERN.test(forwardTo)) {
      at(
        'forwardTo',
        'expected an E.164 number or a sip: URI such as sip:backup@sbc2.example.net',
        forwardTo,
      );
    } else if (forwardTo === number) {
      at('forwardTo', 'expected a destination other than the number itself', forwardTo);
    }
    const firstLine = firstLineOfNumber.get(number);
    if (firstLine !== undefined && number !== '') {
      problems.push(
        `${file}:${line}: number: ${number} is listed twice (first at line ${firstLine}); keep one row`,
      );
    } else {
      firstLineOfNumber.set(number, line);
    }
    if (problems.length === before) {
      entries.push({
        number,
        carrier: carrier as CarrierName,
        siteId: site,
        forwardTo,
        ...(label ? { label } : {}),
      });
    }
  }
  if (records.length === 0) problems.push(`${file}: no numbers: expected at least one row after the header`);
  return { entries, problems };
}

/** The header line's column names (the first line that is neither blank nor a comment). */
function firstHeader(text: string): string[] {
  const line = text
    .split(/\r?\n/)
    .find((candidate) => candidate.trim() !== '' && !candidate.trim().startsWith('#'));
  return line ? line.split(',').map((column) => column.trim()) : [];
}
