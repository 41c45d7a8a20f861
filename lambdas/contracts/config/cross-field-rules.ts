import type * as z from 'zod';
import { CARRIER_NAMES, PRACTICE_SITE_PREFIX } from './config-constants';
import type { configObjectSchema } from './config-object-schema';
import { checkSiteFailover } from './site-failover-rules';
import { checkTestCalls } from './test-call-rules';

type ConfigOutput = z.output<typeof configObjectSchema>;

/** A possibly partly invalid config, as the cross-field rules may see it. */
type LooseConfig = { [K in keyof ConfigOutput]?: unknown };

/**
 * The rules that span fields (home region among the watchdog regions, quorum within them, unique
 * site ids, a primary site, a carrier, canaries, DNS record sites, increasing waves). They also run
 * when some fields are invalid, so each looks only at fields that parsed into the expected shape.
 */
export function checkCrossFieldRules(input: ConfigOutput, ctx: z.RefinementCtx): void {
  const config = input as LooseConfig;
  const regions = stringList(config.watchdogRegions);
  const homeRegion = config.homeRegion;
  if (regions && typeof homeRegion === 'string' && !regions.includes(homeRegion)) {
    ctx.addIssue({
      code: 'custom',
      path: ['homeRegion'],
      message: `expected one of the watchdogRegions (${regions.join(', ')}), got "${homeRegion}"`,
    });
  }
  regions?.forEach((region, index) => {
    if (regions.indexOf(region) !== index) {
      ctx.addIssue({
        code: 'custom',
        path: ['watchdogRegions', index],
        message: `region "${region}" is listed twice`,
      });
    }
  });
  const quorum = (config.detection as { quorum?: unknown } | undefined)?.quorum;
  if (regions && typeof quorum === 'number' && quorum > regions.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['detection', 'quorum'],
      message: `expected at most the number of watchdog regions (${regions.length}), got ${quorum}`,
    });
  }
  const sites = Array.isArray(config.sites)
    ? (config.sites as { id?: unknown; role?: unknown; sip?: unknown; http?: unknown; calls?: unknown }[])
    : [];
  const ids = sites.map((site) => site?.id);
  ids.forEach((id, index) => {
    if (typeof id === 'string' && ids.indexOf(id) !== index) {
      ctx.addIssue({
        code: 'custom',
        path: ['sites', index, 'id'],
        message: `site id "${id}" is used twice`,
      });
    }
  });
  ids.forEach((id, index) => {
    if (typeof id === 'string' && id.startsWith(PRACTICE_SITE_PREFIX)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sites', index, 'id'],
        message: `site id "${id}" is reserved: ids starting with "${PRACTICE_SITE_PREFIX}" hold practice runs in the incident log; rename the site`,
      });
    }
  });
  const rolesValid = sites.every((site) => site?.role === 'primary' || site?.role === 'standby');
  if (sites.length > 0 && rolesValid && !sites.some((site) => site.role === 'primary')) {
    ctx.addIssue({
      code: 'custom',
      path: ['sites'],
      message: 'expected at least one site with role: primary',
    });
  }
  sites.forEach((site, index) => {
    const probes =
      (Array.isArray(site?.sip) ? site.sip.length : 0) + (Array.isArray(site?.http) ? site.http.length : 0);
    if (site && typeof site === 'object' && probes === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['sites', index],
        message: 'expected at least one sip or http endpoint to probe',
      });
    }
  });
  const carriers = config.carriers as Record<string, unknown> | undefined;
  if (carriers && typeof carriers === 'object' && !CARRIER_NAMES.some((name) => carriers[name])) {
    ctx.addIssue({
      code: 'custom',
      path: ['carriers'],
      message: `expected at least one of ${CARRIER_NAMES.join(', ')}`,
    });
  }
  checkSiteFailover(sites, carriers, ctx);
  checkTestCalls(sites, config.detection, ctx);
  checkCanaries(carriers, ctx);
  const records = (config.dns as { records?: unknown } | undefined)?.records;
  if (Array.isArray(records) && rolesValid) {
    records.forEach((record: { site?: unknown }, index) => {
      if (
        typeof record?.site === 'string' &&
        !sites.some((site) => site?.id === record.site && site.role === 'primary')
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['dns', 'records', index, 'site'],
          message: `expected the id of a primary site, got "${record.site}"`,
        });
      }
    });
  }
  const waves = (config.failback as { waves?: unknown } | undefined)?.waves;
  if (Array.isArray(waves) && waves.every((wave) => typeof wave === 'number')) {
    waves.forEach((wave, index) => {
      if (index > 0 && wave <= waves[index - 1]) {
        ctx.addIssue({
          code: 'custom',
          path: ['failback', 'waves', index],
          message: `expected increasing cumulative percentages, got ${wave} after ${waves[index - 1]}`,
        });
      }
    });
    if (waves.length > 0 && waves[waves.length - 1] !== 100) {
      ctx.addIssue({
        code: 'custom',
        path: ['failback', 'waves', waves.length - 1],
        message: `expected the last wave to be 100, got ${waves[waves.length - 1]}`,
      });
    }
  }
}

/** Canary numbers: each used once, never its own destination (the plan check is in forwarding-plan.ts). */
function checkCanaries(carriers: Record<string, unknown> | undefined, ctx: z.RefinementCtx): void {
  if (!carriers || typeof carriers !== 'object') return;
  const seen = new Map<string, string>();
  for (const name of CARRIER_NAMES) {
    const canary = (carriers[name] as { canary?: { number?: unknown; forwardTo?: unknown } } | undefined)
      ?.canary;
    if (!canary || typeof canary.number !== 'string') continue;
    const first = seen.get(canary.number);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['carriers', name, 'canary', 'number'],
        message: `${canary.number} is already the canary of ${first}; give each carrier its own canary number`,
      });
    } else {
      seen.set(canary.number, name);
    }
    if (canary.forwardTo === canary.number) {
      ctx.addIssue({
        code: 'custom',
        path: ['carriers', name, 'canary', 'forwardTo'],
        message: 'expected a destination other than the canary number itself',
      });
    }
  }
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}
