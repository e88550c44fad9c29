import { DRILL_PHASES, DrillRecord } from '../../domain/drill';
import { SnapwardError } from '../../domain/errors';

/**
 * A drill record as stored by every driver: one JSON document, dates as ISO strings, so SQLite,
 * DynamoDB and memory hold it byte for byte alike and round-trip it alike.
 */
const DATE_FIELDS = ['createdAt', 'startedAt', 'availableAt', 'validatedAt', 'finishedAt', 'updatedAt'] as const;

export function checkDrill(d: DrillRecord): void {
  const bad = (what: string): never => {
    throw new SnapwardError('STATE_STORE_ERROR', `drill ${JSON.stringify(d?.drillId)}: ${what}`);
  };
  if (typeof d.drillId !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(d.drillId)) bad('drillId must be 1 to 128 letters, digits, ".", "_" or "-"');
  if (!DRILL_PHASES.includes(d.phase)) bad(`unknown phase ${JSON.stringify(d.phase)}`);
  for (const f of DATE_FIELDS) {
    const v = d[f];
    if (v === null && f !== 'createdAt' && f !== 'updatedAt') continue;
    if (!(v instanceof Date) || Number.isNaN(v.getTime())) bad(`${f} must be a valid Date`);
  }
  if (!(d.source?.recoveryPointTime instanceof Date) || Number.isNaN(d.source.recoveryPointTime.getTime())) bad('source.recoveryPointTime must be a valid Date');
}

export const encodeDrill = (d: DrillRecord): string => JSON.stringify(d);

export function decodeDrill(text: string): DrillRecord {
  const raw = JSON.parse(text) as Record<string, unknown> & { source: Record<string, unknown> };
  const date = (v: unknown): Date | null => (typeof v === 'string' ? new Date(v) : null);
  const out: Record<string, unknown> = { ...raw, source: { ...raw.source, recoveryPointTime: date(raw.source.recoveryPointTime) } };
  for (const f of DATE_FIELDS) out[f] = date(raw[f]);
  return out as unknown as DrillRecord;
}
