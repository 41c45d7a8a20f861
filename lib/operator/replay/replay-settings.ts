/**
 * The detection settings a replay runs with: the config's `detection` block, each overridable by
 * its flag, every value checked by the config schema's own rule for that field (so `--quorum 0`
 * gets the same "expected an integer 1-10" as `detection.quorum: 0`), and the quorum checked
 * against the regions the trace actually has. Every problem is reported at once.
 */

import { type DetectionSettings, detectionSchema } from '../../../lambdas/contracts/config/schema';
import { preview } from '../../../lambdas/contracts/config/value-preview';
import type { DecisionSettings } from '../../../lambdas/domain/detection/decide-site-health';

/** The settings a flag may override, with the flag's name. */
export const SETTING_FLAGS = {
  quorum: '--quorum',
  failuresToTrip: '--failures-to-trip',
  recoveryHoldMinutes: '--recovery-hold-minutes',
  probeIntervalSeconds: '--interval-seconds',
} as const;

/** A setting a flag may override. */
export type OverridableSetting = keyof typeof SETTING_FLAGS;

/** Flag values as typed (strings, validated here). */
export type SettingOverrides = Partial<Record<OverridableSetting, string>>;

/** The settings and where each came from. */
export interface ResolvedSettings {
  settings: DecisionSettings;
  /** Per overridable setting: the flag that set it, or `config`. */
  sources: Record<OverridableSetting, string>;
  /** One line per problem; the settings are unusable when there is any. */
  problems: string[];
}

/**
 * Applies the flags over the config's detection settings. `regions` is the number of regions in
 * the trace (a quorum above it could never trip); `configLabel` names the config in messages.
 */
export function resolveReplaySettings(
  detection: DetectionSettings,
  overrides: SettingOverrides,
  regions: number,
  configLabel: string,
): ResolvedSettings {
  const problems: string[] = [];
  const settings: DecisionSettings = {
    probeIntervalSeconds: detection.probeIntervalSeconds,
    failuresToTrip: detection.failuresToTrip,
    quorum: detection.quorum,
    recoveryHoldMinutes: detection.recoveryHoldMinutes,
    probeTimeoutMs: detection.probeTimeoutMs,
  };
  const sources = {} as Record<OverridableSetting, string>;
  for (const name of Object.keys(SETTING_FLAGS) as OverridableSetting[]) {
    const text = overrides[name];
    sources[name] = text === undefined ? 'config' : SETTING_FLAGS[name];
    if (text === undefined) continue;
    const parsed = detectionSchema.shape[name].safeParse(text.trim() === '' ? Number.NaN : Number(text));
    if (parsed.success) {
      settings[name] = parsed.data;
    } else {
      const shown = /^-?\d+(\.\d+)?$/.test(text.trim()) ? text.trim() : preview(text);
      problems.push(`${SETTING_FLAGS[name]}: ${parsed.error.issues[0]?.message}, got ${shown}`);
    }
  }
  if (regions > 0 && settings.quorum > regions) {
    problems.push(
      sources.quorum === 'config'
        ? `detection.quorum in ${configLabel}: expected at most the number of regions in the trace (${regions}), got ${settings.quorum}; pass --quorum`
        : `--quorum: expected at most the number of regions in the trace (${regions}), got ${settings.quorum}`,
    );
  }
  return { settings, sources, problems };
}
