import { spansAccounts } from '../../domain/types';
import { ReportModel } from './model';

/**
 * The auditor export: RFC 4180 CSV files (comma, CRLF, quotes doubled), one header row each,
 * times in ISO-8601 UTC, durations in seconds (empty: none / not measured).
 */
export type CsvFiles = Readonly<Record<'instances.csv' | 'findings.csv' | 'drills.csv' | 'runs.csv', string>>;

type Cell = string | number | boolean | null;

const cell = (v: Cell): string => {
  const text = v === null ? '' : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const csv = (header: readonly string[], rows: readonly (readonly Cell[])[]): string => [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';

export function renderReportCsv(model: ReportModel): CsvFiles {
  // With a vault (issue 16): the newest vault copy and the account-loss figure; the band is empty where not judged.
  const vault = model.vault !== null;
  // A fleet over several accounts (issue 16): each instance's account id and name after its id.
  const accounts = spansAccounts(model.instances);
  return {
    'instances.csv': csv(
      [
        'instance_id', ...(accounts ? ['account', 'account_name'] : []), 'kind', 'tier', 'product', 'region', 'dr_region', 'newest_primary_snapshot', 'newest_primary_time', 'newest_dr_copy', 'newest_dr_time',
        'rpo_target_seconds', 'instance_loss_achieved_seconds', 'instance_loss_band', 'region_loss_achieved_seconds', 'region_loss_band',
        ...(vault ? ['newest_vault_copy', 'newest_vault_time', 'account_loss_achieved_seconds', 'account_loss_band'] : []),
        'rto_status', 'rto_seconds', 'rto_band', 'rto_drill_at', 'open_findings', 'not_compliant_since', 'read_errors',
      ],
      model.instances.map((i) => [
        i.instanceId, ...(accounts ? [i.account, i.accountName] : []), i.kind, i.tier, i.product, i.region, i.drRegion, i.primary?.snapshotId ?? null, i.primary?.time ?? null, i.dr?.snapshotId ?? null, i.dr?.time ?? null,
        i.rpoTargetSeconds, i.achieved.instanceLoss, i.band.instanceLoss, i.achieved.regionLoss, i.band.regionLoss,
        ...(vault ? [i.vault?.newest?.snapshotId ?? null, i.vault?.newest?.time ?? null, i.achieved.accountLoss, i.band.accountLoss] : []),
        i.rto.status, i.rto.seconds, i.rto.band, i.rto.at, i.openFindings.map((f) => f.kind).join('; '), i.notCompliantSince, i.errors.join('; '),
      ]),
    ),
    'findings.csv': csv(
      ['finding_id', 'kind', 'subject', 'status', 'opened_at', 'resolved_at', 'age_seconds', 'notified_at', 'acknowledged_by', 'acknowledged_until', 'acknowledged_reason'],
      model.findings.period.map((f) => [f.id, f.kind, f.subject, f.status, f.openedAt, f.resolvedAt, f.ageSeconds, f.notifiedAt, f.acknowledged?.by ?? null, f.acknowledged?.until ?? null, f.acknowledged?.reason ?? null]),
    ),
    // Every drill started in the period (or still in flight), newest first.
    'drills.csv': csv(
      ['drill_id', 'instance_id', 'tier', 'trigger', 'phase', 'outcome', 'source_region', 'snapshot_id', 'recovery_point_time', 'started_at', 'finished_at', 'rto_seconds', 'rto_target_seconds', 'rto_band', 'recovery_point_age_seconds', 'error'],
      model.drills.history.map((d) => [d.drillId, d.instanceId, d.tier, d.trigger, d.phase, d.outcome, d.sourceRegion, d.snapshotId, d.recoveryPointTime, d.startedAt, d.finishedAt, d.rtoSeconds, d.rtoTargetSeconds, d.band, d.recoveryPointAgeSeconds, d.error]),
    ),
    'runs.csv': csv(['run_id', 'kind', 'trigger', 'started_at', 'finished_at', 'outcome', 'error'], model.runs.map((r) => [r.id, r.kind, r.trigger, r.startedAt, r.finishedAt, r.outcome, r.error])),
  };
}
