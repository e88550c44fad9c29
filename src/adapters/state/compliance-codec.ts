import { checkComplianceDay, checkDay, ComplianceDay, HistoryBand, oldestKeptDay } from '../../domain/history';
import { Tier } from '../../domain/types';

/**
 * The compliance history as every driver stores it: flat columns/attributes (readable with
 * `sqlite3` or the DynamoDB console), validated on the way in, copied on the way out.
 */
export interface ComplianceRecord {
  day: string;
  instanceId: string;
  tier: number;
  bandInstanceLoss: string;
  bandRegionLoss: string;
  achievedInstanceLoss: number | null;
  achievedRegionLoss: number | null;
  recordedAt: string;
}

export function encodeCompliance(entry: ComplianceDay): ComplianceRecord {
  checkComplianceDay(entry);
  return {
    day: entry.day,
    instanceId: entry.instanceId,
    tier: entry.tier,
    bandInstanceLoss: entry.band.instanceLoss,
    bandRegionLoss: entry.band.regionLoss,
    achievedInstanceLoss: entry.achieved.instanceLoss,
    achievedRegionLoss: entry.achieved.regionLoss,
    recordedAt: entry.recordedAt.toISOString(),
  };
}

export function decodeCompliance(r: ComplianceRecord): ComplianceDay {
  return {
    day: r.day,
    instanceId: r.instanceId,
    tier: Number(r.tier) as Tier,
    band: { instanceLoss: r.bandInstanceLoss as HistoryBand, regionLoss: r.bandRegionLoss as HistoryBand },
    achieved: {
      instanceLoss: r.achievedInstanceLoss === null || r.achievedInstanceLoss === undefined ? null : Number(r.achievedInstanceLoss),
      regionLoss: r.achievedRegionLoss === null || r.achievedRegionLoss === undefined ? null : Number(r.achievedRegionLoss),
    },
    recordedAt: new Date(r.recordedAt),
  };
}

/**
 * The days a listing really covers: `from` is raised to the oldest kept day before `to`, so a
 * driver whose expiry is lazy (DynamoDB TTL) answers exactly as one that deletes at once.
 * @returns null when the range is empty
 */
export function keptRange(range: { from: string; to: string }): { from: string; to: string } | null {
  checkDay(range.from, 'from');
  checkDay(range.to, 'to');
  const oldest = oldestKeptDay(range.to);
  const from = range.from < oldest ? oldest : range.from;
  return from <= range.to ? { from, to: range.to } : null;
}

export const byDayThenInstance = (a: ComplianceDay, b: ComplianceDay): number =>
  a.day < b.day ? -1 : a.day > b.day ? 1 : a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
