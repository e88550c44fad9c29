import { InstanceStatus } from '../../src/app/status';
import { bandOf } from '../../src/domain/rpo';
import { Tier } from '../../src/domain/types';
import { instanceStatus } from './report-fixtures';

export const VAULT = '999999999999';
/** The accountLoss target these fixtures judge against: 48 h. */
export const TARGET = 48 * 3600;
const at = new Date('2026-11-24T10:00:00Z');

/**
 * An instance the vault covers, as status computes it: its newest vault copy `seconds` old
 * (null: none), judged against TARGET when `judged`, unread when `error`.
 */
export function vaulted(id: string, tier: Tier, seconds: number | null, options: { judged?: boolean; error?: boolean } = {}, now = at): InstanceStatus {
  const base = instanceStatus(id, tier, now, { instanceLoss: 600, regionLoss: 600 });
  const judged = options.judged ?? true;
  const newest = seconds === null ? null : { snapshotId: `vault-${id}`, time: new Date(now.getTime() - seconds * 1000) };
  const b = bandOf(seconds, TARGET);
  const rpo = judged ? { scenario: 'accountLoss' as const, targetSeconds: TARGET, achievedSeconds: seconds, band: b, compliant: b === 'compliant', recoveryPoint: newest ? { source: 'vault-copy' as const, ...newest } : null, neverMeets: null } : null;
  const known = !options.error;
  return {
    ...base,
    vault: { account: VAULT, newest: known ? newest : null, error: known ? null : { code: 'ACCESS_DENIED', message: 'not authorized', retryable: false } },
    achieved: { ...base.achieved, accountLoss: known ? seconds : null },
    band: { ...base.band, accountLoss: rpo ? (known ? b : 'unknown') : null },
    compliant: base.compliant && (!rpo || (known && rpo.compliant)),
    rpo: { ...base.rpo, accountLoss: rpo },
  };
}

