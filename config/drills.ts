import { DEFAULT_DRILLS, DrillsConfig } from '../src/domain/drill';
import { Tier, TIERS } from '../src/domain/types';
import { ConfigFile } from './schema';

/** The `drills:` key with defaults applied. A given `every` map replaces the default one whole. */
export function drillsFromFile(file: ConfigFile['drills']): DrillsConfig {
  if (!file) return DEFAULT_DRILLS;
  let everyMs: Partial<Record<Tier, number>> = { ...DEFAULT_DRILLS.everyMs };
  if (file.every) {
    everyMs = {};
    for (const tier of TIERS) {
      const ms = file.every[tier];
      if (ms !== undefined) everyMs[tier] = ms;
    }
  }
  const regions: Record<string, { subnetGroup?: string; securityGroups?: string[]; instanceClass?: string }> = {};
  for (const [region, r] of Object.entries(file.regions ?? {})) {
    regions[region] = {
      ...(r.subnetGroup !== undefined ? { subnetGroup: r.subnetGroup } : {}),
      ...(r.securityGroups !== undefined ? { securityGroups: [...r.securityGroups] } : {}),
      ...(r.instanceClass !== undefined ? { instanceClass: r.instanceClass } : {}),
    };
  }
  const validate = file.validate && (file.validate.command || file.validate.lambdaArn)
    ? { ...(file.validate.command ? { command: file.validate.command } : {}), ...(file.validate.lambdaArn ? { lambdaArn: file.validate.lambdaArn } : {}) }
    : null;
  return {
    everyMs,
    source: file.source ?? DEFAULT_DRILLS.source,
    maxConcurrent: file.maxConcurrent ?? DEFAULT_DRILLS.maxConcurrent,
    maxAgeMs: file.maxAge ?? DEFAULT_DRILLS.maxAgeMs,
    hookTimeoutMs: file.hookTimeout ?? DEFAULT_DRILLS.hookTimeoutMs,
    regions,
    validate,
  };
}
